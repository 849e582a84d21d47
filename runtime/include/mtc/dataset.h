//===- dataset.h - Dataset files checked against the model ------*- C++ -*-===//
//
// A dataset is a safetensors file (DESIGN §4): the model's inputs by name
// (`x` f32 [N,S,F] or `tokens` i32 [N,S], `task` i32 [N]), labels
// `y.<task>` and an optional `mask` u8 [N,T]. Loading checks it against the
// compiled model so that the kernels only ever see well-formed data.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_DATASET_H
#define MTC_DATASET_H

#include "mtc/model_abi.h"
#include "mtc/safetensors.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mtc {

class Dataset {
public:
  /// Whether the labels of mtc_training.labels are read too (train, eval).
  enum class Labels { Ignore, Require };

  /// Reads `path` and checks: every model input present with the model's
  /// dtype and non-batch shape; one example count N across inputs, labels
  /// and mask; i32 ids within [0, id_bound). With Labels::Require, every
  /// label of the (trainable) model likewise, class labels within
  /// [0, classes) where the mask marks them labelled, and no mask unless
  /// the model takes one. Float inputs are finite, and float labels where
  /// the mask marks them labelled. Throws Error.
  static Dataset load(const std::string &path, const mtc_model &model,
                      Labels labels = Labels::Ignore);

  int64_t numExamples() const { return examples; }
  /// Row-contiguous data of model input `i` (the model's input order).
  const void *input(int i) const { return inputs[i]; }
  /// Row-contiguous data of label `i` (mtc_training.labels order).
  const void *label(int i) const { return labels[i]; }
  const SafetensorsFile &file() const { return contents; }

private:
  SafetensorsFile contents;
  int64_t examples = 0;
  std::vector<const void *> inputs;
  std::vector<const void *> labels;
};

/// Throws Error "<what>: value V at example E is out of range [0, bound)"
/// for the first id outside [0, bound); `ids` holds `batch` rows of
/// `rowElements` ids.
void checkIdRange(const std::string &what, const int32_t *ids, int64_t batch,
                  int64_t rowElements, int64_t bound);

} // namespace mtc

#endif // MTC_DATASET_H
