//===- PruneToInference.cpp - the mt-prune-to-inference pass --------------===//
//
// Turns the model function `@forward` into its inference entry point: it returns the
// task predictions (the multitask loss's prediction operands, in task
// order), without the loss, with dropout as the identity, and without the
// arguments only the loss used (labels, label mask). Each result is named
// after its task (`mt.output`, `mt.task_kind`); each i32 argument that feeds
// an id lookup records its exclusive bound (`mt.id_bound`) so the runtime
// can reject an out-of-range id before it reaches a kernel.
//
// Preconditions: shapes inferred. Runs before or after mt-decompose (the
// bounds are read from embedding / task_encoder or the gather / one_hot they
// become); after it, the dropout that decomposition creates goes too. Every
// argument left must be named by `mt.input` (its dataset tensor).
//
//===----------------------------------------------------------------------===//

#include "PassDetail.h"
#include "Transforms/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Builders.h"
#include "mt/Dialect/MTOps.h"

using namespace mlir;
using namespace mt;

namespace {

/// The exclusive bound an i32 id must respect where `use` consumes it.
static int64_t idBoundAt(OpOperand &use) {
  Operation *owner = use.getOwner();
  if (auto op = dyn_cast<EmbeddingOp>(owner))
    return op.getNumEmbeddingsAttr().getInt();
  if (auto op = dyn_cast<TaskEncoderOp>(owner))
    return use.get() == op.getTask() ? op.getNumTasksAttr().getInt() : 0;
  if (auto op = dyn_cast<OneHotOp>(owner))
    return op.getDepthAttr().getInt();
  if (auto op = dyn_cast<GatherOp>(owner))
    return op.getTable().getType().cast<RankedTensorType>().getDimSize(0);
  return 0;
}

struct PruneToInferencePass
    : public PruneToInferenceBase<PruneToInferencePass> {
  void runOnOperation() override {
    // Other entry points (mt-autodiff's training steps) are left alone.
    FuncOp forward = getOperation().lookupSymbol<FuncOp>("forward");
    if (forward && failed(prune(forward)))
      signalPassFailure();
  }

  LogicalResult prune(FuncOp func) {
    SmallVector<MultitaskLossOp, 1> losses;
    func.walk([&](MultitaskLossOp op) { losses.push_back(op); });
    if (losses.size() != 1)
      return func.emitError() << "@" << func.getName()
                              << " needs exactly one mt.multitask_loss to "
                                 "name its tasks, found "
                              << losses.size();
    MultitaskLossOp loss = losses.front();
    SmallVector<Value, 4> predictions(loss.getPredictions().begin(),
                                      loss.getPredictions().end());
    ArrayAttr tasks = loss.getTasks(), kinds = loss.getKinds();

    recordIdBounds(func);

    auto ret = cast<ReturnOp>(func.getBody().front().getTerminator());
    OpBuilder builder(ret);
    builder.create<ReturnOp>(ret.getLoc(), predictions);
    ret.erase();

    func.walk([](DropoutOp op) {
      op.getResult().replaceAllUsesWith(op.getInput());
      op.erase();
    });
    eraseDeadOps(func);

    llvm::BitVector unused(func.getNumArguments());
    for (BlockArgument arg : func.getArguments())
      if (arg.use_empty())
        unused.set(arg.getArgNumber());
    func.eraseArguments(unused);
    for (BlockArgument arg : func.getArguments())
      if (!func.getArgAttr(arg.getArgNumber(), "mt.input"))
        return func.emitError()
               << "argument #" << arg.getArgNumber() << " of @"
               << func.getName()
               << " needs a dataset name, e.g. {mt.input = \"x\"}";

    SmallVector<Type, 4> resultTypes;
    for (Value value : predictions)
      resultTypes.push_back(value.getType());
    func.setType(builder.getFunctionType(func.getType().getInputs(),
                                         resultTypes));
    for (unsigned j = 0; j < predictions.size(); ++j) {
      func.setResultAttr(j, "mt.output", tasks[j]);
      func.setResultAttr(j, "mt.task_kind", kinds[j]);
    }
    return success();
  }

  void recordIdBounds(FuncOp func) {
    Builder builder(func.getContext());
    for (BlockArgument arg : func.getArguments()) {
      int64_t bound = 0;
      for (OpOperand &use : arg.getUses()) {
        int64_t here = idBoundAt(use);
        if (here > 0)
          bound = bound ? std::min(bound, here) : here;
      }
      if (bound > 0)
        func.setArgAttr(arg.getArgNumber(), "mt.id_bound",
                        builder.getI64IntegerAttr(bound));
    }
  }

  /// Removes ops whose results are unused (everything here is side-effect
  /// free), last first so chains disappear in one sweep.
  static void eraseDeadOps(FuncOp func) {
    Block &body = func.getBody().front();
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
      if (!op.hasTrait<mlir::OpTrait::IsTerminator>() && op.use_empty())
        op.erase();
  }
};
} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mt::createPruneToInferencePass() {
  return std::make_unique<PruneToInferencePass>();
}
