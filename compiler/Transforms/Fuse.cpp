//===- Fuse.cpp - the mt-fuse pass: which primitives share a kernel -------===//
//
// Decides the fusion groups; mt-outline-kernels forms them (one mt.kernel
// per group), as IREE decides dispatch regions before it forms them.
//
// Algorithm (TVM's fuse_ops, restricted to what the schedules exploit):
//  - Graph: the primitive ops of one entry point, in program order; an edge
//    from an op to each op that reads its result. Constants and parameters
//    are not nodes: forming clones constants into their readers and passes
//    parameters as inputs.
//  - Kinds: each op declares its fusion kind (MTOps.td, FusionKind.h),
//    elementwise < broadcast < injective < reduction < out-elementwise-
//    fusable < opaque.
//  - Rules (kFusionRules, data): a consumer may join the group of a root of
//    kind R when a rule lists R among its roots and the consumer's kind
//    among its consumers, and, where the rule says so, the consumer's result
//    has the root's shape. Today's rules:
//     - a matmul-like root absorbs elementwise consumers of its shape (its
//       epilogue: bias, activation, residual, scale), which the schedule
//       computes in the matmul's register tiles;
//     - memory-bound ops of any shape share a group: elementwise chains,
//       broadcasts, data movement (reshape, slice, transpose, pad, concat,
//       gather, one_hot) and reductions with the ops around them. Softmax,
//       layer norm, the losses and mean pooling, forward and backward,
//       become row kernels this way: pure values are inlined into their
//       readers, and a reduction is computed once inside the kernel, then
//       read by the ops after it. Matmul-like and opaque ops never join:
//       their schedules want their operands in memory.
//  - Steps: walk the ops in order; an op not yet grouped starts a group as
//    its root; each later op joins the group if a rule allows it, it reads a
//    value of the group, and the group stays formable: no op outside the
//    group between the group's first op and the joining op reads a group
//    value (the kernel is formed at its last op, so every outside reader
//    must come after it). Groups hold at most kMaxGroupOps ops.
//  - Invariant: every op ends in exactly one group; values a group defines
//    and ops outside it read become the kernel's results.
//  - `one-op-groups` (mtc --no-fuse) makes every op its own group, in the
//    partitioner itself; both groupings compute the same numbers.
//
// Output: every grouped op carries `mt.fusion_group = N` (unique in its
// function, in program order of the roots), read by mt-outline-kernels.
//
// Preconditions: primitive ops only (mt-decompose, mt-prune-to-inference).
//
//===----------------------------------------------------------------------===//

#include "PassDetail.h"
#include "Transforms/Passes.h"

#include "mt/Dialect/FusionKind.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mt;

namespace {

/// A set of fusion kinds, as bits.
constexpr unsigned kinds(std::initializer_list<FusionKind> list) {
  unsigned bits = 0;
  for (FusionKind kind : list)
    bits |= 1u << static_cast<unsigned>(kind);
  return bits;
}

struct FusionRule {
  unsigned roots;
  unsigned consumers;
  bool sameShapeAsRoot;
};

constexpr unsigned kMemoryBound =
    kinds({FusionKind::Elementwise, FusionKind::Broadcast,
           FusionKind::Injective, FusionKind::Reduction});

/// Which consumers may join which roots (see the algorithm note).
constexpr FusionRule kFusionRules[] = {
    {kinds({FusionKind::OutEWiseFusable}), kinds({FusionKind::Elementwise}),
     /*sameShapeAsRoot=*/true},
    {kMemoryBound, kMemoryBound, /*sameShapeAsRoot=*/false},
};

/// TVM's cap on a group's size: keeps a kernel's Halide pipeline small.
constexpr size_t kMaxGroupOps = 16;

/// The rule letting `consumer` join a group rooted at `root`, if any.
const FusionRule *ruleFor(Operation *root, Operation *consumer) {
  unsigned rootBit = kinds({getFusionKind(root)});
  unsigned consumerBit = kinds({getFusionKind(consumer)});
  for (const FusionRule &rule : kFusionRules)
    if ((rule.roots & rootBit) && (rule.consumers & consumerBit))
      return &rule;
  return nullptr;
}

bool isNode(Operation &op) {
  return isa<MTDialect>(op.getDialect()) &&
         !isa<ParamRefOp, mt::ConstantOp, KernelOp>(op);
}

struct Group {
  Operation *root;
  SmallVector<Operation *> ops;
  SmallPtrSet<Operation *, 16> members;
};

struct FusePass : public FuseBase<FusePass> {
  explicit FusePass(bool oneOpGroupsByDefault) {
    oneOpGroups = oneOpGroupsByDefault;
  }

  void runOnOperation() override {
    for (FuncOp func : getOperation().getOps<FuncOp>())
      decide(func);
  }

  void decide(FuncOp func) {
    SmallVector<Operation *> order;
    for (Operation &op : func.getBody().front())
      if (isNode(op))
        order.push_back(&op);
    DenseMap<Operation *, size_t> position;
    for (size_t i = 0; i < order.size(); ++i)
      position[order[i]] = i;

    SmallPtrSet<Operation *, 32> grouped;
    Builder builder(func.getContext());
    int64_t next = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      if (grouped.contains(order[i]))
        continue;
      Group group{order[i], {order[i]}, {}};
      group.members.insert(order[i]);
      if (!oneOpGroups)
        for (size_t j = i + 1;
             j < order.size() && group.ops.size() < kMaxGroupOps; ++j)
          if (!grouped.contains(order[j]) &&
              canJoin(group, order[j], order, position, i))
            addTo(group, order[j]);
      for (Operation *op : group.ops) {
        grouped.insert(op);
        op->setAttr("mt.fusion_group", builder.getI64IntegerAttr(next));
      }
      ++next;
    }
  }

  void addTo(Group &group, Operation *op) {
    group.ops.push_back(op);
    group.members.insert(op);
  }

  /// Whether `op` has a group value as an operand.
  bool usesGroup(const Group &group, Operation *op) const {
    return llvm::any_of(op->getOperands(), [&](Value v) {
      Operation *def = v.getDefiningOp();
      return def && group.members.contains(def);
    });
  }

  /// Whether `op` reads a value of the group (its data, not only its
  /// shape).
  bool readsGroup(const Group &group, Operation *op) const {
    for (OpOperand &operand : op->getOpOperands()) {
      Operation *def = operand.get().getDefiningOp();
      if (def && group.members.contains(def) &&
          readsOperandValues(op, operand.getOperandNumber()))
        return true;
    }
    return false;
  }

  bool canJoin(const Group &group, Operation *op, ArrayRef<Operation *> order,
               const DenseMap<Operation *, size_t> &position,
               size_t first) const {
    const FusionRule *rule = ruleFor(group.root, op);
    if (!rule || op->getNumResults() != 1 || !readsGroup(group, op))
      return false;
    if (rule->sameShapeAsRoot &&
        op->getResult(0).getType() != group.root->getResult(0).getType())
      return false;
    // Formable: the kernel sits at `op`, so no outside op before it may read
    // a value of the group.
    for (size_t k = first + 1, end = position.lookup(op); k < end; ++k)
      if (!group.members.contains(order[k]) && usesGroup(group, order[k]))
        return false;
    return true;
  }
};

} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mt::createFusePass(bool oneOpGroups) {
  return std::make_unique<FusePass>(oneOpGroups);
}
