//===- batches.h - Seeded training batches ----------------------*- C++ -*-===//
//
// Epoch e visits the examples in a permutation drawn from (seed, e) alone,
// so a resumed run sees the same order without storing it; the batches are
// consecutive slices of it, the last one partial (no example dropped). A
// batch is gathered row by row into buffers allocated once for the largest
// batch. Each step's seed (dropout masks, pcgrad's task order) is drawn
// from (seed, step) the same way.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_BATCHES_H
#define MTC_BATCHES_H

#include "mtc/aligned_buffer.h"
#include "mtc/model_abi.h"

#include <cstdint>
#include <vector>

namespace mtc {

class Dataset;

/// A permutation of [0, n): Fisher-Yates on ParamRng(seed, "shuffle/<e>").
std::vector<int64_t> shuffleOrder(uint64_t seed, int64_t epoch, int64_t n);

/// The seed passed to train step `step` (1-based).
uint64_t stepSeed(uint64_t seed, int64_t step);

class BatchGather {
public:
  BatchGather(const mtc_model &model, int64_t maxBatch);

  /// Copies rows `rows[0..batch)` of every input and label of `data`.
  void gather(const Dataset &data, const int64_t *rows, int64_t batch);

  const void *const *inputs() const { return inputPointers.data(); }
  const void *const *labels() const { return labelPointers.data(); }

  /// Examples among rows `rows[0..batch)` of `data` labelled for each
  /// task: the mask's column sums, or `batch` without a mask. A
  /// data-parallel rank counts its whole global batch (every rank holds
  /// the dataset), not only the rows it gathered.
  std::vector<double> labelledCounts(const Dataset &data, const int64_t *rows,
                                     int64_t batch) const;

private:
  const mtc_model &model;
  std::vector<AlignedBuffer> buffers; // inputs, then labels
  std::vector<const void *> inputPointers, labelPointers;
  int maskLabel = -1; // the mask's index among the labels, if it has one
};

} // namespace mtc

#endif // MTC_BATCHES_H
