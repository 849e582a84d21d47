//===- Interpreter.h - reference interpreter of primitive ops ---*- C++ -*-===//
//
// The oracle of DESIGN.md §7: evaluates primitive `mt` ops (the output of
// `mt-decompose`) with plain C++ loops, so every compiled kernel, fused or
// not, can be checked against it. Values are computed in double (float64
// accumulation) and every f32 result is rounded to float, so the oracle
// follows f32 semantics op by op (InterpretOptions can keep float64 instead,
// for finite differences). Bad input (a shape that does not fit the
// IR, an out-of-range index, a missing parameter, a model-level op) is a
// located error on the offending op, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef MT_INTERPRETER_INTERPRETER_H
#define MT_INTERPRETER_INTERPRETER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mt::interp {

/// I64 is only the dropout seed (`tensor<i64>`); like every kind it is held
/// in a double, so seeds must lie within +-2^53 to be held exactly.
enum class ElementKind { F32, I32, I1, I64 };

/// "f32", "i32", "i1" or "i64", as MLIR prints the element type.
const char *stringifyElementKind(ElementKind kind);

/// A concrete tensor: a fully static shape (the batch is resolved) and
/// row-major data. Integers and booleans are stored exactly; f32 values are
/// doubles that hold floats.
struct Tensor {
  std::vector<int64_t> shape;
  ElementKind kind = ElementKind::F32;
  std::vector<double> data;

  /// The product of the extents (1 for a scalar).
  int64_t numElements() const;

  /// Each value is rounded to float.
  static Tensor f32(std::vector<int64_t> shape, std::vector<double> values);
  static Tensor i32(std::vector<int64_t> shape, std::vector<int32_t> values);
  static Tensor i1(std::vector<int64_t> shape, std::vector<bool> values);
  static Tensor zeros(std::vector<int64_t> shape, ElementKind kind);
};

/// Parameter values keyed by `mt.param` name.
using ParameterValues = std::map<std::string, Tensor>;

/// How the interpreter computes.
struct InterpretOptions {
  /// Rounds every f32 result to float, so the oracle follows f32 semantics op
  /// by op. Off, every value stays float64 end to end: finite-difference
  /// gradient checks need that, since rounding each result would swamp the
  /// small differences they measure.
  bool roundToF32 = true;
};

/// Evaluates one primitive op on concrete operands. The batch size (the
/// extent every `?` stands for) is read from the operands' dynamic
/// dimensions unless `batchSize` gives it; it is needed only by ops that
/// create a `?` dimension (`mt.iota`, `mt.broadcast_in_dim`).
mlir::FailureOr<std::vector<Tensor>>
evaluateOp(mlir::Operation *op, llvm::ArrayRef<Tensor> operands,
           const ParameterValues &params,
           std::optional<int64_t> batchSize = std::nullopt,
           const InterpretOptions &options = {});

/// Evaluates a function body (primitive mt ops, `mt.param_ref`, `mt.kernel`
/// regions by their bodies, `std.return`) on `args`, checked against the
/// signature; the batch size is read from the arguments (every `?` is the
/// same batch size). Kernel IR gives the numbers of the same primitives
/// unfused, bit for bit: a difference is a grouping bug.
mlir::FailureOr<std::vector<Tensor>>
interpret(mlir::FuncOp func, llvm::ArrayRef<Tensor> args,
          const ParameterValues &params, const InterpretOptions &options = {});

} // namespace mt::interp

#endif // MT_INTERPRETER_INTERPRETER_H
