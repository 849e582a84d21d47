//===- train_state.h - What training carries from step to step --*- C++ -*-===//
//
// TrainBuffers: the parameters then the training state (the order the train
// steps take them), twice. A step reads `current` and writes `updated`,
// which never alias; the trainer swaps them only after a step whose losses
// are finite, so `current` always holds the last good values. Both copies
// are allocated (and touched) once, each tensor on its own cache line.
//
// RunProgress: where the run stands, exactly enough to continue it
// bit-identically from a checkpoint.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_TRAIN_STATE_H
#define MTC_TRAIN_STATE_H

#include "mtc/aligned_buffer.h"
#include "mtc/model_abi.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mtc {

class TrainBuffers {
public:
  explicit TrainBuffers(const mtc_model &model);

  /// Parameters then training state.
  int numTensors() const { return int(infos.size()); }
  const mtc_param_info &info(int i) const { return *infos[i]; }
  int64_t numElements(int i) const { return counts[i]; }

  float *current(int i) { return sides[now][i]; }
  const float *current(int i) const { return sides[now][i]; }
  const float *const *currentArgument() const { return sides[now].data(); }
  float *const *updatedArgument() { return sides[1 - now].data(); }
  void swap() { now = 1 - now; }

  /// Draws the parameters and the state from their inits.
  void initialise(uint64_t seed);

private:
  std::vector<const mtc_param_info *> infos;
  std::vector<int64_t> counts;
  AlignedBuffer storage;
  std::vector<float *> sides[2];
  int now = 0;
};

/// Per-task loss of one finished epoch: training means, and validation
/// losses when the run has a validation set (else empty).
struct EpochRecord {
  std::vector<double> train;
  std::vector<double> val;
};

struct RunProgress {
  uint64_t seed = 0;    // drives the shuffles and the step seeds
  int64_t step = 0;     // steps done
  int64_t epoch = 0;    // the epoch in progress (0-based)
  int64_t batch = 0;    // batches of it done
  // The epoch in progress: sum over steps of loss_j * labelled_j, and
  // labelled_j, per task.
  std::vector<double> lossSums, labelled;
  std::vector<EpochRecord> history;

  /// Epoch-mean training losses of the finished epochs (NaN: no labels).
  std::vector<std::vector<double>> trainMeans() const;
  /// Means of the epoch in progress so far.
  std::vector<double> runningMeans() const;
};

} // namespace mtc

#endif // MTC_TRAIN_STATE_H
