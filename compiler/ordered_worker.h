// A second thread that does the back half of a pipeline in order: the
// command's thread posts jobs (the schema before and after each statement,
// say) and goes on replaying, while this one renders them.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace retort {

/// Whether `jobs` jobs (a revision each) are worth an OrderedWorker's own
/// thread: not a handful (a bundle asks for one revision at a time), where
/// starting it costs more than it saves, nor on one core.
inline bool worth_a_thread(size_t jobs) {
  constexpr size_t kJobsForAThread = 64;
  return jobs >= kJobsForAThread && std::thread::hardware_concurrency() > 1;
}

/// Runs `work(job)` for each posted job, one at a time and in the order
/// posted, on a thread of its own; or on the posting thread, inside
/// `post`, when made inline (a short run, where starting a thread costs
/// more than it saves) or when no thread can be started. Either way the
/// jobs run in the same order, so the outcome does not depend on which.
///
/// `work` may touch what the posting thread does not touch until `finish`
/// returns. At most `capacity` jobs wait, so that a slow `work` bounds
/// what the jobs hold (snapshots of a schema) instead of queuing them all.
/// What `work` throws stops the jobs after it and is thrown again by
/// `finish`, on the posting thread.
///
/// A job done is destroyed on the posting thread, where what it holds was
/// allocated: a block freed by another thread goes back the slow way
/// (glibc's malloc takes the allocating thread's arena lock, which slowed
/// that thread's own allocations by half again; mimalloc, which `retort`
/// links, hands it back through an atomic list). Jobs are handed over in
/// batches of `batch`, so that the threads do not wake each other for
/// every job.
template <class Job>
class OrderedWorker {
 public:
  OrderedWorker(std::function<void(Job&)> work, bool threaded, size_t capacity = 64,
                size_t batch = 16)
      : work_(std::move(work)),
        capacity_(std::max<size_t>(capacity, 1)),
        batch_(std::clamp<size_t>(batch, 1, capacity_)) {
    if (!threaded) return;
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {
      // No thread to be had: the jobs run inline.
    }
  }
  OrderedWorker(const OrderedWorker&) = delete;
  OrderedWorker& operator=(const OrderedWorker&) = delete;
  /// Without `finish` (the posting thread is unwinding): drops the jobs
  /// still queued, waits for those the worker has already taken (at most a
  /// queue's worth), and throws nothing.
  ~OrderedWorker() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      queue_.clear();
      closed_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  void post(Job job) {
    if (!thread_.joinable()) {
      if (!failure_) run_one(job);
      return;
    }
    std::vector<Job> spent;
    bool wake = false;
    {
      std::unique_lock lock(mutex_);
      while (queue_.size() >= capacity_ && !failure_) {
        producer_waiting_ = true;
        room_.wait(lock);
        producer_waiting_ = false;
      }
      if (!failure_) {  // else finish throws it
        queue_.push_back(std::move(job));
        wake = consumer_waiting_ && queue_.size() >= batch_;
      }
      spent.swap(spent_);
    }
    if (wake) changed_.notify_one();
    // `spent` is destroyed here, on this thread.
  }

  /// Waits for every job; throws what a job threw.
  void finish() {
    if (thread_.joinable()) {
      {
        std::lock_guard lock(mutex_);
        closed_ = true;
      }
      changed_.notify_all();
      thread_.join();
    }
    spent_.clear();
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  void run() {
    std::deque<Job> taken;
    std::vector<Job> done;
    while (true) {
      bool wake = false;
      {
        std::unique_lock lock(mutex_);
        for (auto& job : done) spent_.push_back(std::move(job));
        done.clear();
        while (queue_.size() < batch_ && !closed_) {
          consumer_waiting_ = true;
          changed_.wait(lock);
          consumer_waiting_ = false;
        }
        if (queue_.empty()) return;
        taken.swap(queue_);
        wake = producer_waiting_;
      }
      if (wake) room_.notify_one();
      for (auto& job : taken) {
        if (!failure_) run_one(job);
        done.push_back(std::move(job));
      }
      taken.clear();
      if (failure_) {
        std::lock_guard lock(mutex_);
        for (auto& job : done) spent_.push_back(std::move(job));
        for (auto& job : queue_) spent_.push_back(std::move(job));
        queue_.clear();
        room_.notify_all();
        return;
      }
    }
  }
  void run_one(Job& job) {
    try {
      work_(job);
    } catch (...) {
      std::lock_guard lock(mutex_);
      failure_ = std::current_exception();
    }
  }

  std::function<void(Job&)> work_;
  size_t capacity_;
  size_t batch_;
  std::mutex mutex_;
  std::condition_variable changed_;  // jobs posted, or no more to come
  std::condition_variable room_;     // jobs taken, or a failure
  std::deque<Job> queue_;            // under mutex_
  std::vector<Job> spent_;           // done, to be destroyed by the posting thread; under mutex_
  bool closed_ = false;              // under mutex_
  bool consumer_waiting_ = false;    // under mutex_
  bool producer_waiting_ = false;    // under mutex_
  std::exception_ptr failure_;       // set under mutex_; read by the worker, or after join
  std::thread thread_;
};

}  // namespace retort
