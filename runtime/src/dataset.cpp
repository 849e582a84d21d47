//===- dataset.cpp - Dataset files checked against the model --------------===//

#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/model.h"

#include <fmt/format.h>

#include <cmath>

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

/// "x f32 [N, 8, 8], task i32 [N]": a tensor table as messages show it.
std::string describeTensors(const mtc_tensor_info *table, int count) {
  std::vector<std::string> parts;
  for (int i = 0; i < count; ++i)
    parts.push_back(fmt::format("{} {} {}", table[i].name,
                                modelDTypeName(table[i].dtype),
                                formatModelShape(table[i])));
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

namespace {

// Checks one tensor the model takes (an input or a label) against its table
// entry; the first one checked sets the example count.
const void *checkTensor(const SafetensorsFile &file, const mtc_tensor_info &info,
                        const std::string &expected, std::string &first,
                        int64_t &examples) {
  const std::string &path = file.path();
  const TensorView *t = file.find(info.name);
  if (!t)
    throw Error(fmt::format("{}: missing tensor '{}' ({})", path, info.name,
                            expected));
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
    examples = t->shape[0];
  }
  checkExamples(file, info.name, *t, first, examples);
  return t->data;
}

// Class labels must be valid ids, but only where they count: an example the
// mask marks unlabelled for a task may hold any placeholder (PyTorch's -100).
void checkClassLabels(const std::string &path, const mtc_model &model,
                      const mtc_tensor_info &label, const int32_t *ids,
                      const uint8_t *mask, int64_t examples) {
  int task = labelTask(model, label);
  int64_t bound = label.id_bound > 0 ? label.id_bound
                                     : model.tasks[task].classes;
  int64_t row = rowElements(label);
  for (int64_t e = 0; e < examples; ++e) {
    if (mask && mask[e * model.num_tasks + task] == 0)
      continue;
    for (int64_t k = 0; k < row; ++k) {
      int32_t id = ids[e * row + k];
      if (id < 0 || id >= bound)
        throw Error(fmt::format("{}: tensor '{}': label {} at example {} is "
                                "out of range [0, {}) for task '{}'",
                                path, label.name, id, e, bound,
                                model.tasks[task].name));
    }
  }
}

// Float inputs must be finite everywhere: one NaN reaches every weight
// through the weight gradients (summed over the batch) and shows only
// steps later, as a NaN loss. A float label need only be finite where the
// mask marks it labelled; the loss selects the others away.
void checkFinite(const std::string &path, const mtc_tensor_info &info,
                 const float *values, int64_t examples, int task, int numTasks,
                 const uint8_t *mask) {
  int64_t row = rowElements(info);
  for (int64_t e = 0; e < examples; ++e) {
    if (task >= 0 && mask && mask[e * numTasks + task] == 0)
      continue;
    for (int64_t k = 0; k < row; ++k)
      if (!std::isfinite(values[e * row + k]))
        throw Error(fmt::format("{}: tensor '{}': value {} at example {} "
                                "(element {} of its row) is not finite",
                                path, info.name, values[e * row + k], e, k));
  }
}

} // namespace

Dataset Dataset::load(const std::string &path, const mtc_model &model,
                      Labels withLabels) {
  Dataset set;
  set.contents = SafetensorsFile::read(path);
  const SafetensorsFile &file = set.contents;

  std::string first;
  std::string expectedInputs =
      fmt::format("the model's inputs: {}", describeTensors(model.inputs, model.num_inputs));
  for (int i = 0; i < model.num_inputs; ++i) {
    const mtc_tensor_info &info = model.inputs[i];
    set.inputs.push_back(
        checkTensor(file, info, expectedInputs, first, set.examples));
    if (info.dtype == MTC_I32 && info.id_bound > 0)
      checkIdRange(fmt::format("{}: tensor '{}'", path, info.name),
                   static_cast<const int32_t *>(set.inputs.back()),
                   set.examples, rowElements(info), info.id_bound);
    if (info.dtype == MTC_F32)
      checkFinite(path, info, static_cast<const float *>(set.inputs.back()),
                  set.examples, /*task=*/-1, model.num_tasks, nullptr);
  }

  if (withLabels == Labels::Require) {
    const mtc_training &training = trainingOf(model);
    std::string expectedLabels =
        fmt::format("the model's labels: {}", describeTensors(training.labels, training.num_labels));
    const uint8_t *mask = nullptr;
    for (int i = 0; i < training.num_labels; ++i) {
      set.labels.push_back(checkTensor(file, training.labels[i],
                                       expectedLabels, first, set.examples));
      if (std::string(training.labels[i].name) == "mask")
        mask = static_cast<const uint8_t *>(set.labels.back());
    }
    if (!mask && file.find("mask"))
      throw Error(fmt::format("{}: tensor 'mask' is present, but the model "
                              "was compiled for fully labelled batches (no "
                              "mask)",
                              path));
    for (int i = 0; i < training.num_labels; ++i) {
      const mtc_tensor_info &label = training.labels[i];
      if (label.dtype == MTC_I32 && labelTask(model, label) >= 0 &&
          (label.id_bound > 0 ||
           std::string(model.tasks[labelTask(model, label)].kind) ==
               "cross_entropy"))
        checkClassLabels(path, model, label,
                         static_cast<const int32_t *>(set.labels[i]), mask,
                         set.examples);
      if (label.dtype == MTC_F32)
        checkFinite(path, label, static_cast<const float *>(set.labels[i]),
                    set.examples, labelTask(model, label), model.num_tasks,
                    mask);
    }
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
