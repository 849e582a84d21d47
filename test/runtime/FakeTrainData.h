//===- FakeTrainData.h - Datasets of the fake trainable model ---*- C++ -*-===//
//
// Datasets of mtc-fake-train-model (FakeTrainableModel.h): x [N, 3],
// y.kind, y.value and mask, and how to run it: shared by the train, fault
// and initial-weights tests.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_TEST_FAKETRAINDATA_H
#define MTC_TEST_FAKETRAINDATA_H

#include "TestUtil.h"

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

/// The hand-computed case: x1 = (1, 0, 0) kind 0 value 1, x2 = (0, 1, 0)
/// kind 2 value -1, both fully labelled. From zero weights, one SGD step
/// has closed-form weights (TrainTest's HandStepTest derives them).
TrainData handData();

/// What the fake model's error messages start with.
inline const std::string fakeTrainPrefix = "mtc-fake-train-model: ";

/// Runs mtc-fake-train-model with `args` (and `env`).
testutil::ProcessResult
runFakeTrainModel(const std::vector<std::string> &args,
                  const std::vector<std::string> &env = {});

} // namespace faketrain

#endif // MTC_TEST_FAKETRAINDATA_H
