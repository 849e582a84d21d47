//===- OutlineKernels.cpp - the mt-outline-kernels pass -------------------===//
//
// Forms the kernels: wraps each fusion group of an entry point (the ops that
// mt-fuse marked with one `mt.fusion_group`; an unmarked op is a group of
// its own) in one `mt.kernel`, the unit that code generation turns into one
// Halide pipeline. The kernel sits at the group's last op; its inputs are
// the values the group reads from outside, its results the values of the
// group read outside it, in program order. Without mt-fuse this is the
// unfused grouping, one primitive per kernel.
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
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

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
    // Groups in program order of their first op.
    SmallVector<SmallVector<Operation *, 4>> groups;
    DenseMap<int64_t, size_t> groupOfId;
    for (Operation *op : primitives) {
      auto id = op->getAttrOfType<IntegerAttr>("mt.fusion_group");
      if (!id) {
        groups.push_back({op});
        continue;
      }
      auto [it, inserted] = groupOfId.try_emplace(id.getInt(), groups.size());
      if (inserted)
        groups.emplace_back();
      groups[it->second].push_back(op);
    }
    for (ArrayRef<Operation *> group : groups)
      if (failed(form(group)))
        return failure();
    // Constants now live inside the kernels that read them.
    for (Operation &op : llvm::make_early_inc_range(func.getBody().front()))
      if (isa<mt::ConstantOp>(op) && op.use_empty())
        op.erase();
    return success();
  }

  LogicalResult form(ArrayRef<Operation *> group) {
    SmallPtrSet<Operation *, 8> members(group.begin(), group.end());
    Operation *last = group.back();
    SmallVector<Value, 4> inputs, results;
    for (Operation *op : group) {
      for (Value operand : op->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if ((def && (members.contains(def) || isa<mt::ConstantOp>(def))) ||
            llvm::is_contained(inputs, operand))
          continue;
        inputs.push_back(operand);
      }
      for (Value result : op->getResults())
        for (Operation *user : result.getUsers()) {
          if (members.contains(user))
            continue;
          if (user->getBlock() == last->getBlock() &&
              user->isBeforeInBlock(last))
            return user->emitOpError("reads a value of the fusion group of '")
                   << group.front()->getName()
                   << "' before the group's last op: the group cannot be "
                      "formed into one kernel";
          results.push_back(result);
          break;
        }
    }

    OpBuilder builder(last);
    std::string name = "k" + std::to_string(counter++) + "_" +
                       group.front()->getName().stripDialect().str();
    SmallVector<Type, 2> resultTypes;
    for (Value result : results)
      resultTypes.push_back(result.getType());
    auto kernel = builder.create<KernelOp>(last->getLoc(), resultTypes, inputs,
                                           builder.getStringAttr(name));
    Block *body = new Block();
    kernel.getBody().push_back(body);
    BlockAndValueMapping mapping;
    for (Value input : inputs)
      mapping.map(input, body->addArgument(input.getType(), input.getLoc()));

    OpBuilder inside = OpBuilder::atBlockEnd(body);
    for (Operation *op : group) {
      for (Value operand : op->getOperands())
        if (auto constant = operand.getDefiningOp<mt::ConstantOp>())
          if (!mapping.contains(operand))
            mapping.map(operand, inside.clone(*constant)->getResult(0));
      inside.clone(*op, mapping)->removeAttr("mt.fusion_group");
    }
    SmallVector<Value, 2> yielded;
    for (Value result : results)
      yielded.push_back(mapping.lookup(result));
    inside.create<YieldOp>(last->getLoc(), yielded);

    for (auto [result, replacement] : llvm::zip(results, kernel.getResults()))
      result.replaceUsesWithIf(replacement, [&](OpOperand &use) {
        return !members.contains(use.getOwner());
      });
    for (Operation *op : llvm::reverse(group))
      op->erase();
    return success();
  }

  unsigned counter = 0;
};
} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mt::createOutlineKernelsPass() {
  return std::make_unique<OutlineKernelsPass>();
}
