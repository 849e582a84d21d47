//===- CpuSchedule.cpp - x86-64 CPU schedules of the mt kernels -----------===//
//
// One schedule per kernel class, chosen in scheduleForCpu. Shared rules:
//  - vectors are the target's natural f32 width W (8 AVX2, 16 AVX-512); i32
//    and i1 results use the same lane count, since their operands are 4-byte
//    values;
//  - pure stages cover a ragged tail by shifting the last vector inwards
//    (recomputing a few elements is cheaper than a scalar tail); update
//    stages cannot recompute (+= twice), so they guard the tail with an if;
//    an extent below W gets one narrower power-of-two vector;
//  - the loops outside the vector are fused into one parallel loop whose
//    tasks cover about kElementsPerTask results, so small kernels (batch 1)
//    run in one task and pay no threading overhead;
//  - every dimension gets an estimate (kCpuBatchEstimate for the batch), so
//    an autoscheduler can seed from these Funcs too.
//
// Timings in the comments: bench/kernels (mt-bench-kernels: JIT, host
// target, best of up to 10 runs, batch 32) on the development machine, 2
// vCPUs of an Intel Xeon with AVX-512 (Sapphire Rapids features; the
// natural f32 vector is 16), shared with other builds (load average 2.5-4,
// so repeated runs vary by up to 2x), against the same algorithm with no
// schedule (all inline and serial; the matmul accumulator per element).
//
//===----------------------------------------------------------------------===//

#include "Schedules/cpu/CpuSchedule.h"

#include "mt/Dialect/MTOps.h"

#include "llvm/ADT/STLExtras.h"

#include <cassert>
#include <map>

using Halide::Func;
using Halide::RVar;
using Halide::Stage;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

namespace {

/// About 32 KiB of f32 results per parallel task: large enough to hide the
/// thread pool's per-task cost (a few microseconds), small enough that the
/// batch-32 kernels of the examples still split across both cores.
constexpr int64_t kElementsPerTask = 8192;

/// The result's pure dimensions in Halide order (innermost first).
struct Dims {
  std::vector<Var> vars;
  std::vector<int64_t> extents; // -1 for the batch
  /// Inner-loop steps behind each result: the reduced extent of a
  /// reduction or matmul, 1 for a map. Sizes the parallel tasks.
  int64_t workPerResult = 1;
};

int64_t estimateOf(int64_t extent) {
  return extent < 0 ? mt::kCpuBatchEstimate : extent;
}

Dims dimsOf(const Func &f, llvm::ArrayRef<int64_t> shape) {
  Dims d;
  d.vars = f.args();
  d.extents.assign(shape.rbegin(), shape.rend());
  return d;
}

/// Product of the estimated extents of dimensions [from, to).
int64_t elements(const Dims &d, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to; ++i)
    n *= estimateOf(d.extents[i]);
  return n;
}

void setEstimates(Func f, const Dims &d) {
  for (auto [var, extent] : llvm::zip(d.vars, d.extents))
    f.set_estimate(var, 0, static_cast<int>(estimateOf(extent)));
}

/// The dimension to vectorize: the innermost one whose extent is not 1
/// (keep_dims and one_hot results can have a unit innermost dimension).
int vectorDim(const Dims &d) {
  for (size_t i = 0; i < d.extents.size(); ++i)
    if (d.extents[i] != 1)
      return static_cast<int>(i);
  return -1;
}

int powerOfTwoBelow(int64_t n) {
  int p = 1;
  while (2 * p <= n)
    p *= 2;
  return p;
}

/// Vectorizes `v` (extent `extent`, -1 for the batch) of a stage by W, or by
/// one narrower vector when the extent is below W.
void vectorizeDim(Stage s, const VarOrRVar &v, int64_t extent, int width,
                  bool pureStage) {
  if (extent < 0) {
    s.vectorize(v, width, TailStrategy::GuardWithIf);
    return;
  }
  int lanes = extent >= width ? width : powerOfTwoBelow(extent);
  if (lanes < 2)
    return;
  s.vectorize(v, lanes,
              pureStage ? TailStrategy::ShiftInwards
                        : TailStrategy::GuardWithIf);
}

/// Fuses the pure dimensions [from, rank) of a stage into one loop and runs
/// it in parallel, `perIteration` results per iteration of that loop; false
/// when the work is too small to split.
bool parallelizeOuter(Stage s, const Dims &d, size_t from,
                      int64_t perIteration) {
  size_t rank = d.vars.size();
  perIteration *= d.workPerResult;
  if (from >= rank ||
      perIteration * elements(d, from, rank) < 2 * kElementsPerTask)
    return false;
  Var outer = d.vars[from];
  for (size_t i = from + 1; i < rank; ++i) {
    Var fused(outer.name() + "_" + d.vars[i].name());
    s.fuse(outer, d.vars[i], fused);
    outer = fused;
  }
  int64_t perTask = std::max<int64_t>(1, kElementsPerTask / perIteration);
  if (perTask == 1)
    s.parallel(outer);
  else
    s.parallel(outer, static_cast<int>(perTask), TailStrategy::GuardWithIf);
  return true;
}

/// A pure stage or an update with no reduction domain: vector innermost,
/// parallel outside.
void scheduleMap(Stage s, const Dims &d, int width, bool pureStage) {
  int p = vectorDim(d);
  if (p < 0)
    return;
  vectorizeDim(s, d.vars[p], d.extents[p], width, pureStage);
  if (static_cast<size_t>(p) + 1 < d.vars.size()) {
    parallelizeOuter(s, d, p + 1, elements(d, 0, p + 1));
    return;
  }
  // A long single dimension (a flattened parameter): chunks of the vector
  // loop in parallel.
  int64_t total = estimateOf(d.extents[p]);
  if (total >= 2 * kElementsPerTask)
    s.parallel(d.vars[p], static_cast<int>(kElementsPerTask / width),
               TailStrategy::GuardWithIf);
}

//===----------------------------------------------------------------------===//
// Elementwise and injective (also broadcast, data movement, constants,
// gather): no reuse to exploit, so the schedule is about streaming: W-wide
// vectors over the innermost dimension, parallel tasks outside.
//
// Measured (ms, unscheduled -> scheduled):
//   gelu [32,128,512]                        29.5 -> 1.9-3.7  (8-17x)
//   add [32,128,512] + [512]                  0.61 -> 0.61    (1.0x)
//   transpose [32,128,512] perm [0,2,1]       2.7  -> 2.8     (1.0x)
//   gather [8000,512] rows by [32,128] ids    0.73 -> 0.72    (1.0x)
// Compute-bound maps (gelu, erf, exp, ...) gain from vectors and cores;
// add, transpose and gather are memory-bound at this size, and LLVM already
// vectorizes the unscheduled innermost loop of add, so they only break
// even. A tiled transpose is the obvious next step if transposes show up
// in profiles. dropout_mask takes this schedule too: its per-element hash
// (two 64-bit multiply rounds, DropoutHash.h) is compute-bound like gelu, so
// it gains from the same vectors and cores (not yet measured).
//===----------------------------------------------------------------------===//

void scheduleElementwise(Func f, const Dims &d, int width) {
  scheduleMap(f, d, width, /*pureStage=*/true);
}

//===----------------------------------------------------------------------===//
// Reductions (reduce_sum/max/mean): over an outer axis, the update walks the
// reduced axis with the result's innermost dimension as the vector, so it
// streams contiguous rows; over the innermost axis, each row is walked
// serially and contiguously, rows in parallel. Either way the reduced axis
// stays serial, so each sum keeps its input order. Mean's final division
// is a plain map.
//
// Measured (ms, unscheduled -> scheduled):
//   reduce_mean [32,128,512] axis 1    2.6 -> 0.34  (7.6x)
//   reduce_sum [32,128,512] axis 2     0.28 -> 0.29 (1.0x: memory-bound; a
//     first try vectorizing across rows with strided loads took 0.94 ms,
//     so the innermost-axis case keeps the serial contiguous walk)
//===----------------------------------------------------------------------===//

void scheduleReduction(Func f, const Dims &d, int width, bool innermostAxis) {
  scheduleMap(f, d, width, /*pureStage=*/true);
  int p = vectorDim(d);
  for (int u = 0, e = f.num_update_definitions(); u < e; ++u) {
    Stage s = f.update(u);
    std::vector<RVar> rvars = f.rvars(u);
    if (rvars.empty() || p < 0) {
      if (p >= 0)
        scheduleMap(s, d, width, /*pureStage=*/false);
      continue;
    }
    if (innermostAxis) {
      // The serial, contiguous walk along the row is already the best loop;
      // only split rows across cores when there are enough.
      if (!parallelizeOuter(s, d, p, elements(d, 0, p)))
        s.unscheduled();
      continue;
    }
    Var v = d.vars[p], lane(v.name() + "_lane");
    if (d.extents[p] < 0 || d.extents[p] >= width)
      s.split(v, v, lane, width, TailStrategy::GuardWithIf).vectorize(lane);
    else
      s.split(v, v, lane, static_cast<int>(d.extents[p])).vectorize(lane);
    s.reorder(lane, rvars[0], v);
    parallelizeOuter(s, d, p + 1, elements(d, 0, p + 1));
  }
}

//===----------------------------------------------------------------------===//
// Matmul and batch_matmul: the result is tiled into blocks of kRowsPerBlock
// rows by 2 W-wide column vectors, and the accumulator Func "<result>_acc"
// (LowerPrimitive.h) is computed per block with its K loop outside the
// unrolled block, so the 2 x kRowsPerBlock accumulator vectors stay in
// registers across K while each step loads one rhs row segment and
// broadcasts kRowsPerBlock lhs scalars. No rfactor: each dot product keeps
// its input order. Blocks of rows and the batch dimensions form the parallel
// loop; the columns of one row block run inside it, so its lhs rows stay in
// L1 while the rhs streams from L2. Tiles never exceed the static extents
// (ragged edges shift inwards, recomputing a few results), so every block
// has constant extents and unrolls; a dynamic M (rows are the batch) uses
// one-row blocks.
//
// Measured (ms, unscheduled -> scheduled):
//   matmul [32,128,512] x [512,512]          1568 -> 18.9  (83x, ~110 GFLOP/s)
//   matmul [32,128,512] x [512,512]^T          70 -> 20.0  (3.5x)
//   batch_matmul [32,8,128,64] x [..,128,64]^T 10 -> 4.6-6.2 (1.6-2.2x)
// The first version (one Func, accumulating in memory, no staged rhs) took
// 30 ms, 67 ms and 16 ms. Blocks of 8 rows measured within the noise of 4.
//===----------------------------------------------------------------------===//

constexpr int kRowsPerBlock = 4;

/// The name lowerPrimitive asked for: Halide appends "$n" to a name it
/// has handed out before (or whose hash bucket it has).
std::string requestedName(const std::string &name) {
  return name.substr(0, name.find('$'));
}

/// The Func that `caller` calls under the requested name `wanted`, if any.
Func producer(const Func &caller, const std::string &wanted) {
  for (const auto &call :
       Halide::Internal::find_direct_calls(caller.function()))
    if (requestedName(call.first) == wanted)
      return Func(call.second);
  return Func();
}

/// With transpose_rhs the accumulator reads the rhs through
/// "<result>_rhs_t"; staging it once per call in [b..., K, N] layout makes
/// the block's vector loads over N dense instead of K-strided gathers.
void stageTransposedRhs(mlir::Operation *op, const Func &f, const Func &acc,
                        int width) {
  Func rhsT = producer(acc, requestedName(f.name()) + "_rhs_t");
  if (!rhsT.defined())
    return;
  llvm::ArrayRef<int64_t> rhsShape =
      op->getOperand(1).getType().cast<mlir::RankedTensorType>().getShape();
  std::vector<int64_t> shape(rhsShape.begin(), rhsShape.end());
  std::swap(shape[shape.size() - 2], shape.back());
  rhsT.compute_root();
  scheduleMap(rhsT, dimsOf(rhsT, shape), width, /*pureStage=*/true);
}

void tileMatmul(mlir::Operation *op, Func f, const Dims &d, int width) {
  Func acc = producer(f, requestedName(f.name()) + "_acc");
  assert(acc.defined() && "lowerPrimitive names the matmul accumulator");
  if (!acc.defined())
    return;
  int64_t nExtent = d.extents[0], mExtent = d.extents[1];
  int lanes = nExtent >= width ? width : powerOfTwoBelow(nExtent);
  int cols = nExtent >= 2 * width ? 2 * width : lanes;
  int rows = mExtent < 0
                 ? 1
                 : static_cast<int>(std::min<int64_t>(mExtent, kRowsPerBlock));
  Var n = d.vars[0], m = d.vars[1], ni("ni"), mi("mi");
  f.split(n, n, ni, cols, TailStrategy::ShiftInwards)
      .split(m, m, mi, rows, TailStrategy::ShiftInwards)
      .reorder(ni, mi, n, m);
  if (lanes > 1)
    f.vectorize(ni, lanes);
  parallelizeOuter(f, d, 1, rows * estimateOf(nExtent));

  acc.compute_at(f, n);
  Var an = acc.args()[0], am = acc.args()[1], ani("ani");
  RVar k = acc.rvars(0)[0];
  if (lanes > 1)
    acc.vectorize(an, lanes);
  acc.unroll(am);
  Stage update = acc.update(0);
  update.reorder(an, am, k).split(an, an, ani, lanes).unroll(an).unroll(am);
  if (lanes > 1)
    update.vectorize(ani);
  stageTransposedRhs(op, f, acc, width);
}

void scheduleMatmul(mlir::Operation *op, Func f, const Dims &d, int width) {
  tileMatmul(op, f, d, width);
}

void scheduleBatchMatmul(mlir::Operation *op, Func f, const Dims &d,
                         int width) {
  tileMatmul(op, f, d, width);
}

//===----------------------------------------------------------------------===//
// Gather and scatter_add. A gather is a map whose innermost dimension reads
// a contiguous table row. A scatter's update must visit the indices in
// order (two may name one row), so its reduction domain stays serial; the
// row dimension is the vector, and wide rows split into parallel column
// blocks, which never race.
//
// Measured: scatter_add of [32,128] ids x 512 columns into [8000,512],
// 24.8 -> 2.1 ms (11.7x).
//===----------------------------------------------------------------------===//

void scheduleGather(Func f, const Dims &d, int width) {
  scheduleMap(f, d, width, /*pureStage=*/true);
}

void scheduleScatter(Func f, const Dims &d, int width) {
  scheduleMap(f, d, width, /*pureStage=*/true);
  Stage s = f.update(0);
  if (d.vars.size() < 2) {
    s.unscheduled(); // one column: the serial walk over the indices is all
    return;
  }
  std::vector<RVar> rvars = f.rvars(0);
  Var j = d.vars[0], lane(j.name() + "_lane");
  int64_t extent = d.extents[0];
  int lanes = extent >= width ? width : powerOfTwoBelow(extent);
  s.split(j, j, lane, lanes, TailStrategy::GuardWithIf);
  if (lanes > 1)
    s.vectorize(lane);
  std::vector<VarOrRVar> order{lane};
  order.insert(order.end(), rvars.begin(), rvars.end());
  order.push_back(j);
  s.reorder(order);
  if (extent >= 4 * width)
    s.parallel(j);
}

llvm::ArrayRef<int64_t> operandShape(mlir::Operation *op, unsigned i) {
  return op->getOperand(i).getType().cast<mlir::RankedTensorType>().getShape();
}

int64_t reductionAxis(mlir::Operation *op) {
  return op->getAttrOfType<mlir::IntegerAttr>("axis").getInt();
}

} // namespace

void mt::scheduleForCpu(mlir::Operation *op, Func result,
                        llvm::ArrayRef<int64_t> shape,
                        const Halide::Target &target) {
  Dims d = dimsOf(result, shape);
  setEstimates(result, d);
  int width = target.natural_vector_size(Halide::Float(32));
  if (llvm::isa<MatmulOp>(op)) {
    d.workPerResult = estimateOf(operandShape(op, 0).back());
    scheduleMatmul(op, result, d, width);
  } else if (auto bmm = llvm::dyn_cast<BatchMatmulOp>(op)) {
    llvm::ArrayRef<int64_t> lhs = operandShape(op, 0);
    d.workPerResult =
        estimateOf(lhs[lhs.size() - (bmm.getTransposeLhs() ? 2 : 1)]);
    scheduleBatchMatmul(op, result, d, width);
  } else if (llvm::isa<ReduceSumOp, ReduceMaxOp, ReduceMeanOp>(op)) {
    llvm::ArrayRef<int64_t> input = operandShape(op, 0);
    int64_t axis = reductionAxis(op);
    d.workPerResult = estimateOf(input[axis]);
    scheduleReduction(result, d, width,
                      axis == static_cast<int64_t>(input.size()) - 1);
  } else if (llvm::isa<GatherOp>(op))
    scheduleGather(result, d, width);
  else if (llvm::isa<ScatterAddOp>(op))
    scheduleScatter(result, d, width);
  else
    scheduleElementwise(result, d, width);
}
