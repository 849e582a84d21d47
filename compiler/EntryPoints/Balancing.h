//===- Balancing.h - PCGrad and GradNorm as primitive ops -------*- C++ -*-===//
//
// The multitask rules of DESIGN.md §5 that need per-task gradients, built
// from primitive ops inside the train steps (mt-autodiff), so the whole step
// stays in IR:
//
//  - PCGrad (Yu et al. 2020): per-task gradients g_j of the shared
//    parameters; for each task i, g_i' = g_i, then for each other task j in
//    a seeded random order, if g_i' . g_j < 0, g_i' -= (g_i' . g_j / |g_j|^2)
//    g_j (dot products over all shared parameters together); the shared
//    gradient is sum_i g_i'.
//  - GradNorm (Chen et al. 2018): learned task weights w moved by the
//    gradient of sum_j |G_j - target_j|, G_j = w_j ||grad_W L_j|| at the
//    last shared layer W, then renormalised to sum to T.
//
// Which parameters are shared and which one is W is decided by the caller
// (BuildTrainingSteps.cpp); these functions only build the arithmetic.
//
//===----------------------------------------------------------------------===//

#ifndef MT_ENTRYPOINTS_BALANCING_H
#define MT_ENTRYPOINTS_BALANCING_H

#include "Transforms/PrimitiveBuilder.h"

#include "llvm/ADT/SmallVector.h"

namespace mt {

/// The dropout-mask stream that draws PCGrad's task order. Dropout sites use
/// streams 0, 1, ... (one per site), so a stream far above them keeps the
/// order independent of every dropout mask of the step.
constexpr int64_t kTaskOrderStream = int64_t(1) << 40;

/// Random bits per task in the key that orders the tasks.
constexpr int64_t kTaskOrderBits = 16;

/// The task order of one step as a permutation matrix P (tensor<TxTxf32>,
/// P[p, j] = 1 iff task j comes p-th), reproducible from `seed`
/// (tensor<i64>): task j's key is the integer whose bit k is element
/// (j, k) of mt.dropout_mask (rate 0.5, stream kTaskOrderStream) over a
/// [T, kTaskOrderBits] tensor, times T plus j (ties go to the lower task);
/// tasks come in increasing key order. Every value stays an integer below
/// 2^24, so f32 holds it exactly. Needs T <= 256.
mlir::Value buildTaskOrder(PrimitiveBuilder &b, mlir::Value seed,
                           int64_t numTasks);

/// PCGrad: `taskGrads[j][k]` is task j's gradient of shared parameter k;
/// `order` is buildTaskOrder's matrix. Returns sum_i g_i' per parameter.
/// A g_j of zero norm never conflicts (its dot products are 0).
llvm::SmallVector<mlir::Value, 16>
buildPCGrad(PrimitiveBuilder &b,
            llvm::ArrayRef<llvm::SmallVector<mlir::Value, 16>> taskGrads,
            mlir::Value order);

/// The smallest task weight GradNorm's SGD step may leave before the
/// renormalisation: a negative weight would make training maximise that
/// task's loss, and a positive floor keeps sum_j w_j > 0.
constexpr float kGradNormMinWeight = 1e-3f;

struct GradNormHyper {
  mlir::Value lr, step; ///< rank-0 f32; `step` counts from 1
  double alpha;         ///< the asymmetry
};

struct GradNormState {
  mlir::Value weights;       ///< tensor<Txf32>, sums to T
  mlir::Value initialLosses; ///< tensor<Txf32>, L_j(0)
};

/// One GradNorm step. `current` holds w and L(0) (zeros until recorded);
/// `perTask` is L_j, `layerGradNorms` ||grad_W L_j|| (both tensor<Txf32>).
///  - L_j(0) := L_j at step 1, and for a task whose L_j(0) is still 0 (no
///    labelled example so far), so a task unlabelled in the first batch
///    gets its reference later instead of dividing by zero; such a task
///    counts L~_j = 1 meanwhile.
///  - L~_j = L_j / L_j(0), r_j = L~_j / mean(L~), G_j = w_j ||grad_W L_j||,
///    target_j = mean(G) r_j^alpha (a constant, as in the paper).
///  - dL_grad/dw_j = sign(G_j - target_j) ||grad_W L_j||; w -= lr * that
///    (plain SGD whatever the model's optimizer), floored at
///    kGradNormMinWeight, then w *= T / sum(w).
GradNormState buildGradNormUpdate(PrimitiveBuilder &b,
                                  const GradNormState &current,
                                  mlir::Value perTask,
                                  mlir::Value layerGradNorms,
                                  const GradNormHyper &h);

} // namespace mt

#endif // MT_ENTRYPOINTS_BALANCING_H
