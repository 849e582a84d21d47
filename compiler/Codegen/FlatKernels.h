//===- FlatKernels.h - elementwise kernels over one flat dimension -*- C++
//-*-===//
//
// A kernel whose ops are all position-independent elementwise ops, and
// whose every value is a scalar or has one common shape, computes the same
// numbers over that shape read as one flat dimension. Compiled that way
// (every non-scalar tensor as tensor<?x...>, its length taken from the
// buffers), kernels that differ only in shape share one Halide pipeline:
// Adam's update of every parameter is one kernel instead of one per
// parameter shape. The caller passes rank-1 buffers of the values' element
// counts (HostCodegen).
//
// Measured on the small benchmark config with training steps: 346 -> 248
// distinct kernels.
//
//===----------------------------------------------------------------------===//

#ifndef MT_CODEGEN_FLATKERNELS_H
#define MT_CODEGEN_FLATKERNELS_H

#include "mt/Dialect/MTOps.h"

#include "mlir/IR/Builders.h"

namespace mt {

/// Whether `kernel` computes the same numbers over its values flattened.
bool isFlattenable(KernelOp kernel);

/// A value's type in the flat copy: rank 0 stays, anything else is
/// tensor<?xE>.
mlir::Type flatType(mlir::Type type);

/// A copy of `kernel` (isFlattenable) inserted at `builder`'s point, whose
/// block arguments and op results of the common shape are rank-1 tensors of
/// dynamic length; scalars stay scalars. The copy's own operands are
/// placeholders: only its body is meant to be lowered.
KernelOp cloneFlattened(KernelOp kernel, mlir::OpBuilder &builder);

} // namespace mt

#endif // MT_CODEGEN_FLATKERNELS_H
