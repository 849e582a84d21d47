//===- predict.h - Model outputs for a whole dataset ------------*- C++ -*-===//
//
// Batches are views: inputs are pointers into the dataset's row-contiguous
// arrays and outputs pointers into the full output arrays, both at the
// batch's first row, so nothing is copied per step. The last batch may be
// partial; no example is dropped.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_PREDICT_H
#define MTC_PREDICT_H

#include "mtc/aligned_buffer.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mtc {

class Dataset;
class Session;

/// One [N, ...] array per model output, in the model's output order.
struct Predictions {
  int64_t numExamples = 0;
  std::vector<AlignedBuffer> outputs;
};

/// Runs every example of `data` through `session` in batches of
/// `batchSize` (> 0), growing the session's arena if needed.
Predictions predict(Session &session, const Dataset &data, int64_t batchSize);

/// Writes the predictions as safetensors: one tensor per model output,
/// named as the output (the task name), shape [N, ...].
void writePredictions(const std::string &path, const Session &session,
                      const Predictions &predictions,
                      const std::map<std::string, std::string> &metadata);

} // namespace mtc

#endif // MTC_PREDICT_H
