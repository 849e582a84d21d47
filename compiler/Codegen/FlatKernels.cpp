//===- FlatKernels.cpp - elementwise kernels over one flat dimension ------===//

#include "Codegen/FlatKernels.h"

#include "mt/Dialect/FusionKind.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BlockAndValueMapping.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>

using namespace mlir;

namespace mt {
namespace {

int64_t rankOf(Value value) {
  return value.getType().cast<RankedTensorType>().getRank();
}

} // namespace

Type flatType(Type type) {
  auto tensor = type.cast<RankedTensorType>();
  if (tensor.getRank() == 0)
    return tensor;
  return RankedTensorType::get({ShapedType::kDynamicSize},
                               tensor.getElementType());
}

bool isFlattenable(KernelOp kernel) {
  Block &body = kernel.getBody().front();
  std::optional<ArrayRef<int64_t>> common;
  auto fits = [&](Value value) {
    auto type = value.getType().cast<RankedTensorType>();
    if (type.getRank() == 0)
      return true;
    if (!common)
      common = type.getShape();
    return type.getShape() == *common;
  };
  for (BlockArgument arg : body.getArguments())
    if (!fits(arg))
      return false;
  for (Operation &op : body.without_terminator()) {
    // A dropout mask hashes each element's position; constants other than
    // scalars carry their shape in the attribute.
    bool elementwise = getFusionKind(&op) == FusionKind::Elementwise &&
                       !isa<DropoutMaskOp, DropoutOp>(op);
    bool scalarConstant =
        isa<mt::ConstantOp>(op) && rankOf(op.getResult(0)) == 0;
    if (!elementwise && !scalarConstant)
      return false;
    if (!llvm::all_of(op.getOperands(), fits) ||
        !llvm::all_of(op.getResults(), fits))
      return false;
  }
  // Nothing of rank > 0: nothing to share.
  return common.has_value();
}

KernelOp cloneFlattened(KernelOp kernel, OpBuilder &builder) {
  Location loc = kernel.getLoc();
  Block &body = kernel.getBody().front();
  SmallVector<Type> inputTypes, resultTypes;
  for (BlockArgument arg : body.getArguments())
    inputTypes.push_back(flatType(arg.getType()));
  for (Type type : kernel.getResultTypes())
    resultTypes.push_back(flatType(type));

  // A function holding the copy, so that the copy's operands are values.
  auto func =
      builder.create<FuncOp>(loc, (kernel.getKernelName() + "_flat").str(),
                             builder.getFunctionType(inputTypes, {}));
  Block *entry = func.addEntryBlock();
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(entry);
  auto copy = builder.create<KernelOp>(loc, resultTypes, entry->getArguments(),
                                       kernel.getKernelName());
  Block *copyBody = new Block();
  copy.getBody().push_back(copyBody);
  BlockAndValueMapping mapping;
  for (auto [arg, type] : llvm::zip(body.getArguments(), inputTypes))
    mapping.map(arg, copyBody->addArgument(type, arg.getLoc()));
  builder.setInsertionPointToStart(copyBody);
  for (Operation &op : body) {
    Operation *cloned = builder.clone(op, mapping);
    for (Value result : cloned->getResults())
      result.setType(flatType(result.getType()));
  }
  builder.setInsertionPointAfter(copy);
  builder.create<ReturnOp>(loc);
  return copy;
}

} // namespace mt
