//===- dataset.cpp - Dataset files checked against the model --------------===//

#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/model.h"

#include <fmt/format.h>

namespace mtc {

void checkIdRange(const std::string &what, const int32_t *ids, int64_t batch,
                  int64_t rowElements, int64_t bound) {
  for (int64_t i = 0; i < batch * rowElements; ++i)
    if (ids[i] < 0 || ids[i] >= bound)
      throw Error(
          fmt::format("{}: value {} at example {} is out of range [0, {})",
                      what, ids[i], i / rowElements, bound));
}

namespace {

std::string describeInputs(const mtc_model &model) {
  std::vector<std::string> parts;
  for (int i = 0; i < model.num_inputs; ++i)
    parts.push_back(fmt::format("{} {} {}", model.inputs[i].name,
                                modelDTypeName(model.inputs[i].dtype),
                                formatModelShape(model.inputs[i])));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// Checks that `tensor` has `examples` rows, the first tensor seen (named
// `first`) having set the count.
void checkExamples(const SafetensorsFile &file, const std::string &name,
                   const TensorView &tensor, const std::string &first,
                   int64_t examples) {
  if (tensor.shape.empty())
    throw Error(fmt::format("{}: tensor '{}' is a scalar, expected one row "
                            "per example",
                            file.path(), name));
  if (tensor.shape[0] != examples)
    throw Error(fmt::format("{}: tensor '{}' has {} examples, tensor '{}' "
                            "has {}",
                            file.path(), name, tensor.shape[0], first,
                            examples));
}

} // namespace

Dataset Dataset::load(const std::string &path, const mtc_model &model) {
  Dataset set;
  set.contents = SafetensorsFile::read(path);
  const SafetensorsFile &file = set.contents;

  std::string first;
  for (int i = 0; i < model.num_inputs; ++i) {
    const mtc_tensor_info &info = model.inputs[i];
    const TensorView *t = file.find(info.name);
    if (!t)
      throw Error(fmt::format("{}: missing tensor '{}' (the model's inputs: "
                              "{})",
                              path, info.name, describeInputs(model)));
    if (t->dtype != toDType(info.dtype))
      throw Error(fmt::format("{}: tensor '{}' has dtype {}, the model "
                              "expects {}",
                              path, info.name, dtypeName(t->dtype),
                              dtypeName(toDType(info.dtype))));
    bool shapeOk = int(t->shape.size()) == info.rank;
    for (int d = 1; shapeOk && d < info.rank; ++d)
      shapeOk = t->shape[d] == info.shape[d];
    if (!shapeOk)
      throw Error(fmt::format("{}: tensor '{}' has shape {}, the model "
                              "expects {}",
                              path, info.name, formatShape(t->shape),
                              formatModelShape(info)));
    if (first.empty()) {
      first = info.name;
      set.examples = t->shape[0];
    }
    checkExamples(file, info.name, *t, first, set.examples);
    if (info.dtype == MTC_I32 && info.id_bound > 0)
      checkIdRange(fmt::format("{}: tensor '{}'", path, info.name),
                   static_cast<const int32_t *>(t->data), set.examples,
                   rowElements(info), info.id_bound);
    set.inputs.push_back(t->data);
  }

  // Labels and mask are not read by predict, but a count that disagrees
  // with the inputs means the file is not what the user thinks it is.
  for (const std::string &name : file.names()) {
    if (name != "mask" && name.rfind("y.", 0) != 0)
      continue;
    const TensorView &t = *file.find(name);
    if (first.empty()) {
      first = name;
      set.examples = t.shape.empty() ? 0 : t.shape[0];
    }
    checkExamples(file, name, t, first, set.examples);
  }
  if (const TensorView *mask = file.find("mask")) {
    if (mask->dtype != DType::U8)
      throw Error(fmt::format("{}: tensor 'mask' has dtype {}, expected U8",
                              path, dtypeName(mask->dtype)));
    if (mask->shape.size() != 2 || mask->shape[1] != model.num_tasks)
      throw Error(fmt::format("{}: tensor 'mask' has shape {}, expected [N, "
                              "{}] (one column per task)",
                              path, formatShape(mask->shape), model.num_tasks));
  }
  return set;
}

} // namespace mtc
