//===- OutlineKernels.cpp - the mt-outline-kernels pass -------------------===//
//
// Wraps every primitive op of an entry point in its own `mt.kernel`: the
// unit that code generation turns into one Halide pipeline. This is the
// unfused grouping (one primitive per kernel); fusion will only change which
// ops share a kernel, so everything after this pass works on kernels.
//
// Constants are cloned into the kernels that read them (a constant is part
// of the computation, not a buffer); parameters (mt.param_ref) and function
// arguments stay outside and come in as kernel inputs.
//
// Preconditions: primitive ops only (mt-decompose, mt-prune-to-inference).
//
//===----------------------------------------------------------------------===//

#include "PassDetail.h"
#include "Transforms/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BlockAndValueMapping.h"
#include "mlir/IR/Builders.h"
#include "mt/Dialect/MTOps.h"

using namespace mlir;
using namespace mt;

namespace {

struct OutlineKernelsPass : public OutlineKernelsBase<OutlineKernelsPass> {
  void runOnOperation() override {
    for (FuncOp func : getOperation().getOps<FuncOp>())
      if (failed(outline(func)))
        return signalPassFailure();
  }

  LogicalResult outline(FuncOp func) {
    SmallVector<Operation *, 64> primitives;
    for (Operation &op : func.getBody().front()) {
      if (isa<ParamRefOp, ReturnOp, KernelOp>(op))
        continue;
      if (isa<mt::ConstantOp>(op)) {
        // A constant is cloned into its readers, unless a function result
        // needs it as a buffer of its own.
        if (llvm::any_of(op.getUsers(),
                         [](Operation *user) { return isa<ReturnOp>(user); }))
          primitives.push_back(&op);
        continue;
      }
      if (isa<ParameterizedOp, DropoutOp>(op) || !isa<MTDialect>(op.getDialect()))
        return op.emitOpError("is not a primitive; run mt-decompose and "
                              "mt-prune-to-inference before mt-outline-kernels");
      primitives.push_back(&op);
    }
    for (Operation *op : primitives)
      wrap(op);
    // Constants now live inside the kernels that read them.
    for (Operation &op : llvm::make_early_inc_range(func.getBody().front()))
      if (isa<mt::ConstantOp>(op) && op.use_empty())
        op.erase();
    return success();
  }

  void wrap(Operation *op) {
    OpBuilder builder(op);
    SmallVector<Value, 4> inputs;
    for (Value operand : op->getOperands())
      if (!operand.getDefiningOp<mt::ConstantOp>() && !llvm::is_contained(inputs, operand))
        inputs.push_back(operand);

    std::string name = "k" + std::to_string(counter++) + "_" +
                       op->getName().stripDialect().str();
    auto kernel = builder.create<KernelOp>(
        op->getLoc(), op->getResultTypes(), inputs, builder.getStringAttr(name));
    Block *body = new Block();
    kernel.getBody().push_back(body);
    BlockAndValueMapping mapping;
    for (Value input : inputs)
      mapping.map(input, body->addArgument(input.getType(), input.getLoc()));

    OpBuilder inside = OpBuilder::atBlockEnd(body);
    for (Value operand : op->getOperands())
      if (auto constant = operand.getDefiningOp<mt::ConstantOp>())
        if (!mapping.contains(operand))
          mapping.map(operand, inside.clone(*constant)->getResult(0));
    Operation *clone = inside.clone(*op, mapping);
    inside.create<YieldOp>(op->getLoc(), clone->getResults());

    op->replaceAllUsesWith(kernel.getResults());
    op->erase();
  }

  unsigned counter = 0;
};
} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mt::createOutlineKernelsPass() {
  return std::make_unique<OutlineKernelsPass>();
}
