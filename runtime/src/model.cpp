//===- model.cpp - The compiled model's tables, as the runtime reads them -===//

#include "mtc/model.h"
#include "mtc/error.h"

#include <fmt/format.h>

namespace mtc {

const char *modelDTypeName(mtc_dtype dtype) {
  switch (dtype) {
  case MTC_F32:
    return "f32";
  case MTC_I32:
    return "i32";
  case MTC_U8:
    return "u8";
  }
  return "unknown";
}

DType toDType(mtc_dtype dtype) {
  switch (dtype) {
  case MTC_F32:
    return DType::F32;
  case MTC_I32:
    return DType::I32;
  case MTC_U8:
    return DType::U8;
  }
  throw Error(fmt::format("model ABI: unknown dtype code {}", int(dtype)));
}

std::string formatModelShape(const mtc_tensor_info &info) {
  std::vector<std::string> dims;
  for (int i = 0; i < info.rank; ++i)
    dims.push_back(info.shape[i] < 0 ? "N" : std::to_string(info.shape[i]));
  return fmt::format("[{}]", fmt::join(dims, ", "));
}

int64_t rowElements(const mtc_tensor_info &info) {
  int64_t n = 1;
  for (int i = 1; i < info.rank; ++i)
    n *= info.shape[i];
  return n;
}

size_t rowBytes(const mtc_tensor_info &info) {
  return rowElements(info) * dtypeSize(toDType(info.dtype));
}

std::vector<int64_t> paramShape(const mtc_param_info &param) {
  return std::vector<int64_t>(param.shape, param.shape + param.rank);
}

int64_t paramElements(const mtc_param_info &param) {
  int64_t n = 1;
  for (int i = 0; i < param.rank; ++i)
    n *= param.shape[i];
  return n;
}

int64_t totalElements(const mtc_param_info *table, int count) {
  int64_t total = 0;
  for (int i = 0; i < count; ++i)
    total += paramElements(table[i]);
  return total;
}

int findInput(const mtc_model &model, const std::string &name) {
  for (int i = 0; i < model.num_inputs; ++i)
    if (name == model.inputs[i].name)
      return i;
  return -1;
}

int findOutput(const mtc_model &model, const std::string &name) {
  for (int i = 0; i < model.num_outputs; ++i)
    if (name == model.outputs[i].name)
      return i;
  return -1;
}

const mtc_training &trainingOf(const mtc_model &model) {
  if (!model.training)
    throw Error("this model was compiled for inference only");
  return *model.training;
}

int labelTask(const mtc_model &model, const mtc_tensor_info &label) {
  for (int i = 0; i < model.num_tasks; ++i)
    if (label.name == std::string("y.") + model.tasks[i].name)
      return i;
  return -1;
}

bool isClassification(const mtc_task_info &task) {
  return std::string(task.kind) != "mse";
}

namespace {

void checkTensorTable(const char *kind, int count,
                      const mtc_tensor_info *table) {
  for (int i = 0; i < count; ++i) {
    const mtc_tensor_info &t = table[i];
    if (t.rank < 1 || t.shape[0] != -1)
      throw Error(fmt::format("model ABI: {} '{}' is not batched in "
                              "dimension 0",
                              kind, t.name));
    for (int d = 1; d < t.rank; ++d)
      if (t.shape[d] < 0)
        throw Error(fmt::format("model ABI: {} '{}' has a negative dimension",
                                kind, t.name));
    toDType(t.dtype);
  }
}

void checkParamTable(const char *kind, int count,
                     const mtc_param_info *table) {
  for (int i = 0; i < count; ++i)
    for (int d = 0; d < table[i].rank; ++d)
      if (table[i].shape[d] < 0)
        throw Error(fmt::format("model ABI: {} '{}' has a negative dimension",
                                kind, table[i].name));
}

void checkTrainingTables(const mtc_model &model) {
  const mtc_training &t = *model.training;
  checkTensorTable("label", t.num_labels, t.labels);
  for (int i = 0; i < t.num_labels; ++i) {
    const mtc_tensor_info &label = t.labels[i];
    if (labelTask(model, label) < 0 && std::string(label.name) != "mask")
      throw Error(fmt::format("model ABI: label '{}' is neither 'y.<task>' "
                              "nor 'mask'",
                              label.name));
  }
  checkParamTable("training state", t.num_state, t.state);
  for (int i = 0; i < t.num_hyper; ++i)
    if (!t.hyper_names[i])
      throw Error(fmt::format("model ABI: hyperparameter {} has no name", i));
  if (!t.train_step_adam && !t.train_step_sgd)
    throw Error("model ABI: a trainable model without a train step");
  if (!t.eval_step)
    throw Error("model ABI: a trainable model without an eval step");
  if (t.train_arena_static_bytes < 0 || t.train_arena_bytes_per_example < 0 ||
      t.eval_arena_static_bytes < 0 || t.eval_arena_bytes_per_example < 0)
    throw Error("model ABI: negative training arena size");
}

} // namespace

void checkModelTables(const mtc_model &model) {
  checkTensorTable("input", model.num_inputs, model.inputs);
  checkTensorTable("output", model.num_outputs, model.outputs);
  checkParamTable("parameter", model.num_params, model.params);
  for (int i = 0; i < model.num_tasks; ++i)
    if (model.tasks[i].output < 0 || model.tasks[i].output >= model.num_outputs)
      throw Error(fmt::format("model ABI: task '{}' names output {} of {}",
                              model.tasks[i].name, model.tasks[i].output,
                              model.num_outputs));
  if (model.arena_static_bytes < 0 || model.arena_bytes_per_example < 0)
    throw Error("model ABI: negative arena size");
  if (model.training)
    checkTrainingTables(model);
}

} // namespace mtc
