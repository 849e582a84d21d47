//===- eval.cpp - Per-task metrics from the eval step ---------------------===//

#include "mtc/eval.h"
#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/kernel_error.h"
#include "mtc/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mtc {

namespace {

using Json = nlohmann::ordered_json;

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

} // namespace

Evaluator::Evaluator(const mtc_model &model, int64_t maxBatch)
    : model(model), capacity(std::max<int64_t>(maxBatch, 1)),
      arena(model.training->eval_arena_static_bytes +
            capacity * model.training->eval_arena_bytes_per_example) {}

std::vector<TaskMetrics> Evaluator::run(const Dataset &data,
                                        const float *const *params) {
  const mtc_training &training = *model.training;
  std::vector<float> sums(model.num_tasks * MTC_EVAL_FIELDS, 0.0f);
  std::vector<const void *> inputs(model.num_inputs),
      labels(training.num_labels);
  int64_t n = data.numExamples();
  for (int64_t row = 0; row < n; row += capacity) {
    int64_t batch = std::min(capacity, n - row);
    for (int i = 0; i < model.num_inputs; ++i)
      inputs[i] = static_cast<const char *>(data.input(i)) +
                  row * rowBytes(model.inputs[i]);
    for (int i = 0; i < training.num_labels; ++i)
      labels[i] = static_cast<const char *>(data.label(i)) +
                  row * rowBytes(training.labels[i]);
    clearKernelError();
    checkKernelResult(training.eval_step(arena.data(), batch, inputs.data(),
                                         labels.data(), params, sums.data()));
  }

  std::vector<TaskMetrics> metrics;
  for (int j = 0; j < model.num_tasks; ++j) {
    const float *s = &sums[j * MTC_EVAL_FIELDS];
    TaskMetrics m;
    m.classification = isClassification(model.tasks[j]);
    m.count = int64_t(s[MTC_EVAL_COUNT]);
    double count = m.count > 0 ? double(s[MTC_EVAL_COUNT])
                               : std::numeric_limits<double>::quiet_NaN();
    m.loss = s[MTC_EVAL_LOSS_SUM] / count;
    m.accuracy = s[MTC_EVAL_CORRECT] / count;
    m.mse = s[MTC_EVAL_SQUARED_ERROR] / count;
    m.mae = s[MTC_EVAL_ABSOLUTE_ERROR] / count;
    metrics.push_back(m);
  }
  return metrics;
}

Json metricsJson(const mtc_model &model,
                 const std::vector<TaskMetrics> &metrics) {
  Json tasks = Json::object();
  for (int j = 0; j < model.num_tasks; ++j) {
    const TaskMetrics &m = metrics[j];
    Json entry = {{"loss", number(m.loss)}};
    if (m.classification) {
      entry["accuracy"] = number(m.accuracy);
    } else {
      entry["mse"] = number(m.mse);
      entry["mae"] = number(m.mae);
    }
    entry["count"] = m.count;
    tasks[model.tasks[j].name] = std::move(entry);
  }
  return tasks;
}

std::string formatMetrics(const mtc_model &model,
                          const std::vector<TaskMetrics> &metrics) {
  std::vector<std::string> parts;
  for (int j = 0; j < model.num_tasks; ++j) {
    const TaskMetrics &m = metrics[j];
    if (m.classification)
      parts.push_back(fmt::format("{} loss {:.4f} accuracy {:.4f}",
                                  model.tasks[j].name, m.loss, m.accuracy));
    else
      parts.push_back(fmt::format("{} loss {:.4f} mse {:.4f} mae {:.4f}",
                                  model.tasks[j].name, m.loss, m.mse, m.mae));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

} // namespace mtc

