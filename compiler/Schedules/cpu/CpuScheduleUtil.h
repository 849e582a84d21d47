//===- CpuScheduleUtil.h - building blocks of the CPU schedules -*- C++ -*-===//
//
// Private to compiler/Schedules/cpu: the loop shapes every CPU schedule is
// made of (vectors over the innermost dimension, one parallel loop outside,
// estimates on every dimension), shared by the per-class schedules.
//
//===----------------------------------------------------------------------===//

#ifndef MT_SCHEDULES_CPU_CPUSCHEDULEUTIL_H
#define MT_SCHEDULES_CPU_CPUSCHEDULEUTIL_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/ArrayRef.h"

#include <Halide.h>

#include <vector>

namespace mt {
namespace cpu {

/// The batch size estimate given to Halide for every dynamic extent.
constexpr int kBatchEstimate = 32;

/// About 32 KiB of f32 results per parallel task: large enough to hide the
/// thread pool's per-task cost (a few microseconds), small enough that the
/// batch-32 kernels of the examples still split across both cores.
constexpr int64_t kElementsPerTask = 8192;

/// A stage's pure dimensions in Halide order (innermost first).
struct Dims {
  std::vector<Halide::Var> vars;
  std::vector<int64_t> extents; // -1 for the batch
  /// Inner-loop steps behind each result: the reduced extent of a
  /// reduction or matmul, 1 for a map. Sizes the parallel tasks.
  int64_t workPerResult = 1;
};

inline int64_t estimateOf(int64_t extent) {
  return extent < 0 ? kBatchEstimate : extent;
}

/// The static shape of `op`'s operand `i` (ranked: mt-infer-shapes ran).
inline llvm::ArrayRef<int64_t> operandShape(mlir::Operation *op, unsigned i) {
  return op->getOperand(i).getType().cast<mlir::RankedTensorType>().getShape();
}

/// `shape` is in tensor order with -1 for the batch.
Dims dimsOf(const Halide::Func &f, llvm::ArrayRef<int64_t> shape);
/// Product of the estimated extents of dimensions [from, to).
int64_t elements(const Dims &d, size_t from, size_t to);
void setEstimates(Halide::Func f, const Dims &d);
int powerOfTwoBelow(int64_t n);

/// Fuses the pure dimensions [from, rank) of a stage into one loop and runs
/// it in parallel, `perIteration` results per iteration of that loop; false
/// when the work is too small to split.
bool parallelizeOuter(Halide::Stage s, const Dims &d, size_t from,
                      int64_t perIteration);

/// A pure stage or an update with no reduction domain: vector innermost,
/// parallel outside.
void scheduleMap(Halide::Stage s, const Dims &d, int width, bool pureStage);

} // namespace cpu
} // namespace mt

#endif // MT_SCHEDULES_CPU_CPUSCHEDULEUTIL_H
