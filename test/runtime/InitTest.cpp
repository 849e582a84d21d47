//===- InitTest.cpp - Seeded parameter initialisation ---------------------===//

#include "mtc/init.h"
#include "mtc/error.h"
#include "mtc/model_abi.h"
#include "mtc/parameters.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace mtc;

namespace {

std::vector<float> draw(const char *name, const char *init, double scale,
                        int64_t n, uint64_t seed) {
  int64_t shape[] = {n};
  mtc_param_info param = {name, 1, shape, init, scale};
  std::vector<float> out(n, -123.0f);
  initParameter(param, seed, out.data());
  return out;
}

struct Moments {
  double mean, std;
};

Moments moments(const std::vector<float> &v) {
  double sum = 0, sq = 0;
  for (float x : v) {
    sum += x;
    sq += double(x) * x;
  }
  double mean = sum / v.size();
  return {mean, std::sqrt(sq / v.size() - mean * mean)};
}

TEST(InitTest, ZerosAndOnes) {
  EXPECT_EQ(draw("w", "zeros", 0, 5, 1), std::vector<float>(5, 0.0f));
  EXPECT_EQ(draw("w", "ones", 0, 5, 1), std::vector<float>(5, 1.0f));
}

// U(-a, a) has mean 0 and std a/sqrt(3); with n = 200000 the standard error
// of the mean is a/sqrt(3n) ~ 0.0013a, so 0.01a is > 7 sigma.
TEST(InitTest, UniformRespectsBoundsAndMoments) {
  const double scale = 0.125;
  std::vector<float> v = draw("enc.weight", "uniform", scale, 200000, 3);
  float lo = v[0], hi = v[0];
  for (float x : v) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_GE(lo, -float(scale));
  EXPECT_LE(hi, float(scale));
  // The range is actually used, not a sub-interval of it.
  EXPECT_LT(lo, -0.999 * scale);
  EXPECT_GT(hi, 0.999 * scale);
  Moments m = moments(v);
  EXPECT_NEAR(m.mean, 0, 0.01 * scale);
  EXPECT_NEAR(m.std, scale / std::sqrt(3.0), 0.01 * scale);
}

// N(0, s^2) with n = 200001 (odd: the last Box-Muller pair is half used):
// mean within 0.01s (> 4 sigma), std within 1%, and the fraction within one
// sigma close to 0.6827.
TEST(InitTest, NormalMoments) {
  const double scale = 0.02;
  std::vector<float> v = draw("emb.weight", "normal", scale, 200001, 11);
  EXPECT_NE(v.back(), -123.0f);
  Moments m = moments(v);
  EXPECT_NEAR(m.mean, 0, 0.01 * scale);
  EXPECT_NEAR(m.std, scale, 0.01 * scale);
  int64_t within = 0;
  for (float x : v)
    within += std::abs(x) < scale;
  EXPECT_NEAR(double(within) / v.size(), 0.6827, 0.005);
}

TEST(InitTest, SameSeedSameValues) {
  EXPECT_EQ(draw("a.weight", "normal", 1, 1000, 42),
            draw("a.weight", "normal", 1, 1000, 42));
  EXPECT_EQ(draw("a.weight", "uniform", 1, 1000, 42),
            draw("a.weight", "uniform", 1, 1000, 42));
}

TEST(InitTest, DifferentSeedsDifferentValues) {
  std::vector<float> a = draw("a.weight", "uniform", 1, 1000, 1);
  std::vector<float> b = draw("a.weight", "uniform", 1, 1000, 2);
  int equal = 0;
  for (size_t i = 0; i < a.size(); ++i)
    equal += a[i] == b[i];
  EXPECT_EQ(equal, 0);
}

// Streams keyed by name: two parameters with the same seed are unrelated
// (no shared prefix, uncorrelated), and a parameter's values do not depend
// on which other parameters exist.
TEST(InitTest, DifferentNamesDifferentStreams) {
  std::vector<float> a = draw("layer0.weight", "uniform", 1, 100000, 5);
  std::vector<float> b = draw("layer1.weight", "uniform", 1, 100000, 5);
  int equal = 0;
  double dot = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    equal += a[i] == b[i];
    dot += double(a[i]) * b[i];
  }
  EXPECT_EQ(equal, 0);
  // Correlation of independent U(-1,1): 0 +- 1/sqrt(n) ~ 0.003.
  EXPECT_NEAR(dot / a.size() / (1.0 / 3.0), 0, 0.02);
}

TEST(InitTest, ValuesIndependentOfOtherParameters) {
  int64_t shapeA[] = {3, 4}, shapeB[] = {7};
  mtc_param_info params[] = {{"a", 2, shapeA, "uniform", 0.5},
                             {"b", 1, shapeB, "normal", 2.0}};
  mtc_model model = {};
  model.num_params = 2;
  model.params = params;
  ParameterStore store(model);
  initParameters(9, store);
  // Same values as drawing each parameter alone: adding "a" did not shift
  // "b"'s stream.
  std::vector<float> b(store.data(1), store.data(1) + 7);
  EXPECT_EQ(b, draw("b", "normal", 2.0, 7, 9));
  std::vector<float> a(store.data(0), store.data(0) + 12);
  EXPECT_EQ(a, draw("a", "uniform", 0.5, 12, 9));
  // Each parameter starts on its own cache line.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(store.data(1)) % 64, 0u);
}

TEST(InitTest, UnknownInit) {
  int64_t shape[] = {2};
  mtc_param_info param = {"p", 1, shape, "xavier", 1};
  float out[2];
  try {
    initParameter(param, 0, out);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "parameter 'p': unknown init 'xavier' (expected "
                           "zeros, ones, uniform or normal)");
  }
}

} // namespace
