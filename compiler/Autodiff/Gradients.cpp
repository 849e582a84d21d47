//===- Gradients.cpp - reverse-mode autodiff of mt primitives -------------===//
//
// Algorithm (one call, one loss):
//   1. Slice: the ops of the loss's block that the loss depends on; block
//      order is a topological order of them (SSA in one block).
//   2. Activity, forward: a value is active when it is f32 and depends on a
//      `wrt` value through differentiable operands (int and bool values, and
//      the operands a rule ignores, such as gather indices, cut the flow).
//      An op without a rule passes activity on to all its f32 results, so
//      that step 3 can name it.
//   3. Usefulness, backward: an active value is useful when the loss depends
//      on it through differentiable operands. A useful op without a rule is
//      "not differentiable": the call fails before emitting anything.
//   4. Reverse sweep over the useful ops, last to first: each rule turns the
//      adjoint of its result into adjoints of its useful operands; several
//      uses of one value (fan-out) accumulate with mt.add. Only useful
//      operands get adjoints, so branches that lead to no `wrt` value (or to
//      no loss) emit nothing.
//
// The forward ops are only read, so several calls on one forward pass (one
// loss per task) each append their own adjoint computation.
//
//===----------------------------------------------------------------------===//

#include "Autodiff/Gradients.h"
#include "Autodiff/GradientRules.h"

#include "mt/Dialect/MTOps.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <algorithm>

using namespace mlir;
using namespace mt;
using namespace mt::autodiff;

static bool isF32Tensor(Value value) {
  auto type = value.getType().dyn_cast<TensorType>();
  return type && type.getElementType().isF32();
}

/// The ops of `loss`'s block that `loss` depends on, in block order.
static SmallVector<Operation *, 32> getLossSlice(Value loss) {
  Block *block = loss.getParentBlock();
  llvm::DenseSet<Operation *> slice;
  SmallVector<Operation *, 32> worklist;
  if (Operation *def = loss.getDefiningOp())
    worklist.push_back(def);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (op->getBlock() != block || !slice.insert(op).second)
      continue;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        worklist.push_back(def);
  }
  SmallVector<Operation *, 32> ordered;
  for (Operation &op : *block)
    if (slice.contains(&op))
      ordered.push_back(&op);
  return ordered;
}

namespace {
/// The ops to differentiate and which of their operands want adjoints.
struct SweepPlan {
  /// Useful ops in block order.
  SmallVector<Operation *, 32> ops;
  /// Per useful op, the operands that get an adjoint.
  llvm::DenseMap<Operation *, llvm::SmallBitVector> neededOperands;
  /// Whether the loss depends on any `wrt` value at all.
  bool lossIsActive = false;
};
} // namespace

/// Steps 2 and 3 of the algorithm; fails on a useful op without a rule.
static FailureOr<SweepPlan> planSweep(Value loss, ArrayRef<Value> wrt) {
  SmallVector<Operation *, 32> slice = getLossSlice(loss);

  // Which operands carry gradient: the rule's set, or every operand of an
  // op without a rule (None).
  llvm::DenseMap<Operation *, Optional<llvm::SmallBitVector>> flows;
  auto flowsInto = [&](Operation *op, unsigned index) {
    const Optional<llvm::SmallBitVector> &bits = flows[op];
    return !bits || bits->test(index);
  };

  llvm::DenseSet<Value> active;
  for (Value value : wrt)
    if (isF32Tensor(value))
      active.insert(value);
  // Ops with an active differentiable operand: the forward path from `wrt`.
  llvm::DenseSet<Operation *> onPath;
  for (Operation *op : slice) {
    flows[op] = getDifferentiableOperands(op);
    for (OpOperand &operand : op->getOpOperands())
      if (active.contains(operand.get()) &&
          flowsInto(op, operand.getOperandNumber()))
        onPath.insert(op);
    if (onPath.contains(op))
      for (Value result : op->getResults())
        if (isF32Tensor(result))
          active.insert(result);
  }

  SweepPlan plan;
  plan.lossIsActive = active.contains(loss);
  llvm::DenseSet<Value> useful;
  if (plan.lossIsActive)
    useful.insert(loss);
  for (Operation *op : llvm::reverse(slice)) {
    if (!onPath.contains(op) ||
        llvm::none_of(op->getResults(),
                      [&](Value result) { return useful.contains(result); }))
      continue;
    if (!flows[op]) {
      op->emitOpError("is not differentiable");
      return failure();
    }
    llvm::SmallBitVector needed(op->getNumOperands());
    for (OpOperand &operand : op->getOpOperands()) {
      unsigned index = operand.getOperandNumber();
      if (active.contains(operand.get()) && flowsInto(op, index)) {
        needed.set(index);
        useful.insert(operand.get());
      }
    }
    plan.ops.push_back(op);
    plan.neededOperands[op] = std::move(needed);
  }
  std::reverse(plan.ops.begin(), plan.ops.end());
  return plan;
}

FailureOr<SmallVector<Value, 4>>
mt::buildGradients(OpBuilder &builder, Value loss, ArrayRef<Value> wrt) {
  auto lossType = loss.getType().dyn_cast<RankedTensorType>();
  if (!lossType || lossType.getRank() != 0 ||
      !lossType.getElementType().isF32()) {
    emitError(loss.getLoc())
        << "expected a rank-0 f32 loss, got " << loss.getType();
    return failure();
  }
  FailureOr<SweepPlan> plan = planSweep(loss, wrt);
  if (failed(plan))
    return failure();

  PrimitiveBuilder b(builder, loss.getLoc());
  llvm::DenseMap<Value, Value> adjoints;
  auto accumulate = [&](Value value, Value adjoint) {
    assert(adjoint.getType() == value.getType() &&
           "a gradient rule built an adjoint of the wrong type");
    Value &slot = adjoints[value];
    slot = slot ? b.add(slot, adjoint) : adjoint;
  };
  // d loss / d loss = 1 (also when `loss` is itself a `wrt` value).
  if (plan->lossIsActive)
    adjoints[loss] = b.scalar(1.0f);

  for (Operation *op : llvm::reverse(plan->ops)) {
    // Every useful op is a primitive with one result.
    Value dy = adjoints.lookup(op->getResult(0));
    assert(dy && "a useful op's result has an adjoint");
    PrimitiveBuilder opBuilder(builder, op->getLoc());
    SmallVector<Value, 3> dx(op->getNumOperands());
    RuleContext context{opBuilder, dy, plan->neededOperands[op], dx};
    applyGradientRule(op, context);
    for (auto [operand, adjoint] : llvm::zip(op->getOperands(), dx))
      if (adjoint)
        accumulate(operand, adjoint);
  }

  SmallVector<Value, 4> gradients;
  for (Value value : wrt) {
    Value adjoint = adjoints.lookup(value);
    gradients.push_back(adjoint ? adjoint : zerosLike(b, value.getType()));
  }
  return gradients;
}
