// Wall-clock limits of the scale tests. The sanitizer build (RETORT_SANITIZE)
// runs two to five times slower and defines RETORT_TEST_TIME_SCALE as 10, so
// that the same tests run there too and still catch a quadratic step; the
// ordinary build keeps the limits as written (docs/hardening.md).
#pragma once

#ifndef RETORT_TEST_TIME_SCALE
#define RETORT_TEST_TIME_SCALE 1
#endif

namespace retort::test {

constexpr double time_limit(double seconds) {
  return seconds * RETORT_TEST_TIME_SCALE;
}

}  // namespace retort::test
