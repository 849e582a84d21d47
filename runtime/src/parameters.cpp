//===- parameters.cpp - Parameter storage and weight files ----------------===//

#include "mtc/parameters.h"
#include "mtc/error.h"
#include "mtc/model.h"
#include "mtc/safetensors.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

namespace mtc {

ParameterStore::ParameterStore(const mtc_model &model) : owner(model) {
  int64_t total = 0;
  for (int i = 0; i < model.num_params; ++i) {
    counts.push_back(paramElements(model.params[i]));
    total += roundUpToCacheLine(counts.back());
  }
  storage = AlignedBuffer(total * sizeof(float));
  float *next = static_cast<float *>(storage.data());
  for (int64_t count : counts) {
    pointers.push_back(next);
    next += roundUpToCacheLine(count);
  }
}

void readParameter(const SafetensorsFile &file, const mtc_param_info &param,
                   float *out) {
  const std::string &path = file.path();
  std::vector<int64_t> shape = paramShape(param);
  const TensorView *t = file.find(param.name);
  if (!t)
    throw Error(fmt::format("{}: missing weight '{}' (shape {})", path,
                            param.name, formatShape(shape)));
  if (t->dtype != DType::F32)
    throw Error(fmt::format("{}: weight '{}' has dtype {}, the model "
                            "expects F32",
                            path, param.name, dtypeName(t->dtype)));
  if (t->shape != shape)
    throw Error(fmt::format("{}: weight '{}' has shape {}, the model "
                            "expects {}",
                            path, param.name, formatShape(t->shape),
                            formatShape(shape)));
  const float *values = static_cast<const float *>(t->data);
  for (int64_t i = 0; i < t->numElements(); ++i)
    if (!std::isfinite(values[i]))
      throw Error(fmt::format("{}: weight '{}' holds {} at element {}; "
                              "weights must be finite",
                              path, param.name, values[i], i));
  std::memcpy(out, t->data, t->numBytes());
}

void loadWeights(const std::string &path, ParameterStore &store) {
  SafetensorsFile file = SafetensorsFile::read(path);
  const mtc_model &model = store.model();
  for (int i = 0; i < model.num_params; ++i)
    readParameter(file, model.params[i], store.data(i));
}

void saveWeights(const std::string &path, const ParameterStore &store,
                 const std::map<std::string, std::string> &metadata) {
  const mtc_model &model = store.model();
  std::vector<NamedTensor> tensors;
  for (int i = 0; i < model.num_params; ++i)
    tensors.push_back(
        {model.params[i].name,
         {DType::F32, paramShape(model.params[i]), store.data(i)}});
  writeSafetensors(path, tensors, metadata);
}

} // namespace mtc
