//===- GradientRules.h - one gradient rule per mt primitive -----*- C++ -*-===//
//
// The interface between the reverse sweep (Gradients.cpp) and the rules
// (GradientRules.cpp). Private to MTAutodiff.
//
//===----------------------------------------------------------------------===//

#ifndef MT_AUTODIFF_GRADIENTRULES_H
#define MT_AUTODIFF_GRADIENTRULES_H

#include "Transforms/PrimitiveBuilder.h"

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/SmallBitVector.h"

namespace mt {
namespace autodiff {

/// The operands of `op` that gradient flows into, one bit per operand (none
/// for leaves such as mt.constant; never indices, conditions or the shape
/// source of mt.dropout_mask). None when `op` has no gradient rule.
llvm::Optional<llvm::SmallBitVector>
getDifferentiableOperands(mlir::Operation *op);

/// What one rule application reads and writes.
struct RuleContext {
  PrimitiveBuilder &b;
  /// The adjoint of the op's (single) result.
  mlir::Value dy;
  /// Which operands want an adjoint: differentiable ones that depend on the
  /// inputs being differentiated. A rule emits nothing for the others, so
  /// dead branches cost no ops.
  const llvm::SmallBitVector &needed;
  /// Out: the adjoint of each needed operand, with exactly its type.
  llvm::SmallVectorImpl<mlir::Value> &dx;
};

/// Emits the adjoints of `op`'s needed operands into `context.dx`. `op` must
/// have a rule (see getDifferentiableOperands).
void applyGradientRule(mlir::Operation *op, RuleContext &context);

/// A zero tensor of `type` (a dynamic batch dimension included).
mlir::Value zerosLike(PrimitiveBuilder &b, mlir::Type type);

} // namespace autodiff
} // namespace mt

#endif // MT_AUTODIFF_GRADIENTRULES_H
