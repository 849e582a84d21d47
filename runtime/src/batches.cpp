//===- batches.cpp - Seeded training batches ------------------------------===//

#include "mtc/batches.h"
#include "mtc/dataset.h"
#include "mtc/init.h"
#include "mtc/model.h"

#include <fmt/format.h>

#include <cstring>
#include <numeric>
#include <string>

namespace mtc {

std::vector<int64_t> shuffleOrder(uint64_t seed, int64_t epoch, int64_t n) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  ParamRng rng(seed, fmt::format("shuffle/{}", epoch));
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t j = int64_t(rng.uniform01() * double(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

uint64_t stepSeed(uint64_t seed, int64_t step) {
  return ParamRng(seed, fmt::format("step/{}", step)).next();
}

BatchGather::BatchGather(const mtc_model &model, int64_t maxBatch)
    : model(model) {
  const mtc_training &training = *model.training;
  for (int i = 0; i < model.num_inputs; ++i) {
    buffers.emplace_back(maxBatch * rowBytes(model.inputs[i]));
    inputPointers.push_back(buffers.back().data());
  }
  for (int i = 0; i < training.num_labels; ++i) {
    buffers.emplace_back(maxBatch * rowBytes(training.labels[i]));
    labelPointers.push_back(buffers.back().data());
    if (std::string(training.labels[i].name) == "mask")
      maskLabel = i;
  }
}

void BatchGather::gather(const Dataset &data, const int64_t *rows,
                         int64_t batch) {
  const mtc_training &training = *model.training;
  auto copyRows = [&](const void *source, void *target, size_t bytes) {
    for (int64_t b = 0; b < batch; ++b)
      std::memcpy(static_cast<char *>(target) + b * bytes,
                  static_cast<const char *>(source) + rows[b] * bytes, bytes);
  };
  for (int i = 0; i < model.num_inputs; ++i)
    copyRows(data.input(i), buffers[i].data(), rowBytes(model.inputs[i]));
  for (int i = 0; i < training.num_labels; ++i)
    copyRows(data.label(i), buffers[model.num_inputs + i].data(),
             rowBytes(training.labels[i]));
}

std::vector<double> BatchGather::labelledCounts(const Dataset &data,
                                                const int64_t *rows,
                                                int64_t batch) const {
  if (maskLabel < 0)
    return std::vector<double>(model.num_tasks, double(batch));
  std::vector<double> counts(model.num_tasks, 0.0);
  const auto *mask = static_cast<const uint8_t *>(data.label(maskLabel));
  for (int64_t b = 0; b < batch; ++b)
    for (int j = 0; j < model.num_tasks; ++j)
      counts[j] += mask[rows[b] * model.num_tasks + j] != 0;
  return counts;
}

} // namespace mtc
