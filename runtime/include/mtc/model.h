//===- model.h - The compiled model's tables --------------------*- C++ -*-===//
//
// Helpers over the plain-C tables of model_abi.h: names, shapes and sizes
// spelled the way every message and the `info` command spell them.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_MODEL_H
#define MTC_MODEL_H

#include "mtc/model_abi.h"
#include "mtc/safetensors.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mtc {

/// "f32", "i32", "u8".
const char *modelDTypeName(mtc_dtype dtype);
DType toDType(mtc_dtype dtype);

/// The model's shape with the batch dimension spelled N: "[N, 8, 8]".
std::string formatModelShape(const mtc_tensor_info &info);

/// Elements per example (the product of the non-batch dimensions).
int64_t rowElements(const mtc_tensor_info &info);
size_t rowBytes(const mtc_tensor_info &info);

std::vector<int64_t> paramShape(const mtc_param_info &param);
int64_t paramElements(const mtc_param_info &param);
/// The element count of a whole table (the parameters, the training state).
int64_t totalElements(const mtc_param_info *table, int count);

/// Index of the input/output named `name`, or -1.
int findInput(const mtc_model &model, const std::string &name);
int findOutput(const mtc_model &model, const std::string &name);

/// The training table, or Error "this model was compiled for inference
/// only".
const mtc_training &trainingOf(const mtc_model &model);

/// The task whose label is `label` ("y.<task>"), or -1 (the mask).
int labelTask(const mtc_model &model, const mtc_tensor_info &label);

/// Whether a task's metric is accuracy (classification) or MSE/MAE.
bool isClassification(const mtc_task_info &task);

/// Checks the invariants the runtime relies on (inputs and outputs batched
/// in dimension 0, non-negative sizes) so that a compiler bug is an Error,
/// not an out-of-bounds write.
void checkModelTables(const mtc_model &model);

} // namespace mtc

#endif // MTC_MODEL_H
