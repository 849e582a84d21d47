//===- PrimitiveBuilder.cpp - building typed mt primitives ----------------===//
//
// Each builder creates one primitive with unranked results and lets the
// op's own shape inference set the types, so the rules live in one place.
//
//===----------------------------------------------------------------------===//

#include "Transforms/PrimitiveBuilder.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mt;

ArrayRef<int64_t> mt::shapeOf(Value value) {
  return value.getType().cast<RankedTensorType>().getShape();
}

Type PrimitiveBuilder::unrankedF32() {
  return UnrankedTensorType::get(b.getF32Type());
}

void PrimitiveBuilder::inferTypes(Operation *op) {
  SmallVector<Type, 2> types;
  LogicalResult inferred = llvm::cast<ShapeInference>(op).inferResultTypes(types);
  (void)inferred;
  assert(succeeded(inferred) && "a decomposition built an ill-typed primitive");
  for (auto [result, type] : llvm::zip(op->getResults(), types))
    result.setType(type);
}

Value PrimitiveBuilder::param(StringRef name) {
  auto module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  auto param = SymbolTable::lookupNearestSymbolFrom<ParamOp>(
      module, b.getStringAttr(name));
  assert(param && "decomposition needs materialized parameters");
  return b.create<ParamRefOp>(loc, param.type(),
                              SymbolRefAttr::get(b.getContext(), name));
}

Value PrimitiveBuilder::scalar(float value) { return constant({}, {value}); }

Value PrimitiveBuilder::constant(ArrayRef<int64_t> shape,
                                 ArrayRef<float> values) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return b.create<ConstantOp>(loc, DenseElementsAttr::get(type, values));
}

Value PrimitiveBuilder::add(Value x, Value y) { return create<AddOp>(x, y); }
Value PrimitiveBuilder::sub(Value x, Value y) { return create<SubOp>(x, y); }
Value PrimitiveBuilder::mul(Value x, Value y) { return create<MulOp>(x, y); }
Value PrimitiveBuilder::div(Value x, Value y) { return create<DivOp>(x, y); }
Value PrimitiveBuilder::scale(Value x, float factor) {
  return mul(x, scalar(factor));
}

Value PrimitiveBuilder::linear(Value x, Value weight, Value bias) {
  Value y = create<MatmulOp>(x, weight, b.getBoolAttr(true));
  return bias ? add(y, bias) : y;
}

Value PrimitiveBuilder::batchMatmul(Value lhs, Value rhs, bool transposeLhs,
                                    bool transposeRhs) {
  SmallVector<NamedAttribute, 2> attributes;
  if (transposeLhs)
    attributes.push_back(b.getNamedAttr("transpose_lhs", b.getBoolAttr(true)));
  if (transposeRhs)
    attributes.push_back(b.getNamedAttr("transpose_rhs", b.getBoolAttr(true)));
  auto op = b.create<BatchMatmulOp>(loc, TypeRange{unrankedF32()},
                                    ValueRange{lhs, rhs}, attributes);
  inferTypes(op);
  return op;
}

Value PrimitiveBuilder::activation(Value x, StringRef kind) {
  if (kind == "relu")
    return create<ReluOp>(x);
  if (kind == "gelu")
    return create<GeluOp>(x);
  if (kind == "tanh")
    return create<TanhOp>(x);
  if (kind == "sigmoid")
    return create<SigmoidOp>(x);
  assert(kind == "none" && "the verifier admits only known activations");
  return x;
}

Value PrimitiveBuilder::reduceSum(Value x, int64_t axis, bool keepDims) {
  return create<ReduceSumOp>(x, b.getI64IntegerAttr(axis),
                             b.getBoolAttr(keepDims));
}
Value PrimitiveBuilder::sumAll(Value x) {
  // Axis by axis, so a dynamic batch dimension needs no reshape.
  for (size_t rank = shapeOf(x).size(); rank > 0; --rank)
    x = reduceSum(x, 0, /*keepDims=*/false);
  return x;
}

SmallVector<Value, 16> PrimitiveBuilder::allReduce(ValueRange values) {
  auto op = b.create<AllReduceOp>(loc, values.getTypes(), values);
  return SmallVector<Value, 16>(op.getResults().begin(), op.getResults().end());
}

Value PrimitiveBuilder::compare(Value lhs, Value rhs, StringRef predicate) {
  auto op = b.create<CompareOp>(loc, UnrankedTensorType::get(b.getI1Type()),
                                lhs, rhs, b.getStringAttr(predicate));
  inferTypes(op);
  return op;
}

Value PrimitiveBuilder::reduceMax(Value x, int64_t axis, bool keepDims) {
  return create<ReduceMaxOp>(x, b.getI64IntegerAttr(axis),
                             b.getBoolAttr(keepDims));
}
Value PrimitiveBuilder::reduceMean(Value x, int64_t axis, bool keepDims) {
  return create<ReduceMeanOp>(x, b.getI64IntegerAttr(axis),
                              b.getBoolAttr(keepDims));
}

// softmax(x) = exp(x - max x) / sum exp(x - max x): the max keeps exp finite.
Value PrimitiveBuilder::softmaxLastAxis(Value x) {
  int64_t axis = shapeOf(x).size() - 1;
  Value shifted = sub(x, reduceMax(x, axis, /*keepDims=*/true));
  Value e = create<ExpOp>(shifted);
  return div(e, reduceSum(e, axis, /*keepDims=*/true));
}

Value PrimitiveBuilder::slice(Value x, int64_t axis, int64_t start,
                              int64_t size) {
  return create<SliceOp>(x, b.getI64IntegerAttr(axis),
                         b.getI64IntegerAttr(start), b.getI64IntegerAttr(size));
}

Value PrimitiveBuilder::transpose(Value x, ArrayRef<int64_t> permutation) {
  auto op = b.create<TransposeOp>(loc, unrankedF32(), x,
                                  b.getI64ArrayAttr(permutation));
  inferTypes(op);
  return op;
}

Value PrimitiveBuilder::reshape(Value x, ArrayRef<int64_t> shape) {
  auto elementType = x.getType().template cast<TensorType>().getElementType();
  return b.create<ReshapeOp>(loc, RankedTensorType::get(shape, elementType),
                             x);
}

Value PrimitiveBuilder::broadcastInDim(Value x, ArrayRef<int64_t> shape,
                                       ArrayRef<int64_t> dimensions) {
  auto elementType = x.getType().template cast<TensorType>().getElementType();
  return b.create<BroadcastInDimOp>(
      loc, RankedTensorType::get(shape, elementType), x,
      b.getI64ArrayAttr(dimensions));
}

Value PrimitiveBuilder::oneHot(Value ids, int64_t depth, Type elementType) {
  auto op = b.create<OneHotOp>(loc, UnrankedTensorType::get(elementType), ids,
                               b.getI64IntegerAttr(depth));
  inferTypes(op);
  return op;
}

Value PrimitiveBuilder::cast(Value x, Type elementType) {
  auto op = b.create<CastOp>(loc, UnrankedTensorType::get(elementType), x);
  inferTypes(op);
  return op;
}

Value PrimitiveBuilder::select(Value condition, Value onTrue, Value onFalse) {
  return create<SelectOp>(condition, onTrue, onFalse);
}
