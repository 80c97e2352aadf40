// OrderedWorker: jobs run in order, on its thread or inline, and end on
// the thread that posted them; a throw stops the rest and comes back.
#include "compiler/ordered_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace retort {
namespace {

// Where each job was destroyed, under a lock (a wrong thread must show as
// a wrong id, not as a data race).
struct Destructions {
  std::mutex mutex;
  std::vector<std::thread::id> threads;
};

// A job that notes the thread it is destroyed on (a moved-from one does not).
struct TrackedJob {
  int number = 0;
  std::shared_ptr<Destructions> log;

  TrackedJob() = default;
  TrackedJob(int n, std::shared_ptr<Destructions> l) : number(n), log(std::move(l)) {}
  TrackedJob(TrackedJob&& o) noexcept : number(o.number), log(std::move(o.log)) {}
  TrackedJob& operator=(TrackedJob&& o) noexcept {
    number = o.number;
    log = std::move(o.log);
    return *this;
  }
  ~TrackedJob() {
    if (!log) return;
    std::lock_guard lock(log->mutex);
    log->threads.push_back(std::this_thread::get_id());
  }
};

class OrderedWorkerModes : public ::testing::TestWithParam<bool> {};

TEST_P(OrderedWorkerModes, RunsEveryJobInTheOrderPosted) {
  std::vector<int> seen;  // the worker's until finish
  OrderedWorker<int> worker([&](int& job) { seen.push_back(job); }, GetParam());
  for (int i = 0; i < 1000; ++i) worker.post(i);
  worker.finish();
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i);
}

TEST_P(OrderedWorkerModes, DestroysEveryJobOnThePostingThread) {
  auto log = std::make_shared<Destructions>();
  std::atomic<int> worked{0};
  {
    OrderedWorker<TrackedJob> worker([&](TrackedJob&) { ++worked; }, GetParam());
    for (int i = 0; i < 500; ++i) worker.post(TrackedJob(i, log));
    worker.finish();
  }
  EXPECT_EQ(worked, 500);
  ASSERT_EQ(log->threads.size(), 500u);
  for (const auto& id : log->threads) EXPECT_EQ(id, std::this_thread::get_id());
}

TEST_P(OrderedWorkerModes, AThrowStopsTheJobsAfterItAndFinishThrowsIt) {
  std::vector<int> seen;
  OrderedWorker<int> worker(
      [&](int& job) {
        if (job == 5) throw std::runtime_error("job five failed");
        seen.push_back(job);
      },
      GetParam());
  for (int i = 0; i < 200; ++i) worker.post(i);
  try {
    worker.finish();
    FAIL() << "finish did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "job five failed");
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_P(OrderedWorkerModes, OneLeftWithoutFinishLetsGoQuietly) {
  auto log = std::make_shared<Destructions>();
  std::atomic<int> worked{0};
  {
    OrderedWorker<TrackedJob> worker(
        [&](TrackedJob&) {
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          ++worked;
        },
        GetParam());
    for (int i = 0; i < 100; ++i) worker.post(TrackedJob(i, log));
    // No finish: as when the posting thread unwinds from a throw.
  }
  EXPECT_LE(worked, 100);
  // Every job was destroyed once, whether it ran or was dropped.
  EXPECT_EQ(log->threads.size(), 100u);
}

INSTANTIATE_TEST_SUITE_P(ThreadedAndInline, OrderedWorkerModes, ::testing::Values(true, false),
                         [](const auto& param_info) {
                           return param_info.param ? "Threaded" : "Inline";
                         });

TEST(OrderedWorker, APostWaitsWhileCapacityJobsWait) {
  constexpr size_t kCapacity = 4;
  std::atomic<size_t> done{0};
  size_t most_ahead = 0;  // posted but not yet done, at its largest
  OrderedWorker<size_t> worker(
      [&](size_t&) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ++done;
      },
      true, kCapacity, 2);
  for (size_t posted = 1; posted <= 300; ++posted) {
    worker.post(posted);
    most_ahead = std::max(most_ahead, posted - done.load());
  }
  worker.finish();
  EXPECT_EQ(done, 300u);
  // The worker holds at most a queue's worth while the queue fills again.
  EXPECT_LE(most_ahead, 2 * kCapacity + 1);
}

}  // namespace
}  // namespace retort
