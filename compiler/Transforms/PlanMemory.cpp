//===- PlanMemory.cpp - the mt-plan-memory pass ---------------------------===//
//
// Gives every kernel result a place, so an entry point runs over one arena
// allocated once (DESIGN.md §4: no step allocates large buffers).
//
// Algorithm: buffers without a batch dimension go to the static arena
// (bytes); buffers with one go to the per-example arena (bytes per example,
// scaled by the batch size at run time, after the static part). Results
// returned by the entry point are written straight into the caller's
// output buffers (space 2). Kernels run in block order; a buffer is live
// from its kernel to its last reader. Each arena is a first-fit free list:
// a buffer freed by its last reader is reused by later kernels. A kernel's
// inputs are released only after its outputs are placed, so no kernel
// writes over memory it reads: Halide assumes its buffers do not alias, and
// schedules that shift a vector tail inwards recompute some elements, which
// would read an input already overwritten.
//
// Output: `mt.result_slots` on each kernel ([space, offset] per result) and
// `mt.arena_static_bytes` / `mt.arena_bytes_per_example` on the function.
//
//===----------------------------------------------------------------------===//

#include "PassDetail.h"
#include "Transforms/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Builders.h"
#include "mt/Dialect/MTOps.h"

#include <map>

using namespace mlir;
using namespace mt;

namespace {

enum Space : int64_t { StaticArena = 0, ExampleArena = 1, Output = 2 };

/// First-fit allocation over one arena, with neighbouring free blocks merged.
class Arena {
public:
  explicit Arena(int64_t alignment) : alignment(alignment) {}

  int64_t allocate(int64_t bytes) {
    bytes = alignTo(bytes);
    for (auto it = freeBlocks.begin(); it != freeBlocks.end(); ++it) {
      if (it->second < bytes)
        continue;
      int64_t offset = it->first, left = it->second - bytes;
      freeBlocks.erase(it);
      if (left > 0)
        freeBlocks[offset + bytes] = left;
      return offset;
    }
    int64_t offset = top;
    top += bytes;
    return offset;
  }

  void release(int64_t offset, int64_t bytes) {
    bytes = alignTo(bytes);
    auto next = freeBlocks.emplace(offset, bytes).first;
    if (auto after = std::next(next);
        after != freeBlocks.end() && offset + bytes == after->first) {
      next->second += after->second;
      freeBlocks.erase(after);
    }
    if (next != freeBlocks.begin()) {
      auto before = std::prev(next);
      if (before->first + before->second == next->first) {
        before->second += next->second;
        freeBlocks.erase(next);
      }
    }
  }

  int64_t size() const { return top; }

private:
  int64_t alignTo(int64_t bytes) const {
    return (bytes + alignment - 1) / alignment * alignment;
  }

  int64_t alignment;
  int64_t top = 0;
  std::map<int64_t, int64_t> freeBlocks; // offset -> bytes
};

/// Bytes per element as kernels store them (i1 as one byte).
int64_t elementBytes(Type type) {
  Type element = type.cast<TensorType>().getElementType();
  return std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8);
}

/// Bytes of a buffer, per example when its leading dimension is the batch.
int64_t bufferBytes(RankedTensorType type) {
  int64_t count = 1;
  for (int64_t dim : type.getShape())
    if (!ShapedType::isDynamic(dim))
      count *= dim;
  return count * elementBytes(type);
}

bool hasBatch(RankedTensorType type) {
  return type.getRank() > 0 && type.isDynamicDim(0);
}

struct PlanMemoryPass : public PlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    for (FuncOp func : getOperation().getOps<FuncOp>())
      if (failed(plan(func)))
        return signalPassFailure();
  }

  LogicalResult plan(FuncOp func) {
    Block &block = func.getBody().front();
    auto ret = cast<ReturnOp>(block.getTerminator());

    // The index of each value's last reader, in block order.
    DenseMap<Operation *, unsigned> position;
    for (auto it : llvm::enumerate(block))
      position[&it.value()] = it.index();
    DenseMap<Value, unsigned> lastUse;
    for (Operation &op : block)
      for (Value operand : op.getOperands())
        lastUse[operand] = position[&op];

    DenseMap<Value, int64_t> outputIndex;
    for (auto it : llvm::enumerate(ret.getOperands())) {
      if (!it.value().getDefiningOp<KernelOp>())
        return ret.emitOpError()
               << "result #" << it.index()
               << " is not computed by a kernel (an argument or a parameter "
                  "returned as is)";
      if (!outputIndex.try_emplace(it.value(), it.index()).second)
        return ret.emitOpError() << "returns the same value twice (result #"
                                 << it.index() << ")";
    }

    Arena staticArena(/*alignment=*/64), exampleArena(/*alignment=*/16);
    DenseMap<Value, std::pair<Space, int64_t>> slots;
    auto release = [&](Value value) {
      auto slot = slots.find(value);
      if (slot == slots.end() || slot->second.first == Output)
        return;
      auto type = value.getType().cast<RankedTensorType>();
      (slot->second.first == StaticArena ? staticArena : exampleArena)
          .release(slot->second.second, bufferBytes(type));
    };
    Builder builder(func.getContext());
    for (KernelOp kernel : block.getOps<KernelOp>()) {
      // Inputs read here for the last time, released once outputs are placed.
      SmallVector<Value, 4> finished;
      for (Value input : kernel.getInputs())
        if (lastUse[input] == position[kernel] &&
            !llvm::is_contained(finished, input))
          finished.push_back(input);
      SmallVector<Attribute, 2> resultSlots;
      for (Value result : kernel.getResults()) {
        auto type = result.getType().cast<RankedTensorType>();
        std::pair<Space, int64_t> slot;
        if (outputIndex.count(result)) {
          slot = {Output, outputIndex[result]};
        } else if (hasBatch(type)) {
          slot = {ExampleArena, exampleArena.allocate(bufferBytes(type))};
        } else {
          slot = {StaticArena, staticArena.allocate(bufferBytes(type))};
        }
        slots[result] = slot;
        resultSlots.push_back(builder.getI64ArrayAttr({slot.first, slot.second}));
      }
      kernel->setAttr("mt.result_slots", builder.getArrayAttr(resultSlots));
      // Unread results too, but only now: every result needs its own
      // memory while the kernel runs.
      for (Value result : kernel.getResults())
        if (result.use_empty())
          finished.push_back(result);
      for (Value input : finished)
        release(input);
    }
    func->setAttr("mt.arena_static_bytes",
                  builder.getI64IntegerAttr(staticArena.size()));
    func->setAttr("mt.arena_bytes_per_example",
                  builder.getI64IntegerAttr(exampleArena.size()));
    return success();
  }
};
} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mt::createPlanMemoryPass() {
  return std::make_unique<PlanMemoryPass>();
}
