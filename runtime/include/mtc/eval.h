//===- eval.h - Per-task metrics from the eval step -------------*- C++ -*-===//
//
// The generated eval step adds, per task, the loss sum, the labelled count,
// the correct count and the squared and absolute error sums of a batch
// (model_abi.h); over a dataset (in order, in batches, no copy) they give
//   loss = loss sum / count
//   accuracy = correct / count                  (classification tasks)
//   mse = squared sum / count, mae = absolute sum / count   (regression)
// A task without labelled examples has NaN metrics (null in JSON).
//
//===----------------------------------------------------------------------===//
#ifndef MTC_EVAL_H
#define MTC_EVAL_H

#include "mtc/aligned_buffer.h"
#include "mtc/model_abi.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mtc {

class Dataset;

struct TaskMetrics {
  bool classification = false;
  int64_t count = 0;
  double loss = 0, accuracy = 0, mse = 0, mae = 0;
};

class Evaluator {
public:
  /// Allocates the eval arena for `maxBatch` examples.
  Evaluator(const mtc_model &model, int64_t maxBatch);

  /// Metrics of every task over `data` (loaded with labels), with `params`
  /// in the model's parameter order.
  std::vector<TaskMetrics> run(const Dataset &data,
                               const float *const *params);

private:
  const mtc_model &model;
  int64_t capacity;
  AlignedBuffer arena;
};

/// {"<task>": {"loss", "accuracy" | "mse", "mae", "count"}} in task order.
nlohmann::ordered_json metricsJson(const mtc_model &model,
                                   const std::vector<TaskMetrics> &metrics);

/// "sentiment loss 0.6931 accuracy 0.5000, score loss ... mse ... mae ...".
std::string formatMetrics(const mtc_model &model,
                          const std::vector<TaskMetrics> &metrics);

} // namespace mtc

#endif // MTC_EVAL_H
