//===- MTOps.cpp - mt op definitions, shared verifier, folders ------------===//
//
// Shape rules live in ShapeInference.cpp and parameter lists in
// Parameters.cpp; this file holds what ties them to the ops.
//
//===----------------------------------------------------------------------===//

#include "mt/Dialect/MTOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace mt;

#include "mt/Dialect/MTInterfaces.cpp.inc"

LogicalResult mt::verifyShapedOp(Operation *op) {
  if (isa<ParameterizedOp>(op)) {
    auto path = op->getAttrOfType<StringAttr>("path");
    if (path && path.getValue().empty())
      return op->emitOpError("'path' must not be empty: it prefixes the "
                             "parameter names");
  }
  auto shaped = cast<ShapeInference>(op);
  if (failed(shaped.verifyAttributes()))
    return failure();
  for (Type type : op->getOperandTypes())
    if (!type.isa<RankedTensorType>())
      return success(); // mt-infer-shapes has not run yet.

  SmallVector<Type, 2> inferred;
  if (failed(shaped.inferResultTypes(inferred)))
    return failure();
  assert(inferred.size() == op->getNumResults() &&
         "inferResultTypes must give one type per result");
  for (auto it : llvm::enumerate(op->getResultTypes())) {
    Type declared = it.value();
    Type expected = inferred[it.index()];
    bool matches = declared.isa<RankedTensorType>()
                       ? declared == expected
                       : declared.cast<TensorType>().getElementType() ==
                             expected.cast<TensorType>().getElementType();
    if (!matches)
      return op->emitOpError() << "result #" << it.index() << " has type "
                               << declared << ", but the operands give "
                               << expected;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ParamOp, ParamRefOp
//===----------------------------------------------------------------------===//

LogicalResult mt::verifyParamOp(ParamOp op) {
  auto type = op.type().dyn_cast<RankedTensorType>();
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
    return op.emitOpError()
           << "parameter type must be a static f32 tensor, got "
           << op.type();
  StringRef init = op.getInit();
  bool scaled = init == "uniform" || init == "normal";
  FloatAttr scale = op.getScaleAttr();
  if (scaled && (!scale || !(scale.getValueAsDouble() > 0.0)))
    return op.emitOpError() << "init '" << init
                            << "' needs a positive 'scale'";
  if (!scaled && scale)
    return op.emitOpError() << "init '" << init << "' takes no 'scale'";
  return success();
}

LogicalResult ParamRefOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto param =
      symbols.lookupNearestSymbolFrom<ParamOp>(*this, getParameterAttr());
  if (!param)
    return emitOpError() << getParameterAttr()
                         << " does not name an mt.param";
  if (param.type() != getType())
    return emitOpError() << "type " << getType()
                         << " does not match parameter "
                         << getParameterAttr() << " of type "
                         << param.type();
  return success();
}

//===----------------------------------------------------------------------===//
// KernelOp
//===----------------------------------------------------------------------===//

LogicalResult mt::verifyKernelOp(KernelOp op) {
  Block &body = op.getBody().front();
  if (body.getNumArguments() != op.getInputs().size())
    return op.emitOpError() << "body has " << body.getNumArguments()
                            << " arguments for " << op.getInputs().size()
                            << " inputs";
  for (auto [arg, input] : llvm::zip(body.getArguments(), op.getInputs()))
    if (arg.getType() != input.getType())
      return op.emitOpError() << "body argument #" << arg.getArgNumber()
                              << " has type " << arg.getType()
                              << ", but the input has " << input.getType();
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != op.getResultTypes())
    return op.emitOpError("yielded types differ from the kernel's result types");
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(ArrayRef<Attribute>) { return getValue(); }

LogicalResult ConstantOp::inferReturnTypes(
    MLIRContext *, Optional<Location>, ValueRange, DictionaryAttr attributes,
    RegionRange, SmallVectorImpl<Type> &inferredReturnTypes) {
  auto value = attributes.getAs<ElementsAttr>("value");
  if (!value)
    return failure();
  inferredReturnTypes.push_back(value.getType());
  return success();
}

#define GET_OP_CLASSES
#include "mt/Dialect/MTOps.cpp.inc"
