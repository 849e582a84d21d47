//===- SessionTest.cpp - Arena sizing and batching ------------------------===//

#include "FakeModel.h"
#include "TestUtil.h"

#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/predict.h"
#include "mtc/session.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mtc;

namespace {

TEST(SessionTest, ArenaIsSizedForTheLargestBatch) {
  Session s(*mtc_model_get(), 8);
  EXPECT_EQ(s.maxBatch(), 8);
  EXPECT_EQ(s.arenaBytes(),
            size_t(fake::arenaStaticBytes + 8 * fake::arenaBytesPerExample));
  s.reserve(5);
  EXPECT_EQ(s.maxBatch(), 8);
  s.reserve(20);
  EXPECT_EQ(s.arenaBytes(),
            size_t(fake::arenaStaticBytes + 20 * fake::arenaBytesPerExample));
}

TEST(SessionTest, BatchBeyondCapacity) {
  Session s(*mtc_model_get(), 2);
  s.initWeights(0);
  try {
    s.forward(3, nullptr, nullptr);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(),
                 "batch of 3 examples outside the session's capacity of 2");
  }
}

// Tests that a batch size above N runs one batch of N and that each batch
// size gives the same outputs, bit for bit.
TEST(SessionTest, BatchSizeDoesNotChangeResults) {
  testutil::TempDir dir;
  testutil::writeFakeData(dir.path("d.safetensors"),
                          testutil::makeFakeData(37, 4));
  Dataset data = Dataset::load(dir.path("d.safetensors"), *mtc_model_get());
  Session s(*mtc_model_get(), 1);
  s.initWeights(1);
  Predictions one = predict(s, data, 1);
  Predictions all = predict(s, data, 100);
  EXPECT_EQ(s.maxBatch(), 37);
  ASSERT_EQ(all.numExamples, 37);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(std::memcmp(one.outputs[i].data(), all.outputs[i].data(),
                          one.outputs[i].size()),
              0);
  // The last example was computed, not left at the zero fill.
  EXPECT_NE(static_cast<const float *>(all.outputs[1].data())[36], 0.0f);
}

} // namespace
