//===- ThreadPoolTest.cpp - The kernels' parallel-loop pool ---------------===//

#include "mtc/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

/// Counts the runs of each index of a loop.
struct Counts {
  explicit Counts(int n) : runs(n) {}
  std::vector<std::atomic<int>> runs;
  int failAt = -1;

  static int task(void *context, int index, uint8_t *) {
    auto *self = static_cast<Counts *>(context);
    self->runs.at(index).fetch_add(1);
    return index == self->failAt ? 7 : 0;
  }
};

/// Runs the loop [min, min + size) and expects each index to run once.
void expectEachIndexOnce(int min, int size) {
  Counts counts(min + size);
  ASSERT_EQ(mtc::doParFor(&counts, Counts::task, min, size, nullptr), 0);
  for (int i = 0; i < min + size; ++i)
    ASSERT_EQ(counts.runs[i].load(), i >= min ? 1 : 0) << "index " << i;
}

TEST(ThreadPool, RunsEachIterationOnce) {
  expectEachIndexOnce(0, 0);
  expectEachIndexOnce(0, 1);
  expectEachIndexOnce(5, 1000);
}

TEST(ThreadPool, BackToBackLoopsEachRunOnce) {
  // Loops a few iterations long, as a train step's small kernels issue
  // them: a worker still leaving one loop must not run the next one's.
  for (int loop = 0; loop < 20000; ++loop)
    expectEachIndexOnce(loop % 3, 2 + loop % 5);
}

TEST(ThreadPool, WakesSleepingWorkers) {
  expectEachIndexOnce(0, 64);
  // Longer than the workers spin.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  expectEachIndexOnce(0, 64);
}

TEST(ThreadPool, ReturnsAFailedIterationsResultAndRunsTheRest) {
  Counts counts(100);
  counts.failAt = 40;
  EXPECT_EQ(mtc::doParFor(&counts, Counts::task, 0, 100, nullptr), 7);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(counts.runs[i].load(), 1) << "index " << i;
}

TEST(ThreadPool, NestedLoopsRunInline) {
  struct Outer {
    std::atomic<int> inner{0};
    static int innerTask(void *context, int, uint8_t *) {
      static_cast<Outer *>(context)->inner.fetch_add(1);
      return 0;
    }
    static int task(void *context, int, uint8_t *) {
      return mtc::doParFor(context, innerTask, 0, 10, nullptr);
    }
  } outer;
  EXPECT_EQ(mtc::doParFor(&outer, Outer::task, 0, 30, nullptr), 0);
  EXPECT_EQ(outer.inner.load(), 300);
}

TEST(ThreadPool, ConcurrentCallersEachRunTheirLoops) {
  auto caller = [] {
    for (int loop = 0; loop < 2000; ++loop)
      expectEachIndexOnce(0, 16);
  };
  std::thread a(caller), b(caller);
  a.join();
  b.join();
}

} // namespace
