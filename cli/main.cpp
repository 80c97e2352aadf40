// A thin main: everything is in the cli library so that tests can drive it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/allocator.h"
#include "cli/app.h"

// Under the sanitizers everything is freed, so that a leak is still a leak.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RETORT_FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RETORT_FREE_AT_EXIT 1
#endif
#endif

int main(int argc, char** argv) {
  retort::cli::configure_allocator();
  std::ios::sync_with_stdio(false);
#ifdef RETORT_FREE_AT_EXIT
  int code = retort::cli::run(argc, argv, std::cout, std::cerr, ::isatty(2) != 0);
  std::cout.flush();
  return code;
#else
  // What the command kept stays reachable from here until the process
  // ends: _Exit skips the destructors (the output is flushed first).
  retort::cli::KeptUntilExit kept;
  int code = retort::cli::run_on_configured_allocator(
      [&] { return retort::cli::run(argc, argv, std::cout, std::cerr, ::isatty(2) != 0, &kept); });
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
#endif
}
