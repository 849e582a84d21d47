//===- InferShapes.cpp - the mt-infer-shapes pass -------------------------===//
//
// Replaces every result type of an mt op with the type the op infers from
// its operands, in program order, so that each op sees ranked operands
// once its producers have been visited; then makes each function's result
// types match what it returns.
//
// Preconditions: function arguments are ranked tensors. The batch dimension
// stays dynamic; everything else becomes static.
//
//===----------------------------------------------------------------------===//

#include "PassDetail.h"
#include "Transforms/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mt/Dialect/MTOps.h"

using namespace mlir;

namespace {
struct InferShapesPass : public mt::InferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    for (FuncOp func : getOperation().getOps<FuncOp>())
      if (failed(inferFunction(func)))
        return signalPassFailure();
  }

  LogicalResult inferFunction(FuncOp func) {
    for (BlockArgument arg : func.getArguments())
      if (!arg.getType().isa<RankedTensorType>() &&
          arg.getType().isa<TensorType>())
        return func.emitError() << "argument #" << arg.getArgNumber()
                                << " of @" << func.getName()
                                << " must have a ranked type, got "
                                << arg.getType();

    WalkResult walk = func.walk([&](mt::ShapeInference op) {
      for (Type type : op->getOperandTypes())
        if (type.isa<UnrankedTensorType>()) {
          op->emitOpError() << "has an operand of unknown shape " << type
                            << " (its producer infers no shape)";
          return WalkResult::interrupt();
        }
      SmallVector<Type, 2> inferred;
      if (failed(op.inferResultTypes(inferred)))
        return WalkResult::interrupt();
      for (auto [result, type] : llvm::zip(op->getResults(), inferred))
        result.setType(type);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();

    // A function's result types follow what its terminator returns.
    Block &entry = func.getBody().front();
    if (auto ret = dyn_cast<ReturnOp>(entry.getTerminator()))
      func.setType(FunctionType::get(func.getContext(),
                                     func.getType().getInputs(),
                                     ret.getOperandTypes()));
    return success();
  }
};
} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mt::createInferShapesPass() {
  return std::make_unique<InferShapesPass>();
}
