// The process's allocator: mimalloc when `retort` is linked with it
// (CMake's RETORT_MIMALLOC, bench/README.md "Seventh round"), else glibc's.
#pragma once

namespace retort::cli {

/// Sets the allocator's options; call first thing in main. Nothing to do
/// without mimalloc.
void configure_allocator();

}  // namespace retort::cli
