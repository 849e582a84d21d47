//===- CpuFeaturesTest.cpp - Refusing CPUs that lack the target's features
//-===//

#include "mtc/cpu_features.h"
#include "mtc/error.h"

#include <gtest/gtest.h>

using namespace mtc;

namespace {

mtc_model modelRequiring(const std::vector<const char *> &features) {
  mtc_model model = {};
  model.target = "x86-64-linux-avx2-fma";
  model.num_required_cpu_features = features.size();
  model.required_cpu_features = features.data();
  return model;
}

TEST(CpuFeaturesTest, KnownAndUnknownNames) {
  // Every x86-64 CPU has SSE2.
  EXPECT_EQ(cpuSupports("sse2"), std::optional<bool>(true));
  EXPECT_EQ(cpuSupports("not-a-feature"), std::nullopt);
  EXPECT_EQ(cpuSupports("sse4.1"), std::nullopt) << "Halide spells it sse41";
  EXPECT_TRUE(cpuSupports("avx512f").has_value());
}

TEST(CpuFeaturesTest, FirstMissingFeature) {
  std::vector<const char *> features = {"avx", "mystery", "fma", "avx2"};
  mtc_model model = modelRequiring(features);
  auto supports = [](std::string_view f) -> std::optional<bool> {
    if (f == "mystery")
      return std::nullopt;
    return f == "avx";
  };
  EXPECT_EQ(firstMissingCpuFeature(model, supports), "fma");
  auto all = [](std::string_view) -> std::optional<bool> { return true; };
  EXPECT_EQ(firstMissingCpuFeature(model, all), std::nullopt);
}

// The message names the target and the feature. Needs a feature this CPU
// lacks; FMA4 (AMD, pre-Zen) or one of the rarer AVX-512 extensions.
TEST(CpuFeaturesTest, MissingFeatureMessage) {
  const char *absent = nullptr;
  for (const char *f : {"fma4", "avx512bf16", "avx512vnni", "avx512f"})
    if (cpuSupports(f) == std::optional<bool>(false)) {
      absent = f;
      break;
    }
  if (!absent)
    GTEST_SKIP() << "this CPU has every feature the test could ask for";
  std::vector<const char *> features = {"sse2", absent};
  mtc_model model = modelRequiring(features);
  try {
    checkCpuFeatures(model);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()),
              std::string("this binary was built for target "
                          "x86-64-linux-avx2-fma, but this CPU lacks ") +
                  absent);
  }
}

TEST(CpuFeaturesTest, PresentFeaturesPass) {
  std::vector<const char *> features = {"sse2", "unknown-to-us"};
  EXPECT_NO_THROW(checkCpuFeatures(modelRequiring(features)));
}

} // namespace
