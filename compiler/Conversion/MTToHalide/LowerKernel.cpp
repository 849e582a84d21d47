//===- LowerKernel.cpp - an mt.kernel as Halide stages with roles ---------===//
//
// Walks the kernel body once: each block argument becomes an ImageParam,
// each op its LoweredOp stages, each yielded value an output. Roles are set
// from the IR (fusion kinds and shapes), never from Func names.
//
//===----------------------------------------------------------------------===//

#include "Conversion/MTToHalide/LowerKernel.h"

#include "Conversion/MTToHalide/LowerPrimitive.h"

#include "mt/Dialect/FusionKind.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace mt {

SmallVector<int64_t, 4> staticShape(Type type) {
  SmallVector<int64_t, 4> shape;
  for (int64_t dim : type.cast<RankedTensorType>().getShape())
    shape.push_back(ShapedType::isDynamic(dim) ? -1 : dim);
  return shape;
}

std::vector<Halide::Argument> LoweredKernel::arguments() const {
  std::vector<Halide::Argument> args{batch};
  for (const Halide::ImageParam &input : inputs)
    args.push_back(input);
  return args;
}

std::vector<Halide::Func> LoweredKernel::outputFuncs() const {
  std::vector<Halide::Func> funcs;
  for (size_t index : outputs)
    funcs.push_back(stages[index].func);
  return funcs;
}

const KernelStage *LoweredKernel::stageOf(Operation *op) const {
  for (const KernelStage &stage : stages)
    if (stage.op == op && stage.role != StageRole::Accumulator &&
        stage.role != StageRole::StagedOperand)
      return &stage;
  return nullptr;
}

Halide::Func LoweredKernel::funcOf(Value value) const {
  if (auto arg = value.dyn_cast<BlockArgument>())
    return inputs[arg.getArgNumber()];
  const KernelStage *stage = stageOf(value.getDefiningOp());
  return stage ? stage->func : Halide::Func();
}

Halide::Func LoweredKernel::helperOf(Operation *op, StageRole role) const {
  for (const KernelStage &stage : stages)
    if (stage.op == op && stage.role == role)
      return stage.func;
  return Halide::Func();
}

namespace {

/// A root that absorbs an elementwise epilogue (the declared fusion kind).
bool isMatmulLike(Operation *op) {
  return getFusionKind(op) == FusionKind::OutEWiseFusable;
}

/// Copies `source` into a fresh Func: an output must be a Func of its own
/// (a block argument yielded as is, or one value yielded twice).
Halide::Func copyOf(const Halide::Func &source, int rank) {
  std::vector<Halide::Var> vars;
  for (int i = 0; i < rank; ++i)
    vars.emplace_back("c" + std::to_string(i));
  Halide::Func copy(source.name() + "_copy");
  copy(vars) = source(vars);
  return copy;
}

/// Marks the epilogue of a matmul-like anchor (elementwise stages at the
/// anchor's shape that read the anchor's result or another epilogue stage)
/// and picks the output computed in the anchor's tiles (anchorOutput).
void markEpilogue(LoweredKernel &lowered, Block &body,
                  const DenseMap<Value, size_t> &stageOfValue) {
  if (!lowered.anchor || !isMatmulLike(lowered.anchor))
    return;
  Value anchorResult = lowered.anchor->getResult(0);
  SmallVector<int64_t, 4> anchorShape = staticShape(anchorResult.getType());
  SmallVector<Value> chain{anchorResult};
  for (Operation &op : body.without_terminator())
    if (getFusionKind(&op) == FusionKind::Elementwise &&
        staticShape(op.getResult(0).getType()) == anchorShape &&
        llvm::any_of(op.getOpOperands(), [&](OpOperand &operand) {
          return llvm::is_contained(chain, operand.get()) &&
                 readsOperandValues(&op, operand.getOperandNumber());
        }))
      chain.push_back(op.getResult(0));
  std::optional<size_t> firstOutput;
  for (size_t i = 0; i < chain.size(); ++i) {
    KernelStage &stage = lowered.stages[stageOfValue.lookup(chain[i])];
    if (stage.role == StageRole::Value && chain[i] != anchorResult)
      stage.role = StageRole::Epilogue;
    if (stage.role == StageRole::Output && !firstOutput)
      firstOutput = i;
  }
  if (!firstOutput)
    return;
  // The tiles compute the anchor's sum once, for the first output on the
  // chain; the chain beyond it must read the sum through that output's
  // buffer. If a later chain op reads around it (another epilogue branch),
  // the anchor is materialized on its own instead and every output reads it.
  SmallVector<Value> covered{chain[*firstOutput]};
  for (size_t i = *firstOutput + 1; i < chain.size(); ++i) {
    Operation *op = chain[i].getDefiningOp();
    bool throughOutput = llvm::all_of(op->getOperands(), [&](Value v) {
      return !llvm::is_contained(chain, v) || llvm::is_contained(covered, v);
    });
    if (!throughOutput)
      return;
    covered.push_back(chain[i]);
  }
  // Likewise for ops off the chain (a reduction of the sum, say).
  for (Operation &op : body.without_terminator())
    if (!llvm::is_contained(chain, op.getResult(0)) &&
        llvm::any_of(op.getOperands(), [&](Value v) {
          return llvm::is_contained(chain, v) && v != chain[*firstOutput];
        }))
      return;
  lowered.anchorOutput = stageOfValue.lookup(chain[*firstOutput]);
}

} // namespace

FailureOr<LoweredKernel> lowerKernel(KernelOp kernel) {
  LoweredKernel lowered;
  lowered.kernel = kernel;
  DenseMap<Value, Halide::Func> funcs;
  DenseMap<Value, size_t> stageOfValue;
  Block &body = kernel.getBody().front();
  for (BlockArgument arg : body.getArguments()) {
    auto type = arg.getType().cast<RankedTensorType>();
    FailureOr<Halide::Type> element = getHalideType(type.getElementType());
    if (failed(element)) {
      kernel.emitOpError() << "input #" << arg.getArgNumber()
                           << " has an unsupported element type "
                           << type.getElementType();
      return failure();
    }
    lowered.inputs.emplace_back(*element, static_cast<int>(type.getRank()),
                                "input" + std::to_string(arg.getArgNumber()));
    funcs[arg] = lowered.inputs.back();
  }

  Operation *lastReduction = nullptr;
  for (Operation &op : body.without_terminator()) {
    std::vector<Halide::Func> operands;
    for (Value operand : op.getOperands())
      operands.push_back(funcs.lookup(operand));
    FailureOr<LoweredOp> stages = lowerPrimitive(&op, operands, lowered.batch);
    if (failed(stages))
      return failure();
    SmallVector<int64_t, 4> shape = staticShape(op.getResult(0).getType());
    if (stages->stagedRhs.defined())
      lowered.stages.push_back({stages->stagedRhs, StageRole::StagedOperand,
                                &op, staticShape(op.getOperand(1).getType())});
    if (stages->accumulator.defined())
      lowered.stages.push_back(
          {stages->accumulator, StageRole::Accumulator, &op, shape});
    stageOfValue[op.getResult(0)] = lowered.stages.size();
    lowered.stages.push_back({stages->result, StageRole::Value, &op, shape});
    funcs[op.getResult(0)] = stages->result;
    if (!lowered.anchor && isMatmulLike(&op))
      lowered.anchor = &op;
    if (getFusionKind(&op) == FusionKind::Reduction)
      lastReduction = &op;
  }

  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().empty()) {
    kernel.emitOpError("yields no results: nothing to compute");
    return failure();
  }
  for (Value value : yield.getValues()) {
    auto found = stageOfValue.find(value);
    if (found != stageOfValue.end() &&
        lowered.stages[found->second].role != StageRole::Output) {
      lowered.stages[found->second].role = StageRole::Output;
      lowered.outputs.push_back(found->second);
      continue;
    }
    // A block argument, or a value already yielded: copied into a Func of
    // its own, anchored on the yield (an elementwise copy).
    int rank = value.getType().cast<RankedTensorType>().getRank();
    lowered.outputs.push_back(lowered.stages.size());
    lowered.stages.push_back({copyOf(funcs.lookup(value), rank),
                              StageRole::Output, yield,
                              staticShape(value.getType())});
  }
  if (!lowered.anchor)
    lowered.anchor =
        lastReduction ? lastReduction : lowered.stages[lowered.outputs[0]].op;
  markEpilogue(lowered, body, stageOfValue);
  return lowered;
}

} // namespace mt
