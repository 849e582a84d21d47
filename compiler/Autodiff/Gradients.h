//===- Gradients.h - reverse-mode autodiff of mt primitives -----*- C++ -*-===//
//
// Reverse-mode automatic differentiation of the primitive level (DESIGN.md
// §3 step 4): `buildGradients` appends, after a forward pass, the adjoint
// computation of one scalar loss. `mt-autodiff` builds `train_step` on it;
// each primitive's gradient rule is in GradientRules.cpp.
//
// Preconditions: the forward ops are primitives (after mt-decompose, with
// mt.dropout rewritten) with ranked result types, in the block that holds the
// builder's insertion point.
//
//===----------------------------------------------------------------------===//

#ifndef MT_AUTODIFF_GRADIENTS_H
#define MT_AUTODIFF_GRADIENTS_H

#include "mlir/IR/Builders.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

namespace mt {

/// Emits, at the builder's insertion point (after the forward ops), the
/// reverse-mode adjoint of `loss` (a rank-0 f32 value computed by primitive
/// ops in the same block) and returns d loss / d v for each v in `wrt`
/// (function arguments, mt.param_ref results or any forward value; a zero
/// tensor of v's type when the loss does not depend on it). An op on the path
/// from wrt to loss without a gradient rule emits "'mt.<op>' op is not
/// differentiable" and fails, before any op is emitted. Calling it several
/// times on one forward pass (one loss per task) works: it only appends ops.
mlir::FailureOr<llvm::SmallVector<mlir::Value, 4>>
buildGradients(mlir::OpBuilder &builder, mlir::Value loss,
               llvm::ArrayRef<mlir::Value> wrt);

} // namespace mt

#endif // MT_AUTODIFF_GRADIENTS_H
