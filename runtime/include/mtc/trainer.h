//===- trainer.h - The training loop ----------------------------*- C++ -*-===//
//
// Everything is checked and allocated before the first step: model tables,
// optimizer options, balance and surgery, hyperparameter names, datasets
// and labels, the checkpoint to resume from, the train and eval arenas,
// both parameter copies and the batch buffers. Then, per step: gather the
// shuffled batch, set the hyperparameters (schedule, host task weights),
// run the model's train step from `current` into `updated`, and swap only
// if every loss is finite. A non-finite loss stops the run with an Error
// naming the task and the step; the last checkpoint written stays as it
// is. Checkpoints every --every steps, at each epoch end and at
// --max-steps. Under mpirun, each rank runs the step on its shard of every
// global batch and the step sums over the ranks (data_parallel.h); rank 0
// alone writes and prints.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_TRAINER_H
#define MTC_TRAINER_H

#include "mtc/model_abi.h"
#include "mtc/optimizer.h"

#include <cstdint>
#include <string>

namespace mtc {

struct TrainOptions {
  std::string data, val, checkpoint, log, plot;
  int64_t epochs = 1;
  int64_t batchSize = 32;
  int64_t every = 0;    // checkpoint every this many steps; 0: epochs only
  int64_t maxSteps = 0; // stop after this global step; 0: run all epochs
  uint64_t seed = 0;
  bool resume = false;
  std::string init; // start from these weights (initial_weights.h)
  bool initPartial = false;
  OptimizerOptions optimizer;
  std::string schedule = "constant";
  int64_t warmupSteps = 0;
  std::string balance, surgery; // empty: the model's
};

/// Trains `model` as `options` say. Throws Error.
void train(const mtc_model &model, const TrainOptions &options);

} // namespace mtc

#endif // MTC_TRAINER_H
