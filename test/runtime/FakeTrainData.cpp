//===- FakeTrainData.cpp - Labelled datasets for the fake trainable -------===//

#include "FakeTrainData.h"

#include <random>

using namespace mtc;

namespace faketrain {

TrainData makeTrainData(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  const float a[3][3] = {{2, -1, 0}, {-1, 2, 1}, {0, -1, -2}};
  TrainData d;
  for (int64_t i = 0; i < n; ++i) {
    float x[3] = {u(gen), u(gen), u(gen)};
    d.x.insert(d.x.end(), x, x + 3);
    int32_t best = 0;
    float scores[3];
    for (int c = 0; c < 3; ++c) {
      scores[c] = a[c][0] * x[0] + a[c][1] * x[1] + a[c][2] * x[2];
      if (scores[c] > scores[best])
        best = c;
    }
    d.yKind.push_back(best);
    d.yValue.push_back(0.5f * x[0] - x[1] + 0.25f * x[2] + 0.5f);
    d.mask.push_back(i % 5 != 4);
    d.mask.push_back(i % 4 != 3);
  }
  return d;
}

std::vector<NamedTensor> tensorsOf(const TrainData &d) {
  int64_t n = d.size();
  return {{"x", {DType::F32, {n, 3}, d.x.data()}},
          {"y.kind", {DType::I32, {n}, d.yKind.data()}},
          {"y.value", {DType::F32, {n, 1}, d.yValue.data()}},
          {"mask", {DType::U8, {n, 2}, d.mask.data()}}};
}

void writeTrainData(const std::string &path, const TrainData &d) {
  writeSafetensors(path, tensorsOf(d), {});
}

TrainData handData() {
  TrainData hand;
  hand.x = {1, 0, 0, 0, 1, 0};
  hand.yKind = {0, 2};
  hand.yValue = {1, -1};
  hand.mask = {1, 1, 1, 1};
  return hand;
}

testutil::ProcessResult runFakeTrainModel(const std::vector<std::string> &args,
                                          const std::vector<std::string> &env) {
  return testutil::runProgram(MTC_FAKE_TRAIN_MODEL_PATH, args, env);
}

} // namespace faketrain
