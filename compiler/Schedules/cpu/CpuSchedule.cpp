//===- CpuSchedule.cpp - x86-64 CPU schedules of the mt kernels -----------===//
//
// scheduleKernel places every stage of a lowered kernel, then hands each
// stage that is materialized (an output, or a stage with update
// definitions, which Halide cannot inline) to the schedule of its class:
// elementwise/injective, reduction, matmul-like (CpuMatmulSchedule.cpp),
// gather, scatter. Pure intermediate stages are inlined into their
// consumers; a matmul-like anchor computes its epilogue in its register
// tiles. Shared rules:
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
//  - every output gets an estimate on every dimension (kBatchEstimate for
//    the batch), so an autoscheduler can seed from these Funcs too.
//
// Timings in the comments of the map, reduction, gather and scatter
// schedules: bench/kernels (mt-bench-kernels: JIT, host target, best of up
// to 10 runs, batch 32) on 2 vCPUs of an Intel Xeon with AVX-512 (Sapphire
// Rapids features; the natural f32 vector is 16), shared with other builds
// (load average 2.5-4, so repeated runs vary by up to 2x), against the same
// algorithm with no schedule (all inline and serial).
//
//===----------------------------------------------------------------------===//

#include "Schedules/cpu/CpuSchedule.h"

#include "Schedules/cpu/CpuMatmulSchedule.h"
#include "Schedules/cpu/CpuScheduleUtil.h"

#include "mt/Dialect/FusionKind.h"
#include "mt/Dialect/MTOps.h"

#include "llvm/ADT/STLExtras.h"

using Halide::Func;
using Halide::RVar;
using Halide::Stage;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;
using namespace mt;
using namespace mt::cpu;

namespace {

/// The dimension to vectorize: the innermost one whose extent is not 1
/// (keep_dims and one_hot results can have a unit innermost dimension).
int vectorDim(const Dims &d) {
  for (size_t i = 0; i < d.extents.size(); ++i)
    if (d.extents[i] != 1)
      return static_cast<int>(i);
  return -1;
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

} // namespace

Dims cpu::dimsOf(const Func &f, llvm::ArrayRef<int64_t> shape) {
  Dims d;
  d.vars = f.args();
  d.extents.assign(shape.rbegin(), shape.rend());
  return d;
}

int64_t cpu::elements(const Dims &d, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to; ++i)
    n *= estimateOf(d.extents[i]);
  return n;
}

void cpu::setEstimates(Func f, const Dims &d) {
  for (auto [var, extent] : llvm::zip(d.vars, d.extents))
    f.set_estimate(var, 0, static_cast<int>(estimateOf(extent)));
}

int cpu::powerOfTwoBelow(int64_t n) {
  int p = 1;
  while (2 * p <= n)
    p *= 2;
  return p;
}

bool cpu::parallelizeOuter(Stage s, const Dims &d, size_t from,
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

void cpu::scheduleMap(Stage s, const Dims &d, int width, bool pureStage) {
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

namespace {

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

void scheduleElementwise(Func f, const Dims &d, int width, bool output) {
  scheduleMap(f, d, width, /*pureStage=*/true);
  // One dimension whose length only the buffers tell (a flat kernel's, or
  // a per-example vector): chunks on the cores when it is long enough, one
  // serial loop otherwise (no thread-pool wake-up for a short vector).
  if (output && d.vars.size() == 1 && d.extents[0] < 0)
    f.specialize(f.output_buffer().dim(0).extent() >=
                 static_cast<int>(2 * kElementsPerTask))
        .parallel(d.vars[0], static_cast<int>(kElementsPerTask / width),
                  TailStrategy::GuardWithIf);
}

//===----------------------------------------------------------------------===//
// Reductions (reduce_sum/max/mean): over an outer axis, the update walks the
// reduced axis with the result's innermost dimension as the vector, so it
// streams contiguous rows, and each sum keeps its input order. Over the
// innermost axis, a row whose length is a multiple of W is reduced in W
// lanes (vectorizeRowReduction); other rows are walked serially and
// contiguously. Rows run in parallel. Mean's final division is a plain map.
//
// Measured (ms, unscheduled -> scheduled):
//   reduce_mean [32,128,512] axis 1    2.6 -> 0.34  (7.6x)
//   reduce_sum [32,128,512] axis 2     0.28 -> 0.29 (1.0x: memory-bound; a
//     first try vectorizing across rows with strided loads took 0.94 ms)
// Row kernels of the token model's train step (bench/models/tokens.mlir,
// Halide's profiler, 63 steps of batch 64, 2 vCPUs of an AMD EPYC Zen 3,
// AVX2), serial walk -> W lanes per row: layer norm over 128 columns 626 ->
// 218 us, attention softmax over 16 keys 198 -> 139 us; all kernels of the
// step 2.38 -> 2.08 s. A serial walk is latency-bound on one dependent add
// (or max) per element, which only W independent lanes hide.
//===----------------------------------------------------------------------===//

/// An innermost-axis reduction whose extent is a multiple of W: the row is
/// summed (or maxed) in W lanes, W partial results per row (rfactor), which
/// are then combined serially. A serial walk is one dependent add per
/// element; W lanes break that chain W ways. The order is fixed per row
/// (lane-wise, then across lanes), so results do not depend on the threads.
void vectorizeRowReduction(Func f, Stage s, RVar r, const Dims &d, int p,
                           int width) {
  // A kept unit dimension, bounded so that W partials per row are a
  // constant size (on the stack, not malloc'ed per row).
  for (int i = 0; i < p; ++i)
    f.bound(d.vars[i], 0, 1);
  RVar rOuter("r_vector"), rLane("r_lane");
  Var lane("row_lane");
  s.split(r, rOuter, rLane, width);
  Func partial = s.rfactor(rLane, lane);
  // The partials of one row are computed at the innermost row loop, which
  // stays serial (bounds inference does not see through a fused loop's
  // divisions that its region is one row); the outer row loops are fused
  // into parallel tasks. Lanes are stored innermost.
  Var row = d.vars[p];
  parallelizeOuter(s, d, p + 1, elements(d, 0, p + 1));
  std::vector<Var> storage{lane};
  for (const Var &v : partial.args())
    if (v.name() != lane.name())
      storage.push_back(v);
  partial.reorder_storage(storage).compute_at(f, row).vectorize(lane);
  partial.update(0).vectorize(lane);
}

void scheduleReduction(Func f, const Dims &d, int width, bool innermostAxis,
                       int64_t reducedExtent) {
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
      if (reducedExtent % width == 0 && reducedExtent >= 2 * width)
        vectorizeRowReduction(f, s, rvars[0], d, p, width);
      else if (!parallelizeOuter(s, d, p, elements(d, 0, p)))
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

int64_t reductionAxis(mlir::Operation *op) {
  return op->getAttrOfType<mlir::IntegerAttr>("axis").getInt();
}

/// A root that absorbs an elementwise epilogue (its declared fusion kind),
/// as LowerKernel decides the anchor.
bool isMatmulLike(mlir::Operation *op) {
  return getFusionKind(op) == FusionKind::OutEWiseFusable;
}

/// The schedule of one materialized stage that is not matmul-like, by the
/// class of the op that made it.
void scheduleStage(mlir::Operation *op, Func f, llvm::ArrayRef<int64_t> shape,
                   int width, bool output) {
  Dims d = dimsOf(f, shape);
  if (llvm::isa<ReduceSumOp, ReduceMaxOp, ReduceMeanOp>(op)) {
    llvm::ArrayRef<int64_t> input = operandShape(op, 0);
    int64_t axis = reductionAxis(op);
    d.workPerResult = estimateOf(input[axis]);
    scheduleReduction(f, d, width,
                      axis == static_cast<int64_t>(input.size()) - 1,
                      input[axis]);
  } else if (llvm::isa<GatherOp>(op))
    scheduleGather(f, d, width);
  else if (llvm::isa<ScatterAddOp>(op))
    scheduleScatter(f, d, width);
  else
    scheduleElementwise(f, d, width, output);
}

/// `op`'s matmul stages with `out` as the Func tiled in registers.
MatmulStages matmulStages(const LoweredKernel &k, mlir::Operation *op,
                          const KernelStage &out) {
  Func staged = k.helperOf(op, StageRole::StagedOperand);
  return {op,
          out.func,
          out.shape,
          k.helperOf(op, StageRole::Accumulator),
          staged,
          staged.defined() ? staged : k.funcOf(op->getOperand(1)),
          k.funcOf(op->getOperand(0))};
}

} // namespace

void cpu::scheduleKernel(LoweredKernel &k, const Halide::Target &target) {
  int width = target.natural_vector_size(Halide::Float(32));
  for (size_t i = 0; i < k.stages.size(); ++i) {
    KernelStage &stage = k.stages[i];
    bool tiledByAnchor = k.anchorOutput == i;
    switch (stage.role) {
    case StageRole::Accumulator:
    case StageRole::StagedOperand:
    case StageRole::Epilogue:
      continue; // placed by the matmul schedule, or inlined
    case StageRole::Value:
      if (isMatmulLike(stage.op)) {
        if (stage.op == k.anchor && k.anchorOutput)
          continue; // inlined into the output that tiles it
        stage.func.compute_root();
        scheduleMatmul(matmulStages(k, stage.op, stage), target);
      } else if (stage.func.has_update_definition()) {
        stage.func.compute_root();
        scheduleStage(stage.op, stage.func, stage.shape, width,
                      /*output=*/false);
      }
      continue; // other pure values are inlined
    case StageRole::Output:
      setEstimates(stage.func, dimsOf(stage.func, stage.shape));
      if (tiledByAnchor || isMatmulLike(stage.op))
        scheduleMatmul(
            matmulStages(k, tiledByAnchor ? k.anchor : stage.op, stage),
            target);
      else
        scheduleStage(stage.op, stage.func, stage.shape, width,
                      /*output=*/true);
      continue;
    }
  }
}
