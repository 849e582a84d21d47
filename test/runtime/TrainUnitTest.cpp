//===- TrainUnitTest.cpp - Schedules, DWA, shuffles, the loss plot --------===//
//
// The pieces of training that are pure functions, against closed forms and
// hand-computed values.
//
//===----------------------------------------------------------------------===//

#include "mtc/balance.h"
#include "mtc/batches.h"
#include "mtc/error.h"
#include "mtc/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace mtc;

namespace {

const double pi = 3.141592653589793;

// Tests the schedules at chosen steps of a 20-step run with 4 warm-up steps
// and base rate 0.1 against their closed forms.
TEST(ScheduleTest, ValuesAtChosenSteps) {
  LrSchedule s{ScheduleKind::Cosine, 0.1, 4, 20};
  EXPECT_DOUBLE_EQ(s.lrAt(1), 0.025);
  EXPECT_DOUBLE_EQ(s.lrAt(2), 0.05);
  EXPECT_DOUBLE_EQ(s.lrAt(4), 0.1);
  EXPECT_DOUBLE_EQ(s.lrAt(5), 0.1); // first decay step: p = 0
  EXPECT_DOUBLE_EQ(s.lrAt(12), 0.05 * (1 + std::cos(pi * 7 / 16)));
  EXPECT_DOUBLE_EQ(s.lrAt(20), 0.05 * (1 + std::cos(pi * 15 / 16)));
  EXPECT_GT(s.lrAt(20), 0);

  s.kind = ScheduleKind::Linear;
  EXPECT_DOUBLE_EQ(s.lrAt(3), 0.075);
  EXPECT_DOUBLE_EQ(s.lrAt(5), 0.1);
  EXPECT_DOUBLE_EQ(s.lrAt(13), 0.1 * (1 - 8.0 / 16));
  EXPECT_DOUBLE_EQ(s.lrAt(20), 0.1 / 16);

  s.kind = ScheduleKind::Constant;
  EXPECT_DOUBLE_EQ(s.lrAt(2), 0.05);
  EXPECT_DOUBLE_EQ(s.lrAt(20), 0.1);

  LrSchedule noWarmup{ScheduleKind::Cosine, 0.2, 0, 5};
  EXPECT_DOUBLE_EQ(noWarmup.lrAt(1), 0.2);
  EXPECT_DOUBLE_EQ(noWarmup.lrAt(3), 0.1 * (1 + std::cos(pi * 2 / 5)));
}

TEST(ScheduleTest, UnknownName) {
  EXPECT_EQ(parseScheduleKind("cosine"), ScheduleKind::Cosine);
  try {
    parseScheduleKind("step");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(),
                 "unknown schedule 'step' (expected constant, cosine or "
                 "linear)");
  }
}

// Tests DWA against hand-computed weights: epoch-mean losses (1, 2, 4) then
// (0.5, 1.5, 4) give r = (0.5, 0.75, 1) and w_j = 3 e^{r_j/2} / sum_k
// e^{r_k/2}.
TEST(BalanceTest, DwaWeights) {
  std::vector<std::vector<double>> means = {{1, 2, 4}, {0.5, 1.5, 4}};
  EXPECT_EQ(taskWeights("dwa", {1, 1, 1}, {}), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(taskWeights("dwa", {1, 1, 1}, {means[0]}),
            (std::vector<double>{1, 1, 1}));
  std::vector<double> w = taskWeights("dwa", {1, 1, 1}, means);
  double a = std::exp(0.25), b = std::exp(0.375), c = std::exp(0.5);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w[0], 3 * a / (a + b + c));
  EXPECT_DOUBLE_EQ(w[1], 3 * b / (a + b + c));
  EXPECT_DOUBLE_EQ(w[2], 3 * c / (a + b + c));
  EXPECT_NEAR(w[0] + w[1] + w[2], 3, 1e-12);
  // Only the last two epochs count.
  means.insert(means.begin(), {100, 100, 100});
  EXPECT_EQ(taskWeights("dwa", {1, 1, 1}, means), w);
  // Static: 1 per task whatever the losses.
  EXPECT_EQ(taskWeights("static", {1, 0.5, 2}, means),
            (std::vector<double>{1, 0.5, 2}));
}

TEST(BalanceTest, DwaTaskWithoutLabelsCountsAsRatioOne) {
  std::vector<double> w =
      taskWeights("dwa", {1, 1}, {{NAN, 2}, {1, 1}}); // r = (1, 0.5)
  double a = std::exp(0.5), b = std::exp(0.25);
  EXPECT_DOUBLE_EQ(w[0], 2 * a / (a + b));
  EXPECT_DOUBLE_EQ(w[1], 2 * b / (a + b));
}

TEST(BalanceTest, Overrides) {
  mtc_training t{};
  t.balance = "static";
  t.surgery = "none";
  EXPECT_EQ(effectiveBalance(t, ""), "static");
  EXPECT_EQ(effectiveBalance(t, "dwa"), "dwa");
  t.balance = "dwa";
  EXPECT_EQ(effectiveBalance(t, "static"), "static");
  try {
    effectiveBalance(t, "gradnorm");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "--balance gradnorm: the model was compiled with "
                           "balance 'dwa'; recompile it with 'gradnorm' (only "
                           "static and dwa replace each other at train time)");
  }
  try {
    effectiveBalance(t, "equal");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "unknown balance 'equal' (expected static, "
                           "uncertainty, dwa or gradnorm)");
  }
  checkSurgery(t, "none");
  EXPECT_THROW(checkSurgery(t, "pcgrad"), Error);
}

// Tests that a shuffle is a permutation fixed by (seed, epoch) alone.
TEST(BatchesTest, ShuffleIsASeededPermutation) {
  std::vector<int64_t> a = shuffleOrder(7, 0, 50);
  EXPECT_EQ(a, shuffleOrder(7, 0, 50));
  EXPECT_NE(a, shuffleOrder(7, 1, 50));
  EXPECT_NE(a, shuffleOrder(8, 0, 50));
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i)
    EXPECT_EQ(sorted[i], i);
  EXPECT_EQ(stepSeed(7, 3), stepSeed(7, 3));
  EXPECT_NE(stepSeed(7, 3), stepSeed(7, 4));
  EXPECT_NE(stepSeed(7, 3), stepSeed(8, 3));
}

} // namespace
