// run_split_chain: every item's whole work is done once, in order, the
// front of the chain on the calling thread and the back on the helper,
// which replays the front first; failures come back to the caller.
#include "compiler/split_chain.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

namespace retort {
namespace {

// What each side did, and on which thread.
struct Trace {
  std::vector<size_t> front, skipped, back;
  bool front_elsewhere = false;  // a front item off the calling thread
  bool helper_here = false;      // a skip or back item on the calling thread
  std::thread::id caller = std::this_thread::get_id();
};

std::vector<size_t> range(size_t from, size_t to) {
  std::vector<size_t> v(to - from);
  std::iota(v.begin(), v.end(), from);
  return v;
}

size_t run_traced(Trace& t, size_t count, bool threaded, size_t fixed_split,
                  std::chrono::microseconds front_time = std::chrono::microseconds(0)) {
  // Each vector is written by one side only; the helper's are read after
  // run_split_chain has joined it.
  return run_split_chain(
      count, threaded,
      [&](size_t i) {
        if (std::this_thread::get_id() != t.caller) t.front_elsewhere = true;
        if (front_time.count() > 0) std::this_thread::sleep_for(front_time);
        t.front.push_back(i);
      },
      [&](size_t i) {
        if (std::this_thread::get_id() == t.caller) t.helper_here = true;
        t.skipped.push_back(i);
      },
      [&](size_t i) {
        if (std::this_thread::get_id() == t.caller) t.helper_here = true;
        t.back.push_back(i);
      },
      fixed_split);
}

TEST(SplitChain, EachFixedSplitDoesTheFrontHereAndTheBackOnTheHelper) {
  for (size_t split : {1u, 8u, 17u, 64u, 99u}) {
    Trace t;
    size_t got = run_traced(t, 100, true, split);
    ASSERT_EQ(got, split);
    EXPECT_EQ(t.front, range(0, split)) << split;
    EXPECT_EQ(t.skipped, range(0, split)) << split;
    EXPECT_EQ(t.back, range(split, 100)) << split;
    EXPECT_FALSE(t.front_elsewhere);
    EXPECT_FALSE(t.helper_here);
  }
}

TEST(SplitChain, OnOneThreadEverythingIsTheFronts) {
  for (size_t split : {0u, 50u}) {
    Trace t;
    EXPECT_EQ(run_traced(t, 100, false, split), 100u);
    EXPECT_EQ(t.front, range(0, 100));
    EXPECT_TRUE(t.skipped.empty());
    EXPECT_TRUE(t.back.empty());
  }
  Trace empty;
  EXPECT_EQ(run_traced(empty, 0, true, 0), 0u);
  EXPECT_TRUE(empty.front.empty());
}

// A slow front and a quick replay: the helper catches up, takes the back
// of the chain and does it whole; together the two sides did each item
// once, in order.
TEST(SplitChain, TheHelperTakesTheBackOnceItIsFarEnoughAhead) {
  Trace t;
  // 400 us an item: the helper has 0.4 s to be scheduled, even under
  // ThreadSanitizer on a busy machine.
  size_t split = run_traced(t, 1000, true, 0, std::chrono::microseconds(400));
  ASSERT_LT(split, 1000u);
  EXPECT_GT(split, 0u);
  EXPECT_EQ(t.front, range(0, split));
  EXPECT_EQ(t.skipped, range(0, split));
  EXPECT_EQ(t.back, range(split, 1000));
  EXPECT_FALSE(t.front_elsewhere);
  EXPECT_FALSE(t.helper_here);
}

// A quick front that the helper never gets ahead of: the caller does it all
// and whatever the helper replayed is only a prefix.
TEST(SplitChain, AHelperThatNeverCatchesUpLeavesEverythingToTheFront) {
  size_t done = 0;
  size_t split = run_split_chain(
      200, true, [&](size_t i) { done = i + 1; },
      [](size_t) { std::this_thread::sleep_for(std::chrono::milliseconds(5)); },
      [](size_t) { FAIL() << "no back half"; });
  EXPECT_EQ(split, 200u);
  EXPECT_EQ(done, 200u);
}

TEST(SplitChain, AFrontThatThrowsStopsTheHelperAndComesBack) {
  for (size_t split : {0u, 50u}) {
    EXPECT_THROW(run_split_chain(
                     100, true,
                     [](size_t i) {
                       if (i == 10) throw std::runtime_error("front");
                     },
                     [](size_t) {}, [](size_t) {}, split),
                 std::runtime_error);
  }
}

TEST(SplitChain, ABackThatThrowsComesBackToTheCaller) {
  try {
    run_split_chain(
        100, true, [](size_t) {}, [](size_t) {},
        [](size_t i) {
          if (i == 70) throw std::runtime_error("back");
        },
        50);
    ADD_FAILURE() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "back");
  }
}

// The helper fails while it replays, before taking a share: the caller has
// done everything anyway, and nothing is thrown. With a fixed split the
// back half is the helper's, so its failure is thrown.
TEST(SplitChain, AReplayThatFailsBeforeItsShareIsForgotten) {
  std::vector<size_t> front;
  size_t split = run_split_chain(
      100, true, [&](size_t i) { front.push_back(i); },
      [](size_t) { throw std::runtime_error("skip"); }, [](size_t) {});
  EXPECT_EQ(split, 100u);
  EXPECT_EQ(front, range(0, 100));
  EXPECT_THROW(run_split_chain(
                   100, true, [](size_t) {}, [](size_t) { throw std::runtime_error("skip"); },
                   [](size_t) {}, 50),
               std::runtime_error);
}

}  // namespace
}  // namespace retort
