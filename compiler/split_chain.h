// Two threads over one chain of revisions, without sharing a schema between
// them: the calling thread does the whole work (replay, then rules or
// rendering) from the start of the chain; a helper thread only replays,
// which is faster, until it is far enough ahead, then does the whole work
// from there to the end on its own copy of the schema. Each thread writes
// only schema nodes it made itself (the parsed revisions they share change
// only in the atomic counts of their shared expressions), so no freshly
// written schema node crosses between cores:
// on hosts whose two cores share no cache, that traffic cost more than a
// second core gave (bench/README.md, eleventh and twelfth rounds).
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

namespace retort {

/// Whether a chain of `items` revisions is worth a second thread: not a
/// handful (a bundle asks for one revision at a time), where starting it
/// costs more than it saves, nor on one core.
inline bool worth_a_thread(size_t items) {
  constexpr size_t kItemsForAThread = 64;
  return items >= kItemsForAThread && std::thread::hardware_concurrency() > 1;
}

/// Runs the items [0, count) of a chain in order, split between the
/// calling thread and a helper (when `threaded` and a thread can be
/// started; else all on the calling thread):
///
/// - `front(i)` does item i's whole work on the calling thread, for
///   i in [0, split);
/// - `skip(i)` replays item i on the helper, without the work, for i in
///   [0, split) (or a prefix of it, if the helper never caught up);
/// - `back(i)` does item i's whole work on the helper, for i in
///   [split, count).
///
/// Returns `split`. The helper takes its share once what is left after it
/// is no more than what lies between the calling thread and it, so that
/// both finish about together; `split` depends on timing, so callers must
/// make the same outcome of any split (front's output, then back's).
/// `fixed_split`, when in (0, count), sets it instead (for tests: every
/// split must give the same outcome).
///
/// What `front` throws is thrown again once the helper has stopped. What
/// the helper throws is thrown by the calling thread if the helper had
/// taken a share; if not, the calling thread has done everything anyway.
template <class Front, class Skip, class Back>
size_t run_split_chain(size_t count, bool threaded, Front&& front, Skip&& skip, Back&& back,
                       size_t fixed_split = 0) {
  // The helper looks at where the calling thread is every few items, not
  // at each, so that the two rarely pass the lock's line between cores.
  constexpr size_t kLookEvery = 8;
  std::mutex mutex;
  size_t begun = 0;  // items the calling thread has begun; under mutex
  const bool fixed = fixed_split > 0 && fixed_split < count;
  // The first item the calling thread must leave; under mutex.
  size_t boundary = fixed ? fixed_split : count;
  std::atomic<bool> stop{false};  // the calling thread failed or is done: the helper stops
  std::exception_ptr helper_failure;
  bool helper_took_share = fixed;  // written by the helper, read after join

  std::thread helper;
  if (threaded && count > 1) {
    try {
      helper = std::thread([&] {
        try {
          size_t p = 0;
          for (; p < count; ++p) {
            if (fixed) {
              if (p == fixed_split) break;
            } else if (p % kLookEvery == 0) {
              std::lock_guard lock(mutex);
              if (begun >= count) return;  // the calling thread did everything
              if (begun < p && count - p <= p - begun) {
                boundary = p;
                helper_took_share = true;
                break;
              }
            }
            if (stop.load(std::memory_order_relaxed)) return;
            skip(p);
          }
          if (!helper_took_share) return;
          for (; p < count && !stop.load(std::memory_order_relaxed); ++p) back(p);
        } catch (...) {
          helper_failure = std::current_exception();
        }
      });
    } catch (const std::system_error&) {
      // No thread to be had: everything runs here.
    }
  }

  size_t i = 0;
  try {
    for (; i < count; ++i) {
      if (helper.joinable()) {
        std::lock_guard lock(mutex);
        if (i >= boundary) break;
        begun = i + 1;
      }
      front(i);
    }
  } catch (...) {
    if (helper.joinable()) {
      stop.store(true, std::memory_order_relaxed);
      helper.join();
    }
    throw;
  }
  // Done with every item before the helper took any (it cannot take one
  // now: `begun` is `count`): it stops at its next item, not its next look.
  if (helper.joinable()) {
    if (i == count) stop.store(true, std::memory_order_relaxed);
    helper.join();
  }
  if (helper_took_share && helper_failure) std::rethrow_exception(helper_failure);
  return i;
}

}  // namespace retort
