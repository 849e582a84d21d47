//===- CpuMatmulSchedule.cpp - register-tiled CPU matmuls -----------------===//
//
// The result (or the end of its epilogue) is cut into register tiles of
// `rows` x (`vectors` x W) results. The accumulator is computed per tile
// with the K loop outside the unrolled tile, so the tile's accumulators stay
// in vector registers for the whole reduction (Halide gives the constant-
// size tile a stack slot that LLVM promotes to registers) while each K step
// loads `vectors` rhs vectors and broadcasts `rows` lhs scalars. The
// epilogue (bias, activation, residual, scale) is evaluated on the tile
// before it is stored. No rfactor: each dot product keeps its input order,
// so results are bit-identical run to run and across thread counts.
//
// Cache blocking: row tiles are grouped into blocks of about kBlockBytes of
// lhs rows; inside a block, each column panel of the rhs (K x vectors*W) is
// reused by every row tile of the block from L1/L2, while the block's lhs
// rows stay in L2. Blocks (and the batch dimensions) form the parallel loop.
//
// Ragged edges shift inwards (a few results are recomputed, never read out
// of bounds), so every tile has constant extents and unrolls. When the rows
// are the dynamic batch, the tile is specialized on batch >= rows, with
// one-row tiles below that.
//
// The rhs of transpose_rhs (PyTorch's [out, in] weights) is staged once per
// call into [K, N] in tiled, vectorized blocks: that is O(N K) against the
// O(M N K) of the product, the operand packing every BLAS does per call.
//
// Measured: see the table at scheduleMatmul.
//
//===----------------------------------------------------------------------===//

#include "Schedules/cpu/CpuMatmulSchedule.h"

#include "Schedules/cpu/CpuScheduleUtil.h"

#include "mt/Dialect/MTOps.h"

#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>

using Halide::Func;
using Halide::RVar;
using Halide::Stage;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;
using namespace mt;
using namespace mt::cpu;

namespace {

/// Bytes of lhs rows per cache block: half of a 512 KiB L2 (Zen 3; Sapphire
/// Rapids has 2 MiB), leaving room for the rhs panel and the results.
constexpr int64_t kBlockBytes = 192 * 1024;
constexpr int64_t kMaxRowTilesPerBlock = 16;

/// The register tile of a target: rows x vectors accumulators, plus
/// `vectors` rhs loads and one broadcast live per K step.
struct RegisterTile {
  int vectors;
  int rows;
};

RegisterTile registerTileOf(const Halide::Target &target) {
  // AVX-512: 3 x 8 = 24 of the 32 zmm registers hold accumulators.
  if (target.has_feature(Halide::Target::AVX512))
    return {3, 8};
  // AVX2: 2 x 6 = 12 of the 16 ymm registers (the BLIS/OpenBLAS Haswell
  // shape), leaving 2 for rhs vectors and 1 for the broadcast.
  return {2, 6};
}

llvm::ArrayRef<int64_t> operandShape(mlir::Operation *op, unsigned i) {
  return op->getOperand(i).getType().cast<mlir::RankedTensorType>().getShape();
}

/// The reduced extent K.
int64_t reducedExtent(mlir::Operation *op) {
  llvm::ArrayRef<int64_t> lhs = operandShape(op, 0);
  auto bmm = llvm::dyn_cast<BatchMatmulOp>(op);
  return lhs[lhs.size() - (bmm && bmm.getTransposeLhs() ? 2 : 1)];
}

/// Loop names shared by every specialization of the tiled Func, so the
/// accumulator and the packed rhs can be computed at the same loops in each.
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

/// The accumulator per register tile: zero, then the K loop around the
/// unrolled tile.
void scheduleAccumulator(Func acc, const Func &out, const TileShape &t,
                         const TileLoops &l) {
  Var n = acc.args()[0], m = acc.args()[1], lane("acc_lane");
  RVar k = acc.rvars(0)[0];
  acc.compute_at(out, l.rowTile);
  acc.split(n, n, lane, t.lanes).unroll(n).unroll(m);
  Stage update = acc.update(0);
  update.reorder(n, m, k).split(n, n, lane, t.lanes).unroll(n).unroll(m);
  if (t.lanes > 1) {
    acc.vectorize(lane);
    update.vectorize(lane);
  }
}

/// The rhs column panel of a column block (K x cols), copied per block into
/// a dense buffer the block's row tiles share. Without it each K step reads
/// a rhs row N floats after the last one: at N = 512 that stride maps all of
/// a panel's lines to 2 of L1's 64 sets (measured: x.W^T 4096x512x512 at 31%
/// of peak, dY.W at 51%, before packing).
void schedulePackedRhs(const Func &rhs, Func acc, const Func &out,
                       const TileShape &t, const TileLoops &l) {
  Func packed = Func(rhs).in(acc);
  Var n = packed.args()[0], lane("packed_lane");
  packed.compute_at(out, l.colBlock).store_at(out, l.outer);
  packed.split(n, n, lane, t.lanes, TailStrategy::ShiftInwards).unroll(n);
  if (t.lanes > 1)
    packed.vectorize(lane);
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

} // namespace

// Measured: filled in from mt-bench-matmul (see bench/README.md).
void cpu::scheduleMatmul(const MatmulStages &s, const Halide::Target &target) {
  int width = target.natural_vector_size(Halide::Float(32));
  Dims d = dimsOf(s.out, s.shape);
  int64_t nExtent = d.extents[0], mExtent = d.extents[1];
  int64_t k = estimateOf(reducedExtent(s.op));
  RegisterTile tile = registerTileOf(target);

  TileShape shape;
  shape.lanes = nExtent >= width ? width : powerOfTwoBelow(nExtent);
  shape.vectors = static_cast<int>(
      std::clamp<int64_t>(nExtent / shape.lanes, 1, tile.vectors));
  // Rows that are the batch get full tiles only when there are enough rows
  // (a specialization below). A one-column result (a binary or regression
  // head) has no vector for the tile to share, and LLVM compiles the two
  // specializations' scalar sums differently (they differ in the last bit),
  // so it keeps one-row tiles at every batch: predictions must not depend on
  // the batch size.
  bool batchRows = mExtent < 0;
  shape.rows = batchRows && shape.lanes == 1
                   ? 1
                   : static_cast<int>(std::min<int64_t>(
                         batchRows ? tile.rows : mExtent, tile.rows));
  // Row blocks: with batch dimensions (every product the models make), all
  // rows of one matrix form the block, so each rhs panel is packed once per
  // matrix and the batch dimensions carry the parallel loop. A 2-D lhs gets
  // blocks of about kBlockBytes of lhs rows, evened out so the shifted last
  // block recomputes few rows, and those carry the parallel loop.
  if (batchRows) {
    shape.blockRows = shape.rows;
  } else if (d.vars.size() > 2) {
    shape.blockRows = mExtent;
  } else {
    int64_t maxBlockRows =
        shape.rows *
        std::clamp<int64_t>(kBlockBytes / (shape.rows * k * 4), 1,
                            kMaxRowTilesPerBlock);
    int64_t blocks = (mExtent + maxBlockRows - 1) / maxBlockRows;
    shape.blockRows =
        std::max<int64_t>(shape.rows, (mExtent + blocks - 1) / blocks);
  }

  // Parallel when the whole product is worth more than two tasks.
  int64_t work = elements(d, 0, d.vars.size()) * k;
  bool parallel = work >= 2 * kElementsPerTask * 64;

  TileLoops loops;
  Func out = s.out;
  if (batchRows && shape.rows > 1) {
    tileStage(out.specialize(s.batch >= shape.rows), d, shape, loops,
              parallel);
    TileShape oneRow = shape;
    oneRow.rows = 1;
    oneRow.blockRows = 1;
    tileStage(out, d, oneRow, loops, parallel);
  } else {
    tileStage(out, d, shape, loops, parallel);
  }
  scheduleAccumulator(s.accumulator, out, shape, loops);
  if (s.stagedRhs.defined() && !llvm::isa<BatchMatmulOp>(s.op))
    scheduleStagedRhs(s.stagedRhs, shape.lanes,
                      powerOfTwoBelow(std::min<int64_t>(k, width)));
  schedulePackedRhs(s.rhs, s.accumulator, out, shape, loops);
}
