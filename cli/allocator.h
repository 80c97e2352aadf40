// The process's allocator: mimalloc when `retort` is linked with it
// (CMake's RETORT_MIMALLOC, bench/README.md "Seventh round"), else glibc's.
#pragma once

#include <functional>

namespace retort::cli {

/// Sets the allocator's options; call first thing in main. Nothing to do
/// without mimalloc.
void configure_allocator();

/// Runs `command` and returns what it returns, on a thread whose memory
/// all comes under the options configure_allocator set (with mimalloc: a
/// thread of its own; else, or when no thread can be started, this one).
/// What `command` throws is thrown here.
int run_on_configured_allocator(const std::function<int()>& command);

}  // namespace retort::cli
