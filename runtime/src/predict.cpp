//===- predict.cpp - Model outputs for a whole dataset --------------------===//

#include "mtc/predict.h"
#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/model.h"
#include "mtc/safetensors.h"
#include "mtc/session.h"

#include <fmt/format.h>

#include <algorithm>

namespace mtc {

Predictions predict(Session &session, const Dataset &data, int64_t batchSize) {
  if (batchSize <= 0)
    throw Error(fmt::format("batch size {} is not positive", batchSize));
  const mtc_model &model = session.model();
  int64_t n = data.numExamples();
  session.reserve(std::min(batchSize, n));

  Predictions result;
  result.numExamples = n;
  for (int i = 0; i < model.num_outputs; ++i)
    result.outputs.emplace_back(n * rowBytes(model.outputs[i]));

  std::vector<const void *> inputs(model.num_inputs);
  std::vector<void *> outputs(model.num_outputs);
  for (int64_t row = 0; row < n; row += batchSize) {
    int64_t batch = std::min(batchSize, n - row);
    for (int i = 0; i < model.num_inputs; ++i)
      inputs[i] = static_cast<const char *>(data.input(i)) +
                  row * rowBytes(model.inputs[i]);
    for (int i = 0; i < model.num_outputs; ++i)
      outputs[i] = static_cast<char *>(result.outputs[i].data()) +
                   row * rowBytes(model.outputs[i]);
    session.forward(batch, inputs.data(), outputs.data());
  }
  return result;
}

void writePredictions(const std::string &path, const Session &session,
                      const Predictions &predictions,
                      const std::map<std::string, std::string> &metadata) {
  const mtc_model &model = session.model();
  std::vector<NamedTensor> tensors;
  for (int i = 0; i < model.num_outputs; ++i) {
    const mtc_tensor_info &info = model.outputs[i];
    std::vector<int64_t> shape(info.shape, info.shape + info.rank);
    shape[0] = predictions.numExamples;
    tensors.push_back(
        {info.name,
         {toDType(info.dtype), shape, predictions.outputs[i].data()}});
  }
  writeSafetensors(path, tensors, metadata);
}

} // namespace mtc
