//===- LossBuilder.h - the multitask loss as primitive ops ------*- C++ -*-===//
//
// Expands `mt.multitask_loss` into primitive ops (DESIGN.md §2 and §5):
// per-task losses with PyTorch's semantics, the label mask, the balanced
// total, and the per-task sums that evaluation turns into metrics. The
// training entry points (mt-autodiff) differentiate the result; eval_step
// reads the sums.
//
// Preconditions: the op's operands have ranked types (mt-infer-shapes has
// run); the op itself is left in place for the caller to replace.
//
//===----------------------------------------------------------------------===//

#ifndef MT_TRAINING_LOSSBUILDER_H
#define MT_TRAINING_LOSSBUILDER_H

#include "Transforms/PrimitiveBuilder.h"

#include "mt/Dialect/MTOps.h"

namespace mt {

/// The columns of MultitaskLossValues::evalSums, per task.
enum class EvalSum : int64_t {
  LossSum = 0,       ///< sum of the per-example losses of labelled examples
  Count = 1,         ///< number of labelled examples
  Correct = 2,       ///< labelled examples classified correctly (fractional for
                     ///< per-position outputs); 0 for mse
  SquaredError = 3,  ///< sum of per-example mean squared errors; 0 unless mse
  AbsoluteError = 4, ///< sum of per-example mean absolute errors; 0 unless mse
};
constexpr int64_t kNumEvalSums = 5;

struct MultitaskLossValues {
  /// tensor<Txf32>: L_j, the mean over the examples labelled for task j of
  /// the per-example loss (0 when none is labelled).
  mlir::Value perTask;
  /// tensor<f32>: sum_j w_j L_j, or with uncertainty weighting
  /// sum_j L_j / (2 exp(s_j)) + s_j / 2.
  mlir::Value total;
  /// tensor<Tx5xf32>: per task the sums named by EvalSum.
  mlir::Value evalSums;
};

/// Builds the loss of `op` at the builder's insertion point.
///
/// Per example, the loss is the mean over its non-batch positions of:
///  - cross_entropy: -log_softmax(logits)[label], computed max-shifted so
///    large logits stay finite (an out-of-range label picks no class and
///    costs the log-sum-exp);
///  - binary_cross_entropy: BCEWithLogits, max(x, 0) - x y + log(1 +
///    exp(-|x|));
///  - mse: the squared error (over every element).
/// A prediction counts as correct when the first maximal logit is the label
/// (cross_entropy: ties go to the lowest class index, like torch.argmax) or
/// when (x > 0) == (y > 0.5) (binary_cross_entropy); per-position outputs
/// count the fraction of positions correct per example.
///
/// `weights` (tensor<Txf32>: the static weights, or DWA/GradNorm weights the
/// caller computes) scales the per-task losses; when `logVars`
/// (tensor<Txf32>, uncertainty's s_j) is given, it replaces the weights,
/// which may then be null. Fails with a diagnostic on `op` for unranked
/// operands or ill-typed weights.
///
/// With `sumCountsOverRanks`, the labelled counts are summed over the
/// data-parallel ranks (one mt.all_reduce) before they divide, so each
/// rank's L_j is its share of the global batch's mean and the ranks' L_j
/// (and their gradients) add up to one process's.
mlir::FailureOr<MultitaskLossValues>
buildMultitaskLoss(PrimitiveBuilder &b, MultitaskLossOp op, mlir::Value weights,
                   mlir::Value logVars, bool sumCountsOverRanks = false);

/// The balanced total of per-task losses `perTask`: sum_j w_j L_j, or with
/// `logVars` sum_j L_j / (2 exp(s_j)) + s_j / 2.
mlir::Value combineTaskLosses(PrimitiveBuilder &b, mlir::Value perTask,
                              mlir::Value weights, mlir::Value logVars);

} // namespace mt

#endif // MT_TRAINING_LOSSBUILDER_H
