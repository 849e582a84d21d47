//===- FakeTrainData.h - Datasets of the fake trainable model ---*- C++ -*-===//
//
// Datasets of mtc-fake-train-model (FakeTrainableModel.h): x [N, 3],
// y.kind, y.value and mask, shared by the train and fault tests.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_TEST_FAKETRAINDATA_H
#define MTC_TEST_FAKETRAINDATA_H

#include "mtc/safetensors.h"

#include <cstdint>
#include <string>
#include <vector>

namespace faketrain {

struct TrainData {
  std::vector<float> x, yValue;
  std::vector<int32_t> yKind;
  std::vector<uint8_t> mask;
  int64_t size() const { return int64_t(yKind.size()); }
};

/// Learnable: kind = argmax of a fixed linear map of x, value = a fixed
/// linear function; x[0] distinct per example (the trace identifies rows
/// by it). Every fourth example lacks its value label, every fifth its
/// kind.
TrainData makeTrainData(int64_t n, uint32_t seed);

/// The dataset's tensors, viewing `d`.
std::vector<mtc::NamedTensor> tensorsOf(const TrainData &d);

void writeTrainData(const std::string &path, const TrainData &d);

} // namespace faketrain

#endif // MTC_TEST_FAKETRAINDATA_H
