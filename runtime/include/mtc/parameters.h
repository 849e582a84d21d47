//===- parameters.h - Parameter storage and weight files --------*- C++ -*-===//
//
// All parameters of a model in one 64-byte aligned block, each starting on
// its own cache line, in the model's table order (the order `forward`
// takes them). Weight files are safetensors with the PyTorch state_dict
// names, F32, exact shapes.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_PARAMETERS_H
#define MTC_PARAMETERS_H

#include "mtc/aligned_buffer.h"
#include "mtc/model_abi.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mtc {

class ParameterStore {
public:
  /// Allocates (zeroed) storage for every parameter of `model`.
  explicit ParameterStore(const mtc_model &model);

  const mtc_model &model() const { return owner; }
  float *data(int i) { return pointers[i]; }
  const float *data(int i) const { return pointers[i]; }
  int64_t numElements(int i) const { return counts[i]; }
  /// The parameter pointers in the model's order, as `forward` takes them.
  const float *const *forwardArgument() const { return pointers.data(); }

private:
  const mtc_model &owner;
  AlignedBuffer storage;
  std::vector<float *> pointers;
  std::vector<int64_t> counts;
};

class SafetensorsFile;

/// Copies tensor `param.name` of `file` into `out`: present, F32, exactly
/// the table's shape, or an Error naming the file and the tensor.
void readParameter(const SafetensorsFile &file, const mtc_param_info &param,
                   float *out);

/// Loads every parameter from the safetensors file `path`. A missing
/// weight, a dtype other than F32 or a shape other than the model's is an
/// Error; tensors that are not parameters (e.g. optimizer state in a
/// checkpoint) are ignored.
void loadWeights(const std::string &path, ParameterStore &store);

/// Writes every parameter to `path` (atomically) with `metadata`.
void saveWeights(const std::string &path, const ParameterStore &store,
                 const std::map<std::string, std::string> &metadata);

} // namespace mtc

#endif // MTC_PARAMETERS_H
