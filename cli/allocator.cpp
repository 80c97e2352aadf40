// mimalloc in place of glibc's malloc, and the C++ allocation functions
// that keep out-of-memory an exception.
//
// Debian's libmimalloc is built as C: its `operator new` cannot reach the
// C++ new-handler and calls abort() when memory runs out. Retort must turn
// that into an error (exit 3, "out of memory"), never a crash, so the
// throwing forms of `operator new` are defined here, in the executable,
// where they take precedence over the library's: they allocate with
// mimalloc and throw std::bad_alloc as the standard asks. The library's
// nothrow forms (which return null) and its `operator delete`s (mi_free)
// stay in use.
#include "cli/allocator.h"

#ifdef RETORT_WITH_MIMALLOC

#include <mimalloc.h>
#include <pthread.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <new>

namespace {

template <typename Allocate>
void* allocate_or_throw(Allocate allocate) {
  while (true) {
    if (void* p = allocate()) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

void* operator new(std::size_t size) {
  return allocate_or_throw([&] { return mi_malloc(size); });
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return allocate_or_throw(
      [&] { return mi_malloc_aligned(size, static_cast<std::size_t>(alignment)); });
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return ::operator new(size, alignment);
}

namespace retort::cli {

void configure_allocator() {
  // Pages freed go back to the system at once rather than 25 ms later: a
  // run is shorter than a few delays, and keeping them raised the peak
  // memory of `upgrade` on 10,000 revisions from 62 to 72 MB.
  mi_option_set(mi_option_decommit_delay, 0);
  // Memory in 2 MiB pages where the system gives them (transparent huge
  // pages, `madvise` mode included), committed when a segment is made: one
  // page fault per 2 MiB instead of one per 4 KiB. A warm `lint` of 10,000
  // revisions took 15,000 faults, a third of its CPU on a virtual machine
  // where each costs 10 us (bench/README.md, twelfth round).
  mi_option_set(mi_option_large_os_pages, 1);
  mi_option_set(mi_option_eager_commit_delay, 0);
}

int run_on_configured_allocator(const std::function<int()>& command) {
  // mimalloc gives each thread segments of its own, and the main thread's
  // first one was made before main (by the C++ runtime's start), with the
  // default options: the command's memory would come from it. A thread
  // started now makes its segments with the options above. Its stack is
  // the main thread's limit, 8 MiB at least.
  size_t stack = size_t{8} << 20;
  rlimit limit{};
  if (::getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    stack = std::max<size_t>(stack, limit.rlim_cur);
  struct Call {
    const std::function<int()>* command;
    int code = 0;
    std::exception_ptr failure;
  } call{&command, 0, nullptr};
  pthread_attr_t attributes;
  if (::pthread_attr_init(&attributes) != 0) return command();
  pthread_t thread;
  bool started = ::pthread_attr_setstacksize(&attributes, stack) == 0 &&
                 ::pthread_create(
                     &thread, &attributes,
                     [](void* arg) -> void* {
                       auto* c = static_cast<Call*>(arg);
                       try {
                         c->code = (*c->command)();
                       } catch (...) {
                         c->failure = std::current_exception();
                       }
                       return nullptr;
                     },
                     &call) == 0;
  ::pthread_attr_destroy(&attributes);
  if (!started) return command();  // no thread to be had: slower, not wrong
  ::pthread_join(thread, nullptr);
  if (call.failure) std::rethrow_exception(call.failure);
  return call.code;
}

}  // namespace retort::cli

#else

namespace retort::cli {

void configure_allocator() {}

int run_on_configured_allocator(const std::function<int()>& command) {
  return command();
}

}  // namespace retort::cli

#endif
