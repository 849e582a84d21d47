//===- CpuMatmulSchedule.cpp - register-tiled CPU matmuls -----------------===//
//
// The result (or the end of its epilogue) is cut into column blocks of
// `vectors` x W columns and row tiles of `rows`; the epilogue (bias,
// activation, residual, scale) is evaluated per tile from the block's
// accumulators before it is stored.
//
// Accumulators: one column block's (rows of the matrix x its columns) are
// computed in a small buffer that stays in L1/L2. K runs in blocks of up to
// kMaxKBlock steps; per K block the rhs panel (K block x columns) is packed
// into a dense buffer, then each row tile loads its accumulators, runs the
// K block with them in registers (vector FMAs of `vectors` rhs loads by
// `rows` lhs broadcasts per step; LLVM promotes the loop-invariant loads
// and stores) and stores them back. The sum keeps its order (k ascending,
// no rfactor), so results are bit-identical run to run, across thread
// counts and whatever the blocking.
//
// Parallel loop: column blocks run inside each (row block, batch index);
// row blocks are the whole matrix unless its accumulators outgrow
// kAccumulatorBytes. Ragged column and row edges shift inwards (a few
// results are recomputed, nothing is read out of bounds), so tiles have
// constant extents and unroll. When the rows are the dynamic batch, tiles
// have one row (see scheduleMatmul for why).
//
// The rhs of transpose_rhs (PyTorch's [out, in] weights) is first staged
// once per call into [K, N] in vectorized tiles: O(N K) against the
// O(M N K) of the product, the operand packing every BLAS does per call.
//
// contract_leading (weight gradients: long K, small result) has its own
// loop nest, with the result tiles as the parallel tasks: see
// scheduleContraction.
//
// Measured: at scheduleMatmul and scheduleContraction.
//
//===----------------------------------------------------------------------===//

#include "Schedules/cpu/CpuMatmulSchedule.h"

#include "Schedules/cpu/CpuScheduleUtil.h"

#include "mt/Dialect/MTOps.h"

#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>
#include <optional>

using Halide::Func;
using Halide::RVar;
using Halide::Stage;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;
using namespace mt;
using namespace mt::cpu;

namespace {

/// Bytes of one column block's accumulators (rows x cols f32), kept below
/// glibc's mmap threshold (128 KiB) so the per-block buffer is reused from
/// the heap instead of being mapped, and first-touched, on every block.
constexpr int64_t kAccumulatorBytes = 64 * 1024;

/// The largest K block: the packed panel of 128 K steps by 24 columns is
/// 12 KiB, which stays in a 32 KiB L1 beside the accumulators and lhs rows.
constexpr int64_t kMaxKBlock = 128;

/// Row blocks of a plain matrix result: enough tasks for the cores with
/// some slack for imbalance.
constexpr int64_t kMinRowBlocks = 8;

/// Rows that share one packed rhs panel at least: examples with fewer rows
/// (S = 16, 64 or 128) are grouped until they have this many, so the panel
/// is packed once per group and column block, not once per example.
/// Measured (the token model's train step, S = 16, batch 64, Halide's
/// profiler, 3 interleaved processes each, 2 vCPUs of an AMD EPYC Zen 3):
/// 128 rows against none cut its matmul kernels' time by about 10%; the
/// panel packing had been 14-18% of each such kernel.
/// Measured again (mt-bench-matmul "seed l", the four FFN products x.W^T
/// and dY.W, 3 interleaved runs each, 2 vCPUs of an AMD EPYC Zen 4 with
/// AVX-512): perf put 15% of a seed FFN kernel in packing its panel per
/// example, from rows of the staged [K, N] weight 8 KiB apart; summed
/// medians 218 ms ungrouped (M = 128), 199 ms with 512 rows, 194 ms with
/// 1024 (minima 202 / 192 / 187 ms).
constexpr int64_t kMinPanelRows = 512;

/// Example groups at the batch estimate at least, so the parallel loop
/// over groups still has tasks to balance across the cores.
constexpr int64_t kMinExampleGroups = 4;

/// The largest rhs panel shared by a group of examples (all of K by one
/// column block): it stays in L2 while the group's row tiles stream it
/// (the seed FFN's K = 2048 by 48 AVX-512 columns is 384 KiB of Zen 4's
/// 1 MiB; AVX2's 24 columns, half that, of Zen 3's 512 KiB).
constexpr int64_t kMaxGroupPanelBytes = 512 * 1024;

/// K steps per iteration of the register tile's loop. Kernels compile
/// without LLVM's loop unrolling (KernelCodegenSettings.h), so the loop is
/// unrolled here: two K steps share one loop counter and the address
/// arithmetic of their loads (without LSR it is recomputed each iteration:
/// on AVX2, 2.6 instructions per FMA in one step, 2.0 in two). The sum keeps
/// its order. Measured (2 vCPUs of an AMD EPYC Zen 3, AVX2, load 1.0-1.5,
/// interleaved runs): mt-bench-matmul "seed l" x.W^T and dY.W, 7 runs,
/// summed medians 328 -> 281 ms (4 K steps: 268 ms), "dY^T" (the weight
/// gradients), 6 runs, summed minima 160 -> 141 ms (4 K steps: 142 ms); 4
/// seed-size train runs of 3 steps, each pair faster, minima 15.6 -> 14.4 s,
/// medians 19.5 -> 16.6 s.
constexpr int kUnrolledKSteps = 2;

/// Unrolls the innermost K loop of `update` (of `extent` steps) by
/// kUnrolledKSteps where that needs no guard.
void unrollKSteps(Stage update, RVar k, int64_t extent) {
  if (extent % kUnrolledKSteps != 0 || extent < 2 * kUnrolledKSteps)
    return;
  RVar kPair("k_pair"), kStep("k_step");
  update.split(k, kPair, kStep, kUnrolledKSteps).unroll(kStep);
}

/// Whether a matmul or batch_matmul tile of `vectors` x `rows` runs
/// kUnrolledKSteps per iteration: not when it fills every vector register
/// (AVX2's 3 x 4) and reads its lhs transposed, where LLVM spilled an
/// accumulator in the loop (mt-bench-matmul "seed self-attn P^T.dO", 7
/// interleaved runs, Zen 3: min / median 5.7 / 6.3 ms in one step, 8.0 /
/// 8.8 ms in two).
bool unrollsKSteps(mlir::Operation *op, int vectors, int rows,
                   int vectorRegisters) {
  auto bmm = llvm::dyn_cast<BatchMatmulOp>(op);
  bool fillsRegisters = vectors * (rows + 1) + 1 >= vectorRegisters;
  return !(bmm && bmm.getTransposeLhs() && fillsRegisters);
}

/// A register tile: rows x vectors accumulators, plus `vectors` rhs loads
/// and one broadcast live per K step.
struct RegisterTile {
  int vectors;
  int rows;
};

/// The vector registers of a target: 32 zmm with AVX-512, else 16 ymm.
int vectorRegistersOf(const Halide::Target &target) {
  return target.has_feature(Halide::Target::AVX512) ? 32 : 16;
}

/// The register tiles of a target in order of preference; the first whose
/// row count divides the rows of the product is taken, so no row tile needs
/// a guard (the rows are 128, 64, 16, 3, 512 or 2048 in the models).
std::vector<RegisterTile> registerTilesOf(const Halide::Target &target) {
  // AVX-512: 24 of the 32 zmm registers hold accumulators.
  if (target.has_feature(Halide::Target::AVX512))
    return {{3, 8}, {4, 6}, {6, 4}};
  // AVX2: 12 of the 16 ymm registers hold accumulators. 3 x 4 measured 21%
  // faster than 2 x 6 over the seed config's products (rows 128 are not a
  // multiple of 6); 2 x 6 remains for rows that are.
  return {{3, 4}, {2, 6}};
}

/// The column block of a result N columns wide, in vectors of `lanes`:
/// `vectors` unless its shifted last block would recompute a quarter of the
/// columns or more (N = 32 in blocks of 24, AVX2; N = 64 in blocks of 48,
/// AVX-512: half), then the narrower block that recomputes fewest.
/// Measured (mt-bench-matmul "attn", 5 interleaved runs, 2 vCPUs of an AMD
/// EPYC Zen 3, AVX2): the small config's attention products of N = 32, min
/// / median, P.V 0.42 / 0.52 -> 0.36 / 0.39 ms, P^T.dO 0.71 / 0.77 -> 0.35 /
/// 0.48 ms; the others unchanged within the noise.
int leastWastefulVectors(int64_t columns, int lanes, int vectors) {
  auto computed = [&](int v) {
    int64_t block = static_cast<int64_t>(v) * lanes;
    return (columns + block - 1) / block * block;
  };
  if (4 * computed(vectors) < 5 * columns)
    return vectors;
  int best = vectors;
  for (int v = vectors - 1; v >= 1; --v)
    if (computed(v) < computed(best))
      best = v;
  return best;
}

/// The extent of the reduction, K, of a matmul or batch_matmul.
int64_t reducedExtent(mlir::Operation *op) {
  llvm::ArrayRef<int64_t> lhs = operandShape(op, 0);
  auto bmm = llvm::dyn_cast<BatchMatmulOp>(op);
  return lhs[lhs.size() - (bmm && bmm.getTransposeLhs() ? 2 : 1)];
}

/// The K block: all of K up to kMaxKBlock, else the largest divisor of K
/// in [kMaxKBlock / 2, kMaxKBlock] (so the K loop needs no guard), else K.
int64_t kBlockOf(int64_t k) {
  if (k <= kMaxKBlock)
    return k;
  for (int64_t block = kMaxKBlock; block >= kMaxKBlock / 2; --block)
    if (k % block == 0)
      return block;
  return k;
}

/// Loop names shared by every specialization of the tiled Func, so the
/// accumulator can be computed at the same loop in each.
struct TileLoops {
  Var colBlock{"col_block"}, colVector{"col_vector"}, lane{"lane"};
  Var rowBlock{"row_block"}, rowTile{"row_tile"}, row{"row"};
  Var example{"example"}, exampleGroup{"example_group"};
  Var outer{"tile_outer"};
};

struct TileShape {
  int lanes, vectors, rows;
  int64_t blockRows;
  /// Examples (the outermost batch dimension) per group that shares the
  /// packed rhs panels; 1: no grouping.
  int examplesPerGroup = 1;
  /// Whether the register tile's K loop runs kUnrolledKSteps per iteration
  /// (unrollsKSteps).
  bool unrollK = true;
};

/// Tiles one (specialization of a) stage: loops, innermost first,
///   lane (vector) . col_vector (unrolled) . row (unrolled) . row_tile .
///   col_block . row_block x batch dims (fused: tile_outer, parallel)
/// or, for a 3-D result [examples, rows, columns] whose examples are grouped,
///   ... row_tile . row_block . example . col_block . example_group (parallel)
/// so the column block runs outside a group's examples and the rhs panel
/// packed at it serves them all (a short last group is guarded on whole
/// examples). This is where the epilogue is evaluated, from the block's
/// accumulators.
void tileStage(Stage s, const Dims &d, const TileShape &t, const TileLoops &l,
               bool parallel) {
  Var n = d.vars[0], m = d.vars[1];
  int cols = t.vectors * t.lanes;
  s.split(n, l.colBlock, n, cols, TailStrategy::ShiftInwards)
      .split(n, l.colVector, l.lane, t.lanes)
      .split(m, l.rowBlock, m, static_cast<int>(t.blockRows),
             TailStrategy::ShiftInwards)
      .split(m, l.rowTile, l.row, t.rows, TailStrategy::ShiftInwards);
  if (t.lanes > 1)
    s.vectorize(l.lane);
  s.unroll(l.colVector).unroll(l.row);
  if (t.examplesPerGroup > 1) {
    s.split(d.vars[2], l.exampleGroup, l.example, t.examplesPerGroup,
            TailStrategy::GuardWithIf)
        .reorder(l.lane, l.colVector, l.row, l.rowTile, l.rowBlock, l.example,
                 l.colBlock, l.exampleGroup)
        .rename(l.exampleGroup, l.outer);
  } else {
    s.reorder(l.lane, l.colVector, l.row, l.rowTile, l.colBlock, l.rowBlock);
    VarOrRVar outer = l.rowBlock;
    for (size_t i = 2; i < d.vars.size(); ++i) {
      Var fused(i + 1 == d.vars.size() ? l.outer.name()
                                       : "tile_outer" + std::to_string(i));
      s.fuse(outer, d.vars[i], fused);
      outer = fused;
    }
    if (d.vars.size() == 2)
      s.rename(l.rowBlock, l.outer);
  }
  if (parallel)
    s.parallel(l.outer);
}

/// The accumulators of one column block (blockRows x cols) live in memory
/// that stays in L1/L2. Per K block, each row tile loads its accumulators,
/// runs the K block with them in registers (LLVM promotes the loop-
/// invariant loads and stores) and stores them back; the rhs panel of the K
/// block (kBlock x cols) is packed into a dense buffer first, shared by the
/// block's row tiles. The sum keeps its order (k ascending), so results do
/// not depend on the blocking.
void scheduleAccumulator(Func acc, const Func &rhs, const Func &out,
                         const TileShape &t, const TileLoops &l,
                         int64_t kExtent, int64_t kBlock, bool rowsDivide) {
  Var n = acc.args()[0], m = acc.args()[1], lane("acc_lane"),
      rowTile("acc_row_tile"), row("acc_row");
  std::vector<RVar> rvars = acc.rvars(0);
  RVar k = rvars[0], kOuter("k_block"), kInner("k_in");
  bool grouped = t.examplesPerGroup > 1;
  acc.compute_at(out, grouped ? l.rowBlock : l.colBlock);
  acc.split(n, n, lane, t.lanes).unroll(n);
  Stage update = acc.update(0);
  update.split(n, n, lane, t.lanes)
      .split(m, rowTile, row, t.rows,
             rowsDivide ? TailStrategy::RoundUp : TailStrategy::GuardWithIf);
  // The loop that starts a new K block, where the rhs panel is packed:
  // k_block, or for contract_leading the next leading index (an example).
  std::vector<VarOrRVar> order{lane, n, row};
  std::optional<RVar> blockLoop;
  RVar innerK = k; // the register tile's loop, of kBlock steps
  if (kBlock < kExtent) {
    update.split(k, kOuter, kInner, static_cast<int>(kBlock));
    order.insert(order.end(), {kInner, rowTile, kOuter});
    blockLoop = kOuter;
    innerK = kInner;
  } else {
    order.insert(order.end(), {k, rowTile});
  }
  for (size_t i = 1; i < rvars.size(); ++i)
    order.push_back(rvars[i]);
  if (rvars.size() > 1 && !blockLoop)
    blockLoop = rvars[1];
  update.reorder(order);
  update.unroll(n).unroll(row);
  if (t.unrollK)
    unrollKSteps(update, innerK, kBlock);
  if (t.lanes > 1) {
    acc.vectorize(lane);
    update.vectorize(lane);
  }

  // Without packing each K step reads a rhs row N floats after the last:
  // at N = 512 that stride maps a whole panel to 2 of L1's 64 sets
  // (measured: x.W^T 4096x512x512 at 31% of peak, dY.W at 51%, unpacked).
  Func packed = Func(rhs).in(acc);
  Var pn = packed.args()[0], pLane("packed_lane");
  if (grouped)
    packed.compute_at(out, l.colBlock); // all of K, for the group
  else if (blockLoop)
    packed.compute_at(acc, *blockLoop);
  else
    packed.compute_at(out, l.colBlock);
  packed.split(pn, pn, pLane, t.lanes, TailStrategy::ShiftInwards).unroll(pn);
  if (t.lanes > 1)
    packed.vectorize(pLane);
}

/// Weights of at least this many elements are staged by all threads.
/// Measured (Halide's profiler, seed-size inference, 2 vCPUs of an AMD EPYC
/// Zen 4): staging the FFN weights (1M elements) took 1.31-1.40 ms on one
/// thread and 0.96-1.18 ms on two (it is bound by the strided reads), the
/// 512 x 512 weights 0.28-0.38 -> 0.18-0.22 ms: 24 -> 18 ms of a 1.1 s
/// batch.
constexpr int64_t kMinParallelStagedElements = 16 * kElementsPerTask;

/// The transposed rhs [K, N] of a 2-D [N, K] weight of `elements` elements,
/// staged once per call in tiles of `lanes` columns by `kLanes` rows, rows
/// of tiles in parallel when it is large.
void scheduleStagedRhs(Func staged, int lanes, int kLanes, int64_t elements) {
  Var n = staged.args()[0], k = staged.args()[1], ni("staged_n"),
      ki("staged_k");
  staged.compute_root()
      .tile(n, k, ni, ki, lanes, kLanes, TailStrategy::ShiftInwards)
      .unroll(ki);
  if (lanes > 1)
    staged.vectorize(ni);
  if (elements >= kMinParallelStagedElements)
    staged.parallel(k);
}

/// Rows per block: all rows of the matrix when its accumulators fit
/// kAccumulatorBytes, else blocks of about that size, evened out so the
/// shifted last block recomputes few rows, a multiple of the tile's rows.
int64_t blockRowsOf(int64_t rows, int64_t tileRows, int cols) {
  int64_t maxRows = std::max<int64_t>(tileRows, kAccumulatorBytes / (cols * 4) /
                                                    tileRows * tileRows);
  int64_t blocks = (rows + maxRows - 1) / maxRows;
  int64_t even = (rows + blocks - 1) / blocks;
  int64_t blockRows = (even + tileRows - 1) / tileRows * tileRows;
  return blockRows <= rows
             ? blockRows
             : std::max<int64_t>(tileRows, rows / tileRows * tileRows);
}

/// The largest task tile of a contraction: its accumulators (up to 512
/// columns by rows) stay in a 512 KiB L2 beside the lhs block and the rhs
/// panel.
constexpr int64_t kMaxTaskColumns = 512;
constexpr int64_t kTaskAccumulatorBytes = 256 * 1024;

/// contract_leading, result[m, n] = sum over rows r of lhs[r, m] rhs[r, n]
/// (weight gradients: r runs over batch x sequence, 4096 rows at seed
/// size), is a matmul whose K is long and whose M and N are small; its
/// result is the parallel work. So, as a BLAS does, each task owns a tile
/// of the result (up to kMaxTaskColumns x kTaskAccumulatorBytes), keeps its
/// accumulators in L2 for the whole reduction, and walks K in blocks (one
/// example's rows): per block the lhs rows [K block, tile rows], read down
/// a column, are copied once with K innermost, so each row of a register
/// tile walks K contiguously; per column block of the register tile the
/// rhs panel [K block, cols] is packed densely (unpacked, rows N floats
/// apart map a panel to a couple of L1 sets). The sum keeps its order
/// (rows ascending), so results do not depend on the tiling.
///
/// Measured (mt-bench-matmul, min of 5 runs, the seed weight gradients
/// input / qkv / linear1 / linear2 / task q, 2 vCPUs of an AMD EPYC Zen 3),
/// against row blocks that re-read their whole lhs copy (4 MB) from L3 per
/// column block: 4.4 / 21.7 / 109.5 / 84.6 / 0.63 ms -> 3.2 / 24.1 / 85.0 /
/// 91.1 / 0.47 ms, 221 -> 188 ms in all; a seed train step 5.65 -> 5.25 s.
/// perf then puts 70% of the kernel in the FMA loop, about 17% in packing
/// the rhs panels (rows 2 KiB apart, latency-bound; Halide's prefetch did
/// not measurably help) and 9% in the transposing lhs copy.
void scheduleContraction(const MatmulStages &s, const Halide::Target &target) {
  int width = target.natural_vector_size(Halide::Float(32));
  Dims d = dimsOf(s.out, s.shape);
  int64_t nExtent = d.extents[0], mExtent = d.extents[1];
  RegisterTile tile = registerTilesOf(target).front();
  int lanes = nExtent >= width ? width : powerOfTwoBelow(nExtent);
  int vectors =
      static_cast<int>(std::clamp<int64_t>(nExtent / lanes, 1, tile.vectors));
  int rows = static_cast<int>(std::min<int64_t>(mExtent, tile.rows));

  // The task tile: all columns up to kMaxTaskColumns, rows up to the
  // accumulator budget, and at least kMinRowBlocks tasks where M allows.
  int64_t taskCols = std::min(nExtent, kMaxTaskColumns);
  int64_t colTasks = (nExtent + taskCols - 1) / taskCols;
  int64_t rowTasks = (kMinRowBlocks + colTasks - 1) / colTasks;
  int64_t maxRows = std::max<int64_t>(rows, kTaskAccumulatorBytes /
                                                (taskCols * 4) / rows * rows);
  int64_t taskRows = std::clamp<int64_t>(
      ((mExtent + rowTasks - 1) / rowTasks + rows - 1) / rows * rows, rows,
      std::min(maxRows, mExtent));

  llvm::ArrayRef<int64_t> lhsShape = operandShape(s.op, 0);
  int64_t reduced = 1;
  for (size_t i = 0; i + 1 < lhsShape.size(); ++i)
    reduced *= estimateOf(lhsShape[i]);
  bool parallel = elements(d, 0, 2) * reduced >= 2 * kElementsPerTask * 64;

  Func out = s.out;
  Var n = d.vars[0], m = d.vars[1], nTask("n_task"), mTask("m_task"),
      lane("lane"), task("tile_outer");
  out.split(n, nTask, n, static_cast<int>(taskCols), TailStrategy::ShiftInwards)
      .split(m, mTask, m, static_cast<int>(taskRows),
             TailStrategy::ShiftInwards)
      .split(n, n, lane, lanes, TailStrategy::ShiftInwards)
      .reorder(lane, n, m, nTask, mTask)
      .fuse(nTask, mTask, task);
  if (lanes > 1)
    out.vectorize(lane);
  if (parallel)
    out.parallel(task);

  Func acc = s.accumulator;
  Var an = acc.args()[0], am = acc.args()[1], aLane("acc_lane"),
      vector("acc_vector"), colBlock("acc_col_block"), rowTile("acc_row_tile"),
      row("acc_row");
  acc.compute_at(out, task);
  acc.split(an, an, aLane, lanes, TailStrategy::GuardWithIf);
  Stage update = acc.update(0);
  auto exact = [](int64_t extent, int factor) {
    return extent % factor == 0 ? TailStrategy::RoundUp
                                : TailStrategy::GuardWithIf;
  };
  // Guards on whole vectors and whole rows are uniform across lanes, so the
  // partitioned steady-state loops run without them.
  update.split(an, vector, aLane, lanes, exact(taskCols, lanes))
      .split(vector, colBlock, vector, vectors, TailStrategy::GuardWithIf)
      .split(am, rowTile, row, rows, exact(taskRows, rows));
  // K blocks of about kMaxKBlock rows: one example's rows when there are
  // that many (seed: 128), else several examples' (the task queries: 3
  // rows each), so a register tile is loaded and stored once per block.
  std::vector<RVar> rvars = acc.rvars(0);
  std::vector<VarOrRVar> order{aLane, vector, row};
  std::optional<RVar> blockLoop;
  size_t outerRVars = 1; // the first rvar not yet in `order`
  int64_t kExtent = estimateOf(lhsShape[lhsShape.size() - 2]);
  int64_t kBlock = kBlockOf(kExtent);
  RVar innerK = rvars[0]; // the register tile's loop, of innerKExtent steps
  int64_t innerKExtent = kExtent;
  if (kBlock < kExtent ||
      (rvars.size() == 1 && lhsShape.front() < 0)) {
    RVar kOuter("k_block"), kInner("k_in");
    update.split(rvars[0], kOuter, kInner, static_cast<int>(kBlock),
                 TailStrategy::GuardWithIf);
    order.insert(order.end(), {kInner, rowTile, colBlock, kOuter});
    blockLoop = kOuter;
    innerK = kInner;
    innerKExtent = kBlock;
  } else if (rvars.size() > 1 && 2 * kExtent <= kMaxKBlock) {
    RVar eOuter("example_block"), eInner("example_in");
    update.split(rvars[1], eOuter, eInner,
                 static_cast<int>(kMaxKBlock / kExtent),
                 TailStrategy::GuardWithIf);
    order.insert(order.end(), {rvars[0], eInner, rowTile, colBlock, eOuter});
    blockLoop = eOuter;
    outerRVars = 2;
  } else {
    order.insert(order.end(), {rvars[0], rowTile, colBlock});
    if (rvars.size() > 1)
      blockLoop = rvars[1];
  }
  order.insert(order.end(), rvars.begin() + outerRVars, rvars.end());
  update.reorder(order).unroll(vector).unroll(row);
  unrollKSteps(update, innerK, innerKExtent);
  if (lanes > 1) {
    acc.vectorize(aLane);
    update.vectorize(aLane);
  }

  Func panel = Func(s.rhs).in(acc);
  Var pn = panel.args()[0], pLane("panel_lane");
  panel.compute_at(acc, colBlock)
      .split(pn, pn, pLane, lanes, TailStrategy::ShiftInwards);
  if (lanes > 1)
    panel.vectorize(pLane);

  Func lhsBlock = Func(s.lhs).in(acc);
  std::vector<Var> args = lhsBlock.args();
  std::vector<Var> storage{args[1], args[0]};
  storage.insert(storage.end(), args.begin() + 2, args.end());
  if (blockLoop)
    lhsBlock.compute_at(acc, *blockLoop);
  else
    lhsBlock.compute_at(out, task);
  lhsBlock.reorder_storage(storage);
  // The copy transposes: in tiles of lanes x lanes, one vector load per
  // source row, in-register shuffles, one vector store per block row
  // (Halide's block_transpose); rather than one scalar store per element.
  bool staticK = lhsShape[lhsShape.size() - 2] >= 0;
  bool whole = blockLoop && outerRVars == 1 && staticK && lanes > 1 &&
               kBlock % lanes == 0 && taskRows % lanes == 0;
  if (whole) {
    Var ko("lhs_k"), mo("lhs_m"), ki("lhs_k_in"), mi("lhs_m_in");
    lhsBlock.tile(args[1], args[0], ko, mo, ki, mi, lanes, lanes)
        .vectorize(ki)
        .unroll(mi);
    Func rows = Func(s.lhs).in(lhsBlock);
    rows.compute_at(lhsBlock, ko)
        .vectorize(rows.args()[0])
        .unroll(rows.args()[1]);
  } else if (lanes > 1) {
    lhsBlock.vectorize(args[0], lanes, TailStrategy::GuardWithIf);
  }
}

} // namespace

// Measured: see bench/README.md (mt-bench-matmul), summed over the seed
// config's 21 products on 2 vCPUs of an AMD EPYC (Zen 3, AVX2), medians of
// 7 runs: register tile at the row tile, unblocked K, panel packed per
// column block: 818 ms; K blocks of 128 with 3 x 4 tiles: 645 ms.
void cpu::scheduleMatmul(const MatmulStages &s, const Halide::Target &target) {
  if (llvm::isa<ContractLeadingOp>(s.op))
    return scheduleContraction(s, target);
  int width = target.natural_vector_size(Halide::Float(32));
  Dims d = dimsOf(s.out, s.shape);
  int64_t nExtent = d.extents[0], mExtent = d.extents[1];
  int64_t k = estimateOf(reducedExtent(s.op));
  bool batchRows = mExtent < 0;

  std::vector<RegisterTile> tiles = registerTilesOf(target);
  RegisterTile tile = tiles.front();
  bool rowsDivide = batchRows;
  for (RegisterTile candidate : tiles) {
    int rows = static_cast<int>(std::min<int64_t>(candidate.rows, mExtent));
    if (!batchRows && mExtent % rows == 0) {
      tile = {candidate.vectors, rows};
      rowsDivide = true;
      break;
    }
  }
  TileShape shape;
  shape.lanes = nExtent >= width ? width : powerOfTwoBelow(nExtent);
  shape.vectors = leastWastefulVectors(
      nExtent, shape.lanes,
      static_cast<int>(
          std::clamp<int64_t>(nExtent / shape.lanes, 1, tile.vectors)));
  // Rows that are the batch (a 2-D lhs [?, K]: the heads and the task
  // encoder, well under 1% of the flops) keep one-row tiles: a tile
  // specialized on the batch size computes a row with other instructions
  // than the one-row fallback, and LLVM contracts their multiply-adds into
  // FMAs differently (the last bit differs), while predictions must not
  // depend on --batch-size. Every larger product has batch dimensions, which
  // carry the parallel loop, and tiles its static rows.
  shape.rows =
      batchRows ? 1 : static_cast<int>(std::min<int64_t>(mExtent, tile.rows));
  shape.blockRows =
      batchRows ? shape.rows
                : blockRowsOf(mExtent, shape.rows, shape.vectors * shape.lanes);
  rowsDivide = rowsDivide && shape.blockRows % shape.rows == 0;
  // Examples of few rows share their panels (see kMinPanelRows) when the
  // result is [examples, rows, columns] with a 2-D weight, and the panel
  // of all of K stays in L2.
  if (llvm::isa<MatmulOp>(s.op) && d.vars.size() == 3 && !batchRows &&
      mExtent < kMinPanelRows &&
      k * shape.vectors * shape.lanes * 4 <= kMaxGroupPanelBytes) {
    // At most the examples there are: a static count is its own estimate.
    int64_t group = std::min(
        (kMinPanelRows + mExtent - 1) / mExtent,
        std::max<int64_t>(1, estimateOf(d.extents[2]) / kMinExampleGroups));
    shape.examplesPerGroup = static_cast<int>(group);
  }

  // Parallel when the whole product is worth more than two tasks.
  int64_t work = elements(d, 0, d.vars.size()) * k;
  bool parallel = work >= 2 * kElementsPerTask * 64;
  // A plain matrix result (a 2-D lhs with static rows) has no batch
  // dimension to share out: its row blocks are the parallel tasks, at least
  // kMinRowBlocks of them.
  if (parallel && d.vars.size() == 2 && !batchRows)
    shape.blockRows =
        std::min(shape.blockRows,
                 std::max<int64_t>(shape.rows, (mExtent + kMinRowBlocks - 1) /
                                                   kMinRowBlocks / shape.rows *
                                                   shape.rows));

  shape.unrollK = unrollsKSteps(s.op, shape.vectors, shape.rows,
                                vectorRegistersOf(target));

  TileLoops loops;
  Func out = s.out;
  tileStage(out, d, shape, loops, parallel);
  scheduleAccumulator(s.accumulator, s.rhs, out, shape, loops, k, kBlockOf(k),
                      rowsDivide);
  if (s.stagedRhs.defined() && !llvm::isa<BatchMatmulOp>(s.op))
    scheduleStagedRhs(s.stagedRhs, shape.lanes,
                      powerOfTwoBelow(std::min<int64_t>(k, width)),
                      nExtent * k);
}
