//===- CpuMatmulSchedule.h - register-tiled CPU matmuls ---------*- C++ -*-===//
//
// The schedule of the matmul-like kernel class (mt.matmul, mt.batch_matmul
// in every layout decomposition and autodiff produce) on x86-64.
//
//===----------------------------------------------------------------------===//

#ifndef MT_SCHEDULES_CPU_CPUMATMULSCHEDULE_H
#define MT_SCHEDULES_CPU_CPUMATMULSCHEDULE_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/ArrayRef.h"

#include <Halide.h>

namespace mt {
namespace cpu {

/// The stages of one matmul-like op, as LowerKernel hands them over.
struct MatmulStages {
  mlir::Operation *op;
  /// The Func tiled in registers: the op's result, or the end of its
  /// elementwise epilogue (same shape), computed from the register tile.
  Halide::Func out;
  /// `out`'s static shape in tensor order, -1 for the batch.
  llvm::ArrayRef<int64_t> shape;
  Halide::Func accumulator;
  /// The rhs re-laid out as [b..., K, N] (transpose_rhs), or undefined.
  Halide::Func stagedRhs;
  /// The Func the accumulator reads the rhs from: `stagedRhs`, or the rhs
  /// operand itself.
  Halide::Func rhs;
  /// The Func the accumulator reads the lhs from.
  Halide::Func lhs;
};

/// Tiles `stages.out` in register blocks of the target's shape and computes
/// the accumulator per block; stages the transposed rhs where there is one.
void scheduleMatmul(const MatmulStages &stages, const Halide::Target &target);

} // namespace cpu
} // namespace mt

#endif // MT_SCHEDULES_CPU_CPUMATMULSCHEDULE_H
