//===- Optimizers.h - optimizer updates as primitive ops --------*- C++ -*-===//
//
// The parameter updates of torch.optim.Adam, torch.optim.AdamW and
// torch.optim.SGD, and torch.nn.utils.clip_grad_norm_, built from primitive
// ops so the whole training step stays in IR (DESIGN.md §3 step 4) and
// fusion can merge the updates of all parameters.
//
// Hyperparameters are rank-0 f32 values (kernel arguments or constants), so
// one compiled step serves every learning rate, schedule and step count.
// Flags are 0/1 scalars; where a flag selects between formulas the unused
// one drops out exactly (x * 0 = 0, x * 1 = x) or through a select, so the
// chosen variant's numbers are PyTorch's.
//
//===----------------------------------------------------------------------===//

#ifndef MT_TRAINING_OPTIMIZERS_H
#define MT_TRAINING_OPTIMIZERS_H

#include "Transforms/PrimitiveBuilder.h"

#include "llvm/ADT/SmallVector.h"

#include <utility>

namespace mt {

/// Rank-0 f32 values. `step` counts from 1 (the step being taken);
/// `decoupled` is 1 for AdamW (p *= 1 - lr wd) and 0 for Adam (g += wd p).
struct AdamHyper {
  mlir::Value lr, step, beta1, beta2, eps, weightDecay, decoupled;
};

struct AdamState {
  mlir::Value param, expAvg, expAvgSq;
};

/// One Adam/AdamW step (amsgrad off): m = b1 m + (1 - b1) g,
/// v = b2 v + (1 - b2) g^2, p -= lr / (1 - b1^t) * m / (sqrt(v) /
/// sqrt(1 - b2^t) + eps), with PyTorch's eps placement.
AdamState buildAdamUpdate(PrimitiveBuilder &b, const AdamState &current,
                          mlir::Value grad, const AdamHyper &h);

/// Rank-0 f32 values; `nesterov` is 0 or 1; `step` counts from 1 (the first
/// step sets the momentum buffer to the gradient, undampened).
struct SgdHyper {
  mlir::Value lr, momentum, dampening, nesterov, weightDecay, step;
};

struct SgdState {
  mlir::Value param, momentumBuffer;
};

/// One SGD step. With momentum 0 the buffer is returned unchanged (PyTorch
/// keeps none).
SgdState buildSgdUpdate(PrimitiveBuilder &b, const SgdState &current,
                        mlir::Value grad, const SgdHyper &h);

/// clip_grad_norm_: total = sqrt(sum of squares of all grads); every grad is
/// scaled by min(1, maxNorm / (total + 1e-6)); a maxNorm <= 0 (rank-0 f32)
/// disables clipping. Returns the scaled grads and the total norm (0 for no
/// grads).
std::pair<llvm::SmallVector<mlir::Value, 8>, mlir::Value>
clipByGlobalNorm(PrimitiveBuilder &b, llvm::ArrayRef<mlir::Value> grads,
                 mlir::Value maxNorm);

} // namespace mt

#endif // MT_TRAINING_OPTIMIZERS_H
