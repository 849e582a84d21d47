//===- ShapeUtils.h - shape rules shared by the mt ops ----------*- C++ -*-===//

#ifndef MT_DIALECT_SHAPEUTILS_H
#define MT_DIALECT_SHAPEUTILS_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include <string>

namespace mt {

/// "[?, 16, 128]": how diagnostics print a shape.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// NumPy broadcasting, right-aligned. A static 1 stretches; a dynamic
/// (batch) dimension meets only another dynamic dimension or 1, since its
/// run-time size cannot be checked against a static one here. On failure
/// `why` says which dimensions clash.
mlir::FailureOr<llvm::SmallVector<int64_t, 4>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs,
                std::string &why);

} // namespace mt

#endif // MT_DIALECT_SHAPEUTILS_H
