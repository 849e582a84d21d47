//===- LowerKernel.h - an mt.kernel as Halide stages with roles -*- C++ -*-===//
//
// Lowers a whole `mt.kernel` (any number of primitives, any number of
// results) into Halide Funcs, op by op through lowerPrimitive, and hands the
// schedule everything it needs as objects: every stage with its role and the
// op it comes from, the kernel's outputs, its anchor op and its parameters.
// Algorithm only; compiler/Schedules decides where each stage is computed.
//
// Preconditions: those of lowerPrimitive for every op of the body.
//
//===----------------------------------------------------------------------===//

#ifndef MT_CONVERSION_MTTOHALIDE_LOWERKERNEL_H
#define MT_CONVERSION_MTTOHALIDE_LOWERKERNEL_H

#include "mt/Dialect/MTOps.h"

#include "llvm/ADT/SmallVector.h"

#include <Halide.h>

#include <optional>
#include <vector>

namespace mt {

/// What a stage is for in its kernel: how a schedule may place it.
enum class StageRole {
  /// A kernel result: a buffer the caller passes in.
  Output,
  /// The sum of a matmul-like op, computed per register block.
  Accumulator,
  /// An operand re-laid out for the accumulator (transpose_rhs's rhs).
  StagedOperand,
  /// A pure elementwise stage on the anchor's result, at the anchor's shape,
  /// on the way to an output (bias, activation, residual, scale): it can be
  /// computed in the anchor's tiles.
  Epilogue,
  /// Any other intermediate value.
  Value,
};

struct KernelStage {
  Halide::Func func;
  StageRole role;
  /// The op whose lowering made the stage.
  mlir::Operation *op;
  /// The stage's static tensor shape (tensor order), -1 for the batch.
  llvm::SmallVector<int64_t, 4> shape;
};

/// A kernel's pipeline before scheduling.
struct LoweredKernel {
  mlir::Operation *kernel = nullptr;
  Halide::Param<int32_t> batch{"batch"};
  std::vector<Halide::ImageParam> inputs;
  /// Every stage, in definition order (producers before consumers).
  std::vector<KernelStage> stages;
  /// Index into `stages` of each kernel result, in yield order.
  std::vector<size_t> outputs;
  /// The op whose kernel class picks the schedule: the matmul-like root if
  /// there is one, else the last reduction, else the op of the first output.
  mlir::Operation *anchor = nullptr;
  /// For a matmul-like anchor, the output (index into `stages`) computed in
  /// the anchor's register tiles: the first output on its epilogue chain
  /// (the anchor's own result included), provided the rest of the chain
  /// reads the sum through it; none otherwise (the anchor is then
  /// materialized and every output reads it).
  std::optional<size_t> anchorOutput;

  /// batch, then one buffer per input: the pipeline's arguments.
  std::vector<Halide::Argument> arguments() const;
  /// The output Funcs, in yield order.
  std::vector<Halide::Func> outputFuncs() const;
  /// The stage computing `op`'s result.
  const KernelStage *stageOf(mlir::Operation *op) const;
  /// The Func computing `value` (a block argument's ImageParam or a stage).
  Halide::Func funcOf(mlir::Value value) const;
  /// `op`'s helper stage of `role` (Accumulator or StagedOperand), or an
  /// undefined Func.
  Halide::Func helperOf(mlir::Operation *op, StageRole role) const;
};

/// Lowers every op of `kernel`'s body. Unsupported ops end in a diagnostic
/// on the op and failure.
mlir::FailureOr<LoweredKernel> lowerKernel(KernelOp kernel);

/// Static shape of a ranked tensor type with -1 for dynamic extents.
llvm::SmallVector<int64_t, 4> staticShape(mlir::Type type);

} // namespace mt

#endif // MT_CONVERSION_MTTOHALIDE_LOWERKERNEL_H
