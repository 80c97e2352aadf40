// The libFuzzer entry point of one target: RETORT_FUZZ_TARGET names its body
// (targets.h), which the regression test runs too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  retort::fuzz::RETORT_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
