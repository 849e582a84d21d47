//===- CpuSchedule.h - x86-64 CPU schedules of the mt kernels ---*- C++ -*-===//
//
// Schedules only: the Funcs come from compiler/Conversion/MTToHalide, whose
// layout convention (Halide dimension 0 is the innermost tensor dimension)
// and stage structure (reductions are updates of the result Func) these
// schedules rely on. One function per kernel class: elementwise/injective,
// reduction, matmul, batch_matmul, gather/scatter. A schedule never changes
// results beyond float reassociation it states (tests compare scheduled,
// unscheduled and plain C++ loops).
//
//===----------------------------------------------------------------------===//

#ifndef MT_SCHEDULES_CPU_CPUSCHEDULE_H
#define MT_SCHEDULES_CPU_CPUSCHEDULE_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/ArrayRef.h"

#include <Halide.h>

namespace mt {

/// The batch size estimate given to Halide for every dynamic extent.
constexpr int kCpuBatchEstimate = 32;

/// Schedules the Func computing `op`'s result (built by lowerPrimitive) for
/// an x86-64 CPU target; `shape` is the result's static shape with -1 for
/// the batch. Vectorizes by the target's natural f32 width (8 for AVX2, 16
/// for AVX-512), parallelizes outer loops, tiles matmuls, and sets estimates
/// on every dimension of the result.
void scheduleForCpu(mlir::Operation *op, Halide::Func result,
                    llvm::ArrayRef<int64_t> shape,
                    const Halide::Target &target);

} // namespace mt

#endif // MT_SCHEDULES_CPU_CPUSCHEDULE_H
