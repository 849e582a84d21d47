//===- initial_weights.h - Training that starts from given weights -*- C++
//-*-===//
//
// `train --init FILE` (fine-tuning): the run starts from the parameters in
// FILE, a weights file or a checkpoint (of this model or another), with a
// fresh training state (optimizer moments, learned loss weights) drawn as a
// new run draws it. Tensors are matched by name, as PyTorch's
// load_state_dict matches them:
//  - a parameter the file lacks is an error, or with `partial` keeps its
//    seeded initial value (and is reported);
//  - a tensor of the file that is no parameter is an error, or with
//    `partial` is ignored (and reported); a checkpoint's training state
//    (`optimizer.*`, or a name of this model's state) is always ignored;
//  - a tensor of another dtype or shape is always an error.
// Every kind of mismatch is reported in one error (up to six names each),
// so a file is fixed in one go.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_INITIAL_WEIGHTS_H
#define MTC_INITIAL_WEIGHTS_H

#include "mtc/model_abi.h"
#include "mtc/train_state.h"

#include <string>
#include <vector>

namespace mtc {

struct InitialWeightsReport {
  std::string path;
  int loaded = 0;                   // parameters taken from the file
  std::vector<std::string> kept;    // parameters left at their initial value
  std::vector<std::string> ignored; // file tensors that are no parameter
  int trainingState = 0;            // a checkpoint's state tensors skipped

  /// One line for the user: what was loaded, kept and ignored.
  std::string summary() const;
};

/// Overwrites the parameters of `buffers` (current side, already
/// initialised from the run's seed) with those of `path`. Throws Error.
InitialWeightsReport loadInitialWeights(const std::string &path,
                                        const mtc_model &model,
                                        TrainBuffers &buffers, bool partial);

} // namespace mtc

#endif // MTC_INITIAL_WEIGHTS_H
