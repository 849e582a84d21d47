//===- checkpoint.h - Training checkpoints ----------------------*- C++ -*-===//
//
// A checkpoint is a safetensors file a weights reader can load as is: the
// parameters under their state_dict names, then the training state under
// its table names, and in __metadata__ (all strings, numbers in JSON so
// doubles round-trip exactly):
//   model, fingerprint       refuse a checkpoint of another model
//   step, epoch, batch       position: steps done, epoch in progress,
//                            batches of it done
//   seed                     the shuffle and step-seed streams (both are
//                            pure functions of seed, epoch/step)
//   optimizer, balance       the state's meaning and the host weights
//   hyperparameters          optimizer options and schedule (a record)
//   history                  per finished epoch {"train": [...], "val": [...]}
//                            (DWA's inputs, the plot's curves)
//   epoch_loss_sums, epoch_labelled   the epoch in progress
// Written atomically (writeSafetensors), so the previous checkpoint
// survives any failure.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_CHECKPOINT_H
#define MTC_CHECKPOINT_H

#include "mtc/model_abi.h"
#include "mtc/train_state.h"

#include <nlohmann/json.hpp>

#include <string>

namespace mtc {

struct CheckpointSettings {
  std::string optimizer;
  std::string balance;
  nlohmann::ordered_json hyperparameters;
};

void saveCheckpoint(const std::string &path, const mtc_model &model,
                    const TrainBuffers &buffers, const RunProgress &progress,
                    const CheckpointSettings &settings);

/// Reads `path` into `buffers` (current side) and returns the position.
/// Throws Error for a checkpoint of another model (fingerprint), a file
/// that is no checkpoint, or a missing or mis-shaped tensor.
RunProgress loadCheckpoint(const std::string &path, const mtc_model &model,
                           TrainBuffers &buffers, CheckpointSettings &settings);

} // namespace mtc

#endif // MTC_CHECKPOINT_H
