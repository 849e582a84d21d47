//===- PrimitiveBuilder.h - building typed mt primitives --------*- C++ -*-===//
//
// Creates primitive ops with their result types inferred (through the ops'
// ShapeInference interface), so decompositions read like the math they
// implement. Operands must be ranked.
//
//===----------------------------------------------------------------------===//

#ifndef MT_TRANSFORMS_PRIMITIVEBUILDER_H
#define MT_TRANSFORMS_PRIMITIVEBUILDER_H

#include "mt/Dialect/MTOps.h"

#include "mlir/IR/Builders.h"

namespace mt {

class PrimitiveBuilder {
public:
  PrimitiveBuilder(mlir::OpBuilder &builder, mlir::Location loc)
      : b(builder), loc(loc) {}

  mlir::OpBuilder &builder() { return b; }
  mlir::Location location() const { return loc; }

  /// Creates `OpTy` with unranked results, then sets the inferred types.
  template <typename OpTy, typename... Args>
  mlir::Value create(Args &&...args) {
    auto op = b.create<OpTy>(loc, unrankedF32(), std::forward<Args>(args)...);
    inferTypes(op);
    return op->getResult(0);
  }

  mlir::Value param(llvm::StringRef name);
  mlir::Value scalar(float value);
  /// A constant tensor with the given shape and row-major values.
  mlir::Value constant(llvm::ArrayRef<int64_t> shape,
                       llvm::ArrayRef<float> values);

  mlir::Value add(mlir::Value a, mlir::Value b);
  mlir::Value sub(mlir::Value a, mlir::Value b);
  mlir::Value mul(mlir::Value a, mlir::Value b);
  mlir::Value div(mlir::Value a, mlir::Value b);
  mlir::Value scale(mlir::Value a, float factor);
  /// x W^T for a PyTorch [out, in] weight, plus an optional bias.
  mlir::Value linear(mlir::Value x, mlir::Value weight, mlir::Value bias);
  mlir::Value activation(mlir::Value x, llvm::StringRef kind);
  /// Batched product; only `true` flags are written (defaults stay implicit).
  mlir::Value batchMatmul(mlir::Value lhs, mlir::Value rhs, bool transposeLhs,
                          bool transposeRhs);
  mlir::Value reduceSum(mlir::Value x, int64_t axis, bool keepDims);
  /// The sum of every element, as a rank-0 value.
  mlir::Value sumAll(mlir::Value x);
  /// One mt.all_reduce of `values`: their sums over the data-parallel ranks.
  llvm::SmallVector<mlir::Value, 16> allReduce(mlir::ValueRange values);
  mlir::Value compare(mlir::Value lhs, mlir::Value rhs,
                      llvm::StringRef predicate);
  mlir::Value reduceMax(mlir::Value x, int64_t axis, bool keepDims);
  mlir::Value reduceMean(mlir::Value x, int64_t axis, bool keepDims);
  mlir::Value softmaxLastAxis(mlir::Value x);
  mlir::Value slice(mlir::Value x, int64_t axis, int64_t start, int64_t size);
  mlir::Value transpose(mlir::Value x, llvm::ArrayRef<int64_t> permutation);
  mlir::Value reshape(mlir::Value x, llvm::ArrayRef<int64_t> shape);
  mlir::Value broadcastInDim(mlir::Value x, llvm::ArrayRef<int64_t> shape,
                             llvm::ArrayRef<int64_t> dimensions);
  mlir::Value oneHot(mlir::Value ids, int64_t depth, mlir::Type elementType);
  mlir::Value cast(mlir::Value x, mlir::Type elementType);
  mlir::Value select(mlir::Value condition, mlir::Value onTrue,
                     mlir::Value onFalse);

private:
  mlir::Type unrankedF32();
  void inferTypes(mlir::Operation *op);

  mlir::OpBuilder &b;
  mlir::Location loc;
};

llvm::ArrayRef<int64_t> shapeOf(mlir::Value value);

} // namespace mt

#endif // MT_TRANSFORMS_PRIMITIVEBUILDER_H
