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
// Measured: at scheduleMatmul.
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

/// A register tile: rows x vectors accumulators, plus `vectors` rhs loads
/// and one broadcast live per K step.
struct RegisterTile {
  int vectors;
  int rows;
};

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

/// The extent of the innermost reduction loop, K (for contract_leading,
/// the last leading dimension: one example's rows; the K blocks then run
/// example by example).
int64_t reducedExtent(mlir::Operation *op) {
  llvm::ArrayRef<int64_t> lhs = operandShape(op, 0);
  if (llvm::isa<ContractLeadingOp>(op))
    return lhs[lhs.size() - 2];
  auto bmm = llvm::dyn_cast<BatchMatmulOp>(op);
  return lhs[lhs.size() - (bmm && bmm.getTransposeLhs() ? 2 : 1)];
}

/// How many times the innermost reduction loop runs: the other leading
/// dimensions of a contract_leading (the batch estimated), else 1.
int64_t outerReductions(mlir::Operation *op) {
  if (!llvm::isa<ContractLeadingOp>(op))
    return 1;
  llvm::ArrayRef<int64_t> lhs = operandShape(op, 0);
  int64_t n = 1;
  for (size_t i = 0; i + 2 < lhs.size(); ++i)
    n *= estimateOf(lhs[i]);
  return n;
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
  Var outer{"tile_outer"};
};

struct TileShape {
  int lanes, vectors, rows;
  int64_t blockRows;
};

/// Tiles one (specialization of a) stage: loops, innermost first,
///   lane (vector) . col_vector (unrolled) . row (unrolled) . row_tile .
///   col_block . row_block x batch dims (fused: tile_outer, parallel)
/// This is where the epilogue is evaluated, from the block's accumulators.
void tileStage(Stage s, const Dims &d, const TileShape &t, const TileLoops &l,
               bool parallel) {
  Var n = d.vars[0], m = d.vars[1];
  int cols = t.vectors * t.lanes;
  s.split(n, l.colBlock, n, cols, TailStrategy::ShiftInwards)
      .split(n, l.colVector, l.lane, t.lanes)
      .split(m, l.rowBlock, m, static_cast<int>(t.blockRows),
             TailStrategy::ShiftInwards)
      .split(m, l.rowTile, l.row, t.rows, TailStrategy::ShiftInwards)
      .reorder(l.lane, l.colVector, l.row, l.rowTile, l.colBlock, l.rowBlock);
  if (t.lanes > 1)
    s.vectorize(l.lane);
  s.unroll(l.colVector).unroll(l.row);
  VarOrRVar outer = l.rowBlock;
  for (size_t i = 2; i < d.vars.size(); ++i) {
    Var fused(i + 1 == d.vars.size() ? l.outer.name()
                                     : "tile_outer" + std::to_string(i));
    s.fuse(outer, d.vars[i], fused);
    outer = fused;
  }
  if (d.vars.size() == 2)
    s.rename(l.rowBlock, l.outer);
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
  acc.compute_at(out, l.colBlock);
  acc.split(n, n, lane, t.lanes).unroll(n);
  Stage update = acc.update(0);
  update.split(n, n, lane, t.lanes)
      .split(m, rowTile, row, t.rows,
             rowsDivide ? TailStrategy::RoundUp : TailStrategy::GuardWithIf);
  // The loop that starts a new K block, where the rhs panel is packed:
  // k_block, or for contract_leading the next leading index (an example).
  std::vector<VarOrRVar> order{lane, n, row};
  std::optional<RVar> blockLoop;
  if (kBlock < kExtent) {
    update.split(k, kOuter, kInner, static_cast<int>(kBlock));
    order.insert(order.end(), {kInner, rowTile, kOuter});
    blockLoop = kOuter;
  } else {
    order.insert(order.end(), {k, rowTile});
  }
  for (size_t i = 1; i < rvars.size(); ++i)
    order.push_back(rvars[i]);
  if (rvars.size() > 1 && !blockLoop)
    blockLoop = rvars[1];
  update.reorder(order);
  update.unroll(n).unroll(row);
  if (t.lanes > 1) {
    acc.vectorize(lane);
    update.vectorize(lane);
  }

  // Without packing each K step reads a rhs row N floats after the last:
  // at N = 512 that stride maps a whole panel to 2 of L1's 64 sets
  // (measured: x.W^T 4096x512x512 at 31% of peak, dY.W at 51%, unpacked).
  Func packed = Func(rhs).in(acc);
  Var pn = packed.args()[0], pLane("packed_lane");
  if (blockLoop)
    packed.compute_at(acc, *blockLoop);
  else
    packed.compute_at(out, l.colBlock);
  packed.split(pn, pn, pLane, t.lanes, TailStrategy::ShiftInwards).unroll(pn);
  if (t.lanes > 1)
    packed.vectorize(pLane);
}

/// contract_leading reads its lhs [d..., K rows, M] down a column: each K
/// step of a register tile broadcasts from the next row, M floats on (8 KiB
/// at M = 2048, so a tile's 128 steps share one L1 set and miss). Copied
/// once per row block with K innermost, each row of the tile walks K
/// contiguously. Measured, seed linear1's dY^T.x (2048 x 512 x 4096) in the
/// model's train step (Halide profiler, 12 calls): 243 ms a call before, 89%
/// of it in the accumulator; 88 ms after. mt-bench-matmul, the three seed
/// weight gradients: 56-90 -> 84-112 GFLOP/s.
void scheduleTransposedLhs(const Func &lhs, const Func &acc, const Func &out,
                           const TileLoops &l, int lanes) {
  Func packed = Func(lhs).in(acc);
  std::vector<Var> args = packed.args();
  std::vector<Var> storage{args[1], args[0]};
  storage.insert(storage.end(), args.begin() + 2, args.end());
  packed.compute_at(out, l.outer).reorder_storage(storage);
  if (lanes > 1)
    packed.vectorize(args[0], lanes, TailStrategy::GuardWithIf);
}

/// The transposed rhs [K, N] of a 2-D [N, K] weight, staged once per call in
/// tiles of `lanes` columns by `kLanes` rows.
void scheduleStagedRhs(Func staged, int lanes, int kLanes) {
  Var n = staged.args()[0], k = staged.args()[1], ni("staged_n"),
      ki("staged_k");
  staged.compute_root()
      .tile(n, k, ni, ki, lanes, kLanes, TailStrategy::ShiftInwards)
      .unroll(ki);
  if (lanes > 1)
    staged.vectorize(ni);
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

} // namespace

// Measured: see bench/README.md (mt-bench-matmul), summed over the seed
// config's 21 products on 2 vCPUs of an AMD EPYC (Zen 3, AVX2), medians of
// 7 runs: register tile at the row tile, unblocked K, panel packed per
// column block: 818 ms; K blocks of 128 with 3 x 4 tiles: 645 ms.
void cpu::scheduleMatmul(const MatmulStages &s, const Halide::Target &target) {
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
  shape.vectors = static_cast<int>(
      std::clamp<int64_t>(nExtent / shape.lanes, 1, tile.vectors));
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

  // Parallel when the whole product is worth more than two tasks.
  int64_t work = elements(d, 0, d.vars.size()) * k * outerReductions(s.op);
  bool parallel = work >= 2 * kElementsPerTask * 64;
  // A plain matrix result (a weight gradient) has no batch dimension to
  // share out: its row blocks are the parallel tasks, at least
  // kMinRowBlocks of them.
  if (parallel && d.vars.size() == 2 && !batchRows)
    shape.blockRows =
        std::min(shape.blockRows,
                 std::max<int64_t>(shape.rows, (mExtent + kMinRowBlocks - 1) /
                                                   kMinRowBlocks / shape.rows *
                                                   shape.rows));

  TileLoops loops;
  Func out = s.out;
  tileStage(out, d, shape, loops, parallel);
  scheduleAccumulator(s.accumulator, s.rhs, out, shape, loops, k, kBlockOf(k),
                      rowsDivide);
  if (llvm::isa<ContractLeadingOp>(s.op))
    scheduleTransposedLhs(s.lhs, s.accumulator, out, loops, shape.lanes);
  if (s.stagedRhs.defined() && !llvm::isa<BatchMatmulOp>(s.op))
    scheduleStagedRhs(s.stagedRhs, shape.lanes,
                      powerOfTwoBelow(std::min<int64_t>(k, width)));
}
