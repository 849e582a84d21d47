//===- LowerPrimitive.h - the Halide algorithm of each mt primitive -*- C++
//-*-===//
//
// Turns one primitive mt op into the Halide Func that computes its result
// from its operands' Funcs. Algorithm only: the schedule of the Func is
// chosen separately, per kernel class and target (compiler/Schedules).
//
// Preconditions: the op and its operands have ranked types whose only
// dynamic extent is the batch (mt-infer-shapes has run), and model-level ops
// have been decomposed (mt-decompose). Anything else ends in a diagnostic on
// the op, never in a silent fallback.
//
// Layout convention, shared by every kernel, the host code and the runtime:
//  - a tensor of shape [d0, ..., d(n-1)] is a dense row-major buffer;
//  - Halide Func/Buffer dimension i is tensor dimension n-1-i (innermost
//    first), so element [i0, ..., i(n-1)] is `f(i(n-1), ..., i0)`; a rank-0
//    tensor is a zero-argument Func;
//  - element types: f32 -> Float(32), i32 -> Int(32), i1 -> UInt(8) holding
//    0 or 1 (masks are bytes in memory), i64 (only the dropout seed, a
//    rank-0 tensor) -> Int(64);
//  - every dynamic (`?`) extent is the run-time batch size.
//
// Halide names: the result Func is named after the op ("matmul_12", with a
// process-wide counter so pipelines never hold two Funcs of one name); its
// pure Vars are "d0".."d(n-1)" in tensor order (Halide argument 0 is the
// last of them). Reductions (reduce_*, scatter_add) are update definitions
// of the result Func itself. Names are for reading statements only: Halide
// may append "$n" to any requested name, so nothing looks a stage up by
// name; the helper stages of an op come back as Func objects (LoweredOp).
//
//===----------------------------------------------------------------------===//

#ifndef MT_CONVERSION_MTTOHALIDE_LOWERPRIMITIVE_H
#define MT_CONVERSION_MTTOHALIDE_LOWERPRIMITIVE_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Types.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"

#include <Halide.h>

namespace mt {

/// One op's Halide stages. matmul and batch_matmul sum into `accumulator`
/// (pure zero, one update over RDom k), which `result` copies, so a schedule
/// can compute the sum per register block; with transpose_rhs they read the
/// rhs through `stagedRhs`, the rhs in untransposed [b..., K, N] layout,
/// inlined unless a schedule stages it. Other ops leave both undefined.
struct LoweredOp {
  Halide::Func result;
  Halide::Func accumulator;
  Halide::Func stagedRhs;
};

/// Builds the Halide Funcs computing `op`'s single result from its operands'
/// Funcs (`operands[i]` computes operand i, in the layout above). `batch` is
/// the run-time batch size (every `?` dimension of the IR). Unsupported ops
/// end in op->emitOpError(...) and failure, never a silent fallback.
///
/// Run-time errors: an index outside the table of `mt.gather` or
/// `mt.scatter_add` fails the pipeline through Halide's `require` (the
/// message names the op, the index and the row count).
mlir::FailureOr<LoweredOp> lowerPrimitive(mlir::Operation *op,
                                          llvm::ArrayRef<Halide::Func> operands,
                                          const Halide::Expr &batch);

/// The Halide element type of an mt tensor element type (f32, i32, i1,
/// i64), or failure for any other type.
mlir::FailureOr<Halide::Type> getHalideType(mlir::Type elementType);

} // namespace mt

#endif // MT_CONVERSION_MTTOHALIDE_LOWERPRIMITIVE_H
