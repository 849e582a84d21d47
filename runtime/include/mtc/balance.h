//===- balance.h - Multitask loss balancing on the host ---------*- C++ -*-===//
//
// The model is compiled with one balancing strategy and one gradient
// surgery (mtc_training.balance/surgery); `uncertainty` and `gradnorm` keep
// learned weights in the training state and `pcgrad` is generated code, so
// `train` cannot switch to or from them. `static` and `dwa` differ only in
// the task weights the runtime passes as hyperparameters
// (`task_weight.<task>`), so those two may replace each other.
//
// Static weights are 1 per task: the ABI does not carry the model's own
// static weights.
//
// DWA (Liu et al. 2019), epoch e (0-based), T tasks, tau = 2:
//   e < 2:  w_j = 1
//   else:   r_j = L_j(e-1) / L_j(e-2)   (epoch-mean training losses)
//           w_j = T exp(r_j / tau) / sum_k exp(r_k / tau)
// A task without a mean in either epoch (no labelled example) gets r_j = 1.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_BALANCE_H
#define MTC_BALANCE_H

#include "mtc/model_abi.h"

#include <string>
#include <vector>

namespace mtc {

constexpr double dwaTemperature = 2;

/// The balance a run uses: the model's, or `requested` (empty: the model's).
/// Throws Error when `requested` is unknown or needs a recompile.
std::string effectiveBalance(const mtc_training &training,
                             const std::string &requested);

/// Throws Error when `requested` (non-empty) is unknown or differs from the
/// model's surgery.
void checkSurgery(const mtc_training &training, const std::string &requested);

/// The host task weights of the next epoch under `balance`: the model's
/// static weights, or DWA's from the epoch-mean training losses of every
/// finished epoch (oldest first, one value per task, NaN for a task without
/// labelled examples; 1 for every task in the first two epochs).
std::vector<double>
taskWeights(const std::string &balance,
            const std::vector<double> &staticWeights,
            const std::vector<std::vector<double>> &epochMeans);

} // namespace mtc

#endif // MTC_BALANCE_H
