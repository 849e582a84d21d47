//===- Interpreter.cpp - reference interpreter of the primitive mt ops ----===//
//
// `getEvaluator` is the table of supported ops, in MTOps.td order; each
// entry binds one `evaluate` function (per op, or per op family for the
// elementwise math and the reductions). `evaluateOp` checks the operands
// against the op's types first (element kind, rank, static extents, one
// batch size for every `?`), so an evaluate function only checks what the
// types cannot state: runtime extents of unranked operands and index
// ranges. It then rounds f32 results to float, once, and checks the result
// against the declared type.
//
// Layout: tensors are row-major. Ops that read an operand out of order
// (broadcasting, transpose) compute per-element source offsets from
// strides; ops that work along one axis (reductions, slice, pad, concat)
// view the shape as [outer, axis, inner].
//
//===----------------------------------------------------------------------===//

#include "Interpreter/Interpreter.h"

#include "mt/Dialect/DropoutHash.h"
#include "mt/Dialect/MTOps.h"
#include "mt/Dialect/ShapeUtils.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

using namespace mlir;
using namespace mt;
using namespace mt::interp;

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

const char *mt::interp::stringifyElementKind(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "f32";
  case ElementKind::I32:
    return "i32";
  case ElementKind::I1:
    return "i1";
  case ElementKind::I64:
    return "i64";
  }
  llvm_unreachable("unknown element kind");
}

static int64_t product(ArrayRef<int64_t> extents) {
  int64_t count = 1;
  for (int64_t extent : extents)
    count *= extent;
  return count;
}

int64_t Tensor::numElements() const { return product(shape); }

static double roundToF32(double value) {
  return static_cast<double>(static_cast<float>(value));
}

Tensor Tensor::f32(std::vector<int64_t> shape, std::vector<double> values) {
  for (double &value : values)
    value = roundToF32(value);
  return Tensor{std::move(shape), ElementKind::F32, std::move(values)};
}

Tensor Tensor::i32(std::vector<int64_t> shape, std::vector<int32_t> values) {
  return Tensor{std::move(shape), ElementKind::I32,
                std::vector<double>(values.begin(), values.end())};
}

Tensor Tensor::i1(std::vector<int64_t> shape, std::vector<bool> values) {
  return Tensor{std::move(shape), ElementKind::I1,
                std::vector<double>(values.begin(), values.end())};
}

Tensor Tensor::zeros(std::vector<int64_t> shape, ElementKind kind) {
  Tensor tensor{std::move(shape), kind, {}};
  // A negative extent is reported when the tensor is checked against a type.
  tensor.data.assign(std::max<int64_t>(0, tensor.numElements()), 0.0);
  return tensor;
}

//===----------------------------------------------------------------------===//
// Checking tensors against IR types
//===----------------------------------------------------------------------===//

namespace {
/// What an evaluate function sees besides its operands.
struct EvalState {
  const ParameterValues &params;
  /// The extent of every `?`; unknown when no operand has a dynamic
  /// dimension and the caller did not give it.
  std::optional<int64_t> batchSize;
};
} // namespace

/// Diagnostics print numbers as people write them ("2.5", "3e+09").
static std::string formatNumber(double value) {
  std::ostringstream stream;
  stream << value;
  return stream.str();
}

static std::optional<ElementKind> getElementKind(Type elementType) {
  if (elementType.isF32())
    return ElementKind::F32;
  if (elementType.isSignlessInteger(32))
    return ElementKind::I32;
  if (elementType.isSignlessInteger(1))
    return ElementKind::I1;
  if (elementType.isSignlessInteger(64))
    return ElementKind::I64;
  return std::nullopt;
}

/// The element kind of `result`'s tensor type; the op verifiers guarantee
/// one for every mt result.
static ElementKind getResultKind(Value result) {
  std::optional<ElementKind> kind =
      getElementKind(result.getType().cast<TensorType>().getElementType());
  assert(kind && "mt results are f32, i32 or i1 tensors");
  return *kind;
}

/// Checks a concrete `tensor` against the IR type it stands for: element
/// kind, one value per element, integral values for i32 and i1, and, when the
/// type is ranked, the rank and static extents. Every `?` extent must be the
/// batch size; the first one seen sets `batchSize`.
static LogicalResult
checkTensor(llvm::function_ref<InFlightDiagnostic()> emitError,
            const Twine &what, const Tensor &tensor, Type type,
            std::optional<int64_t> &batchSize) {
  auto tensorType = type.dyn_cast<TensorType>();
  std::optional<ElementKind> kind =
      tensorType ? getElementKind(tensorType.getElementType()) : std::nullopt;
  if (!kind)
    return emitError() << what << " has type " << type
                       << ", which the interpreter does not support";
  if (tensor.kind != *kind)
    return emitError() << what << " has element type "
                       << stringifyElementKind(tensor.kind)
                       << ", but its type is " << type;
  for (auto it : llvm::enumerate(tensor.shape))
    if (it.value() < 0)
      return emitError() << what << " has a negative extent " << it.value()
                         << " at dimension " << it.index();
  if (static_cast<int64_t>(tensor.data.size()) != tensor.numElements())
    return emitError() << what << " holds " << tensor.data.size()
                       << " values, but its shape " << formatShape(tensor.shape)
                       << " has " << tensor.numElements() << " elements";

  if (auto ranked = type.dyn_cast<RankedTensorType>()) {
    bool matches =
        ranked.getRank() == static_cast<int64_t>(tensor.shape.size());
    for (int64_t d = 0; matches && d < ranked.getRank(); ++d)
      matches =
          ranked.isDynamicDim(d) || ranked.getDimSize(d) == tensor.shape[d];
    if (!matches)
      return emitError() << what << " has shape " << formatShape(tensor.shape)
                         << ", which does not match its type " << type;
    for (int64_t d = 0; d < ranked.getRank(); ++d) {
      if (!ranked.isDynamicDim(d))
        continue;
      if (!batchSize)
        batchSize = tensor.shape[d];
      else if (tensor.shape[d] != *batchSize)
        return emitError() << what << " has extent " << tensor.shape[d]
                           << " at dynamic dimension " << d
                           << ", but the batch size is " << *batchSize;
    }
  }

  for (auto it : llvm::enumerate(tensor.data)) {
    double value = it.value();
    bool exact = true;
    if (*kind == ElementKind::I32)
      exact = value == std::trunc(value) &&
              value >= std::numeric_limits<int32_t>::min() &&
              value <= std::numeric_limits<int32_t>::max();
    else if (*kind == ElementKind::I1)
      exact = value == 0.0 || value == 1.0;
    else if (*kind == ElementKind::I64)
      exact = value == std::trunc(value) && std::abs(value) <= 0x1p53;
    if (!exact)
      return emitError() << what << " holds " << formatNumber(value)
                         << " at position " << it.index()
                         << ", which is not an " << stringifyElementKind(*kind)
                         << " value";
  }
  return success();
}

/// The declared shape of `type` with every `?` replaced by the batch size.
static FailureOr<std::vector<int64_t>>
resolveShape(Operation *op, RankedTensorType type, const EvalState &state) {
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  for (int64_t &extent : shape) {
    if (!ShapedType::isDynamic(extent))
      continue;
    if (!state.batchSize) {
      op->emitOpError() << "result type " << type
                        << " has a dynamic dimension, but the batch size is "
                           "unknown: no argument or operand has one";
      return failure();
    }
    extent = *state.batchSize;
  }
  return shape;
}

//===----------------------------------------------------------------------===//
// Index helpers
//===----------------------------------------------------------------------===//

static std::vector<int64_t> getStrides(ArrayRef<int64_t> shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

/// For each element of `shape` in row-major order, `sum_d index[d] *
/// strides[d]`: where an operand read through `strides` keeps that element.
static std::vector<int64_t> getStridedOffsets(ArrayRef<int64_t> shape,
                                              ArrayRef<int64_t> strides) {
  std::vector<int64_t> offsets(product(shape));
  std::vector<int64_t> index(shape.size(), 0);
  int64_t offset = 0;
  for (int64_t &entry : offsets) {
    entry = offset;
    // Odometer step: bump the last dimension, carry into earlier ones.
    for (size_t d = shape.size(); d-- > 0;) {
      offset += strides[d];
      if (++index[d] < shape[d])
        break;
      offset -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return offsets;
}

/// The offsets NumPy broadcasting reads `from` at for each element of `to`:
/// right-aligned, stretched (size-1 or missing) dimensions have stride 0.
static std::vector<int64_t> getBroadcastOffsets(ArrayRef<int64_t> from,
                                                ArrayRef<int64_t> to) {
  std::vector<int64_t> fromStrides = getStrides(from);
  std::vector<int64_t> strides(to.size(), 0);
  size_t lead = to.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d)
    if (from[d] != 1)
      strides[lead + d] = fromStrides[d];
  return getStridedOffsets(to, strides);
}

namespace {
/// A shape seen as [outer, extent, inner] around one axis.
struct AxisSplit {
  int64_t outer, extent, inner;
};
} // namespace

static AxisSplit splitAt(ArrayRef<int64_t> shape, int64_t axis) {
  return {product(shape.take_front(axis)), shape[axis],
          product(shape.drop_front(axis + 1))};
}

/// `axis` must name a dimension of `tensor` (unranked operand types leave
/// this to run time).
static LogicalResult checkAxis(Operation *op, const Tensor &tensor,
                               int64_t axis) {
  if (axis < static_cast<int64_t>(tensor.shape.size()))
    return success();
  return op->emitOpError() << "axis " << axis << " is out of range for shape "
                           << formatShape(tensor.shape);
}

static std::vector<int64_t> toInts(ArrayAttr array) {
  std::vector<int64_t> values;
  for (Attribute attr : array)
    values.push_back(attr.cast<IntegerAttr>().getInt());
  return values;
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

namespace {
/// A row-major matrix, read transposed when `transposed`: element (i, j) of
/// the logical matrix is `data[j * cols + i]` then, where `cols` is the
/// stored column count.
struct MatrixView {
  const double *data;
  int64_t cols;
  bool transposed;
  double at(int64_t i, int64_t j) const {
    return transposed ? data[j * cols + i] : data[i * cols + j];
  }
};
} // namespace

/// out[m, n] = sum_k a(m, k) b(k, n), accumulated in double.
static void multiply(MatrixView a, MatrixView b, int64_t m, int64_t k,
                     int64_t n, double *out) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int64_t p = 0; p < k; ++p)
        sum += a.at(i, p) * b.at(p, j);
      out[i * n + j] = sum;
    }
}

static FailureOr<Tensor> evaluate(MatmulOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &lhs = operands[0], &rhs = operands[1];
  if (lhs.shape.size() < 2 || rhs.shape.size() != 2) {
    op.emitOpError() << "expected lhs of rank >= 2 and rhs of rank 2, got "
                     << formatShape(lhs.shape) << " and "
                     << formatShape(rhs.shape);
    return failure();
  }
  bool transposed = op.getTransposeRhs();
  int64_t m = lhs.shape[lhs.shape.size() - 2], k = lhs.shape.back();
  int64_t rhsK = rhs.shape[transposed ? 1 : 0];
  int64_t n = rhs.shape[transposed ? 0 : 1];
  if (k != rhsK) {
    op.emitOpError() << "contraction dimension differs: lhs has " << k
                     << ", rhs has " << rhsK;
    return failure();
  }
  std::vector<int64_t> shape = lhs.shape;
  shape.back() = n;
  Tensor result = Tensor::zeros(shape, ElementKind::F32);
  int64_t batches = product(ArrayRef<int64_t>(lhs.shape).drop_back(2));
  for (int64_t b = 0; b < batches; ++b)
    multiply({lhs.data.data() + b * m * k, k, false},
             {rhs.data.data(), rhs.shape[1], transposed}, m, k, n,
             result.data.data() + b * m * n);
  return result;
}

static FailureOr<Tensor> evaluate(BatchMatmulOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &lhs = operands[0], &rhs = operands[1];
  size_t rank = lhs.shape.size();
  if (rank < 3 || rhs.shape.size() != rank ||
      !std::equal(lhs.shape.begin(), lhs.shape.end() - 2, rhs.shape.begin())) {
    op.emitOpError() << "expected operands of equal rank >= 3 with equal "
                        "batch dimensions, got "
                     << formatShape(lhs.shape) << " and "
                     << formatShape(rhs.shape);
    return failure();
  }
  bool lhsT = op.getTransposeLhs(), rhsT = op.getTransposeRhs();
  int64_t lhsRows = lhs.shape[rank - 2], lhsCols = lhs.shape[rank - 1];
  int64_t rhsRows = rhs.shape[rank - 2], rhsCols = rhs.shape[rank - 1];
  int64_t m = lhsT ? lhsCols : lhsRows, k = lhsT ? lhsRows : lhsCols;
  int64_t rhsK = rhsT ? rhsCols : rhsRows, n = rhsT ? rhsRows : rhsCols;
  if (k != rhsK) {
    op.emitOpError() << "contraction dimension differs: lhs has " << k
                     << ", rhs has " << rhsK;
    return failure();
  }
  std::vector<int64_t> shape = lhs.shape;
  shape[rank - 2] = m;
  shape[rank - 1] = n;
  Tensor result = Tensor::zeros(shape, ElementKind::F32);
  int64_t batches = product(ArrayRef<int64_t>(lhs.shape).drop_back(2));
  for (int64_t b = 0; b < batches; ++b)
    multiply({lhs.data.data() + b * lhsRows * lhsCols, lhsCols, lhsT},
             {rhs.data.data() + b * rhsRows * rhsCols, rhsCols, rhsT}, m, k, n,
             result.data.data() + b * m * n);
  return result;
}

static FailureOr<Tensor>
evaluate(ContractLeadingOp op, ArrayRef<Tensor> operands, const EvalState &) {
  const Tensor &lhs = operands[0], &rhs = operands[1];
  size_t rank = lhs.shape.size();
  if (rank < 2 || rhs.shape.size() != rank ||
      !std::equal(lhs.shape.begin(), lhs.shape.end() - 1, rhs.shape.begin())) {
    op.emitOpError() << "expected operands of equal rank >= 2 with equal "
                        "leading dimensions, got "
                     << formatShape(lhs.shape) << " and "
                     << formatShape(rhs.shape);
    return failure();
  }
  // The leading dimensions, flattened, are the contraction of lhs^T rhs.
  int64_t m = lhs.shape.back(), n = rhs.shape.back();
  int64_t k = product(ArrayRef<int64_t>(lhs.shape).drop_back());
  Tensor result = Tensor::zeros({m, n}, ElementKind::F32);
  multiply({lhs.data.data(), m, true}, {rhs.data.data(), n, false}, m, k, n,
           result.data.data());
  return result;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// The NumPy broadcast of every operand's shape, or a located error naming
/// the clash.
static FailureOr<std::vector<int64_t>>
broadcastOperands(Operation *op, ArrayRef<Tensor> operands) {
  SmallVector<int64_t, 4> shape;
  for (const Tensor &operand : operands) {
    std::string why;
    auto next = broadcastShapes(shape, operand.shape, why);
    if (failed(next)) {
      op->emitOpError() << "operands do not broadcast: " << why;
      return failure();
    }
    shape = *next;
  }
  return std::vector<int64_t>(shape.begin(), shape.end());
}

/// result[i] = fn(the operands' broadcast values at i).
static Tensor mapElements(ArrayRef<Tensor> operands, ArrayRef<int64_t> shape,
                          ElementKind kind,
                          llvm::function_ref<double(ArrayRef<double>)> fn) {
  std::vector<std::vector<int64_t>> offsets;
  for (const Tensor &operand : operands)
    offsets.push_back(getBroadcastOffsets(operand.shape, shape));
  Tensor result = Tensor::zeros(shape, kind);
  SmallVector<double, 3> values(operands.size());
  for (int64_t i = 0, e = result.numElements(); i < e; ++i) {
    for (size_t o = 0; o < operands.size(); ++o)
      values[o] = operands[o].data[offsets[o][i]];
    result.data[i] = fn(values);
  }
  return result;
}

using UnaryFn = double (*)(double);
using BinaryFn = double (*)(double, double);

static Tensor evaluateUnary(const Tensor &input, UnaryFn fn) {
  return mapElements(input, input.shape, ElementKind::F32,
                     [fn](ArrayRef<double> x) { return fn(x[0]); });
}

static FailureOr<Tensor>
evaluateBinary(Operation *op, ArrayRef<Tensor> operands, BinaryFn fn) {
  FailureOr<std::vector<int64_t>> shape = broadcastOperands(op, operands);
  if (failed(shape))
    return failure();
  return mapElements(operands, *shape, ElementKind::F32,
                     [fn](ArrayRef<double> x) { return fn(x[0], x[1]); });
}

// max, min and relu propagate NaN, as PyTorch's maximum/minimum/relu do.
static double maxOrNaN(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? std::nan("") : std::max(a, b);
}
static double minOrNaN(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? std::nan("") : std::min(a, b);
}
static double relu(double x) { return maxOrNaN(x, 0.0); }
static double gelu(double x) {
  return x * (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0;
}
static double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// Both operands must have one element kind, which the verifier checks only
/// for ranked operand types.
static LogicalResult checkSameKind(Operation *op, const Tensor &a,
                                   StringRef aName, const Tensor &b,
                                   StringRef bName) {
  if (a.kind == b.kind)
    return success();
  return op->emitOpError() << "element types differ: " << aName << " is "
                           << stringifyElementKind(a.kind) << ", " << bName
                           << " is " << stringifyElementKind(b.kind);
}

static FailureOr<Tensor> evaluate(CompareOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  if (failed(checkSameKind(op, operands[0], "lhs", operands[1], "rhs")))
    return failure();
  FailureOr<std::vector<int64_t>> shape = broadcastOperands(op, operands);
  if (failed(shape))
    return failure();
  using Predicate = bool (*)(double, double);
  Predicate compare =
      llvm::StringSwitch<Predicate>(op.getPredicate())
          .Case("eq", [](double a, double b) { return a == b; })
          .Case("ne", [](double a, double b) { return a != b; })
          .Case("lt", [](double a, double b) { return a < b; })
          .Case("le", [](double a, double b) { return a <= b; })
          .Case("gt", [](double a, double b) { return a > b; })
          .Case("ge", [](double a, double b) { return a >= b; });
  return mapElements(operands, *shape, ElementKind::I1,
                     [compare](ArrayRef<double> x) {
                       return static_cast<double>(compare(x[0], x[1]));
                     });
}

static FailureOr<Tensor> evaluate(mt::SelectOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  if (failed(
          checkSameKind(op, operands[1], "on_true", operands[2], "on_false")))
    return failure();
  FailureOr<std::vector<int64_t>> shape = broadcastOperands(op, operands);
  if (failed(shape))
    return failure();
  return mapElements(operands, *shape, operands[1].kind,
                     [](ArrayRef<double> x) { return x[0] ? x[1] : x[2]; });
}

static FailureOr<Tensor> evaluate(CastOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &input = operands[0];
  Tensor result{input.shape, getResultKind(op.getResult()), {}};
  result.data.reserve(input.data.size());
  for (auto it : llvm::enumerate(input.data)) {
    double value = it.value();
    switch (result.kind) {
    case ElementKind::F32:
      break; // Rounded to float with every f32 result.
    case ElementKind::I32:
      value = std::trunc(value);
      if (!(value >= std::numeric_limits<int32_t>::min() &&
            value <= std::numeric_limits<int32_t>::max())) {
        op.emitOpError() << "value " << formatNumber(it.value())
                         << " at position " << it.index()
                         << " does not fit i32";
        return failure();
      }
      break;
    case ElementKind::I1:
      value = value != 0.0;
      break;
    case ElementKind::I64:
      llvm_unreachable("mt.cast results are f32, i32 or i1");
    }
    result.data.push_back(value);
  }
  return result;
}

/// Each element comes from (seed, stream, flat row-major index) through
/// DropoutHash.h, the bits the Halide kernel reproduces; with `first_row`
/// the index counts from that row.
static FailureOr<Tensor> evaluate(DropoutMaskOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &like = operands[0];
  double rate = op.getRateAttr().getValueAsDouble();
  uint64_t key = dropoutKey(static_cast<int64_t>(operands[1].data[0]),
                            op.getStreamAttr().getInt());
  uint64_t first = 0;
  if (op.getFirstRow() && !like.shape.empty() && like.shape[0] > 0) {
    uint64_t perRow = like.data.size() / like.shape[0];
    first = static_cast<uint64_t>(operands[2].data[0]) * perRow;
  }
  uint32_t threshold = dropoutThreshold(rate);
  double scale = dropoutScale(rate);
  Tensor result{like.shape, ElementKind::F32, {}};
  result.data.reserve(like.data.size());
  for (size_t i = 0, e = like.data.size(); i < e; ++i)
    result.data.push_back(dropoutBits(key, first + i) >= threshold ? scale
                                                                   : 0.0);
  return result;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

namespace {
enum class Reduction { Sum, Max, Mean };
} // namespace

static FailureOr<Tensor> evaluateReduction(Operation *op, const Tensor &input,
                                           int64_t axis, bool keepDims,
                                           Reduction reduction) {
  if (failed(checkAxis(op, input, axis)))
    return failure();
  AxisSplit split = splitAt(input.shape, axis);
  if (split.extent == 0 && reduction != Reduction::Sum) {
    op->emitOpError() << "axis " << axis << " of shape "
                      << formatShape(input.shape)
                      << " is empty, so the reduction is undefined";
    return failure();
  }
  std::vector<int64_t> shape = input.shape;
  if (keepDims)
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  Tensor result = Tensor::zeros(shape, ElementKind::F32);
  for (int64_t o = 0; o < split.outer; ++o)
    for (int64_t i = 0; i < split.inner; ++i) {
      const double *row =
          input.data.data() + o * split.extent * split.inner + i;
      double acc = reduction == Reduction::Max ? row[0] : 0.0;
      for (int64_t a = 0; a < split.extent; ++a) {
        double value = row[a * split.inner];
        acc = reduction == Reduction::Max ? maxOrNaN(acc, value) : acc + value;
      }
      if (reduction == Reduction::Mean)
        acc /= static_cast<double>(split.extent);
      result.data[o * split.inner + i] = acc;
    }
  return result;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

static FailureOr<Tensor> evaluate(BroadcastInDimOp op,
                                  ArrayRef<Tensor> operands,
                                  const EvalState &state) {
  const Tensor &input = operands[0];
  FailureOr<std::vector<int64_t>> shape =
      resolveShape(op, op.getType().cast<RankedTensorType>(), state);
  if (failed(shape))
    return failure();
  std::vector<int64_t> dims = toInts(op.getBroadcastDimensions());
  std::vector<int64_t> inputStrides = getStrides(input.shape);
  std::vector<int64_t> strides(shape->size(), 0);
  bool valid = dims.size() == input.shape.size();
  for (size_t i = 0; valid && i < dims.size(); ++i) {
    int64_t to = dims[i];
    valid = to >= 0 && to < static_cast<int64_t>(shape->size()) &&
            (input.shape[i] == 1 || input.shape[i] == (*shape)[to]);
    if (valid && input.shape[i] != 1)
      strides[to] = inputStrides[i];
  }
  if (!valid) {
    op.emitOpError() << "operand of shape " << formatShape(input.shape)
                     << " does not broadcast to " << formatShape(*shape)
                     << " along broadcast_dimensions " << formatShape(dims);
    return failure();
  }
  Tensor result{*shape, input.kind, {}};
  for (int64_t offset : getStridedOffsets(*shape, strides))
    result.data.push_back(input.data[offset]);
  return result;
}

static FailureOr<Tensor> evaluate(TransposeOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &input = operands[0];
  std::vector<int64_t> perm = toInts(op.getPermutation());
  std::vector<bool> seen(input.shape.size(), false);
  bool valid = perm.size() == input.shape.size();
  for (int64_t p : perm) {
    valid =
        valid && p >= 0 && p < static_cast<int64_t>(perm.size()) && !seen[p];
    if (valid)
      seen[p] = true;
  }
  if (!valid) {
    op.emitOpError() << "permutation " << formatShape(perm)
                     << " does not permute the dimensions of "
                     << formatShape(input.shape);
    return failure();
  }
  // Result dimension i walks operand dimension perm[i].
  std::vector<int64_t> inputStrides = getStrides(input.shape);
  std::vector<int64_t> shape, strides;
  for (int64_t p : perm) {
    shape.push_back(input.shape[p]);
    strides.push_back(inputStrides[p]);
  }
  Tensor result{shape, input.kind, {}};
  for (int64_t offset : getStridedOffsets(shape, strides))
    result.data.push_back(input.data[offset]);
  return result;
}

static FailureOr<Tensor> evaluate(ReshapeOp op, ArrayRef<Tensor> operands,
                                  const EvalState &state) {
  const Tensor &input = operands[0];
  FailureOr<std::vector<int64_t>> shape =
      resolveShape(op, op.getType().cast<RankedTensorType>(), state);
  if (failed(shape))
    return failure();
  if (product(*shape) != input.numElements()) {
    op.emitOpError() << "element count differs: " << formatShape(input.shape)
                     << " has " << input.numElements() << ", "
                     << formatShape(*shape) << " has " << product(*shape);
    return failure();
  }
  return Tensor{*shape, input.kind, input.data};
}

static FailureOr<Tensor> evaluate(SliceOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &input = operands[0];
  int64_t axis = op.getAxis(), start = op.getStart(), size = op.getSize();
  if (failed(checkAxis(op, input, axis)))
    return failure();
  AxisSplit split = splitAt(input.shape, axis);
  if (start + size > split.extent) {
    op.emitOpError() << "slice [" << start << ", " << start + size
                     << ") is out of bounds for axis " << axis << " of size "
                     << split.extent;
    return failure();
  }
  std::vector<int64_t> shape = input.shape;
  shape[axis] = size;
  Tensor result{shape, input.kind, {}};
  for (int64_t o = 0; o < split.outer; ++o) {
    auto first = input.data.begin() + (o * split.extent + start) * split.inner;
    result.data.insert(result.data.end(), first, first + size * split.inner);
  }
  return result;
}

static FailureOr<Tensor> evaluate(PadOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &input = operands[0];
  int64_t axis = op.getAxis(), low = op.getLow(), high = op.getHigh();
  if (failed(checkAxis(op, input, axis)))
    return failure();
  AxisSplit split = splitAt(input.shape, axis);
  std::vector<int64_t> shape = input.shape;
  shape[axis] += low + high;
  Tensor result = Tensor::zeros(shape, input.kind);
  int64_t padded = shape[axis];
  for (int64_t o = 0; o < split.outer; ++o)
    std::copy_n(input.data.begin() + o * split.extent * split.inner,
                split.extent * split.inner,
                result.data.begin() + (o * padded + low) * split.inner);
  return result;
}

static FailureOr<Tensor> evaluate(ConcatOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  if (operands.empty()) {
    op.emitOpError("expected at least one input");
    return failure();
  }
  const Tensor &first = operands[0];
  int64_t axis = op.getAxis();
  if (failed(checkAxis(op, first, axis)))
    return failure();
  std::vector<int64_t> shape = first.shape;
  shape[axis] = 0;
  for (auto it : llvm::enumerate(operands)) {
    const Tensor &input = it.value();
    std::string name = "input #" + std::to_string(it.index());
    if (failed(checkSameKind(op, first, "input #0", input, name)))
      return failure();
    bool fits = input.shape.size() == first.shape.size();
    for (size_t d = 0; fits && d < first.shape.size(); ++d)
      fits =
          static_cast<int64_t>(d) == axis || input.shape[d] == first.shape[d];
    if (!fits) {
      op.emitOpError() << name << " of shape " << formatShape(input.shape)
                       << " does not concatenate with input #0 of shape "
                       << formatShape(first.shape) << " along axis " << axis;
      return failure();
    }
    shape[axis] += input.shape[axis];
  }
  Tensor result{shape, first.kind, {}};
  AxisSplit split = splitAt(first.shape, axis);
  for (int64_t o = 0; o < split.outer; ++o)
    for (const Tensor &input : operands) {
      int64_t chunk = input.shape[axis] * split.inner;
      auto begin = input.data.begin() + o * chunk;
      result.data.insert(result.data.end(), begin, begin + chunk);
    }
  return result;
}

/// Every index must address a row of a table with `rows` rows.
static LogicalResult checkIndices(Operation *op, StringRef what,
                                  const Tensor &indices, int64_t rows) {
  for (auto it : llvm::enumerate(indices.data)) {
    auto index = static_cast<int64_t>(it.value());
    if (index < 0 || index >= rows)
      return op->emitOpError()
             << what << " index " << index << " at position " << it.index()
             << " is out of range [0, " << rows << ")";
  }
  return success();
}

static FailureOr<Tensor> evaluate(GatherOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &table = operands[0], &indices = operands[1];
  if (table.shape.empty()) {
    op.emitOpError("expected a table of rank >= 1, got a scalar");
    return failure();
  }
  if (failed(checkIndices(op, "gather", indices, table.shape[0])))
    return failure();
  std::vector<int64_t> shape = indices.shape;
  shape.insert(shape.end(), table.shape.begin() + 1, table.shape.end());
  int64_t rowSize = product(ArrayRef<int64_t>(table.shape).drop_front());
  Tensor result{shape, ElementKind::F32, {}};
  for (double index : indices.data) {
    auto row = table.data.begin() + static_cast<int64_t>(index) * rowSize;
    result.data.insert(result.data.end(), row, row + rowSize);
  }
  return result;
}

static FailureOr<Tensor> evaluate(ScatterAddOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &indices = operands[0], &updates = operands[1];
  int64_t rows = op.getNumRows();
  size_t rank = indices.shape.size();
  if (updates.shape.size() < rank ||
      !std::equal(indices.shape.begin(), indices.shape.end(),
                  updates.shape.begin())) {
    op.emitOpError() << "expected updates whose leading dimensions are the "
                        "indices' shape "
                     << formatShape(indices.shape) << ", got "
                     << formatShape(updates.shape);
    return failure();
  }
  if (failed(checkIndices(op, "scatter_add", indices, rows)))
    return failure();
  std::vector<int64_t> shape{rows};
  shape.insert(shape.end(), updates.shape.begin() + rank, updates.shape.end());
  int64_t rowSize = product(ArrayRef<int64_t>(updates.shape).drop_front(rank));
  // Sums accumulate in double; the f32 rounding happens once, at the end.
  Tensor result = Tensor::zeros(shape, ElementKind::F32);
  for (auto it : llvm::enumerate(indices.data)) {
    int64_t row = static_cast<int64_t>(it.value());
    for (int64_t j = 0; j < rowSize; ++j)
      result.data[row * rowSize + j] += updates.data[it.index() * rowSize + j];
  }
  return result;
}

static FailureOr<Tensor> evaluate(OneHotOp op, ArrayRef<Tensor> operands,
                                  const EvalState &) {
  const Tensor &indices = operands[0];
  int64_t depth = op.getDepth();
  std::vector<int64_t> shape = indices.shape;
  shape.push_back(depth);
  Tensor result = Tensor::zeros(shape, getResultKind(op.getResult()));
  for (auto it : llvm::enumerate(indices.data)) {
    auto index = static_cast<int64_t>(it.value());
    // An id outside [0, depth) leaves its row zero.
    if (index >= 0 && index < depth)
      result.data[it.index() * depth + index] = 1.0;
  }
  return result;
}

static FailureOr<Tensor> evaluate(mt::ConstantOp op, ArrayRef<Tensor>,
                                  const EvalState &) {
  auto dense = op.getValue().dyn_cast<DenseElementsAttr>();
  if (!dense) {
    op.emitOpError() << "expected a dense elements value, got "
                     << op.getValue();
    return failure();
  }
  ShapedType type = dense.getType();
  std::optional<ElementKind> kind = getElementKind(type.getElementType());
  if (!kind) {
    op.emitOpError() << "constant of type " << type
                     << " is not supported by the interpreter";
    return failure();
  }
  // getValues repeats a splat value over every element.
  Tensor result{type.getShape().vec(), *kind, {}};
  switch (*kind) {
  case ElementKind::F32:
    for (const APFloat &value : dense.getValues<APFloat>())
      result.data.push_back(value.convertToDouble());
    break;
  case ElementKind::I32:
  case ElementKind::I64:
    for (const APInt &value : dense.getValues<APInt>())
      result.data.push_back(static_cast<double>(value.getSExtValue()));
    break;
  case ElementKind::I1:
    for (bool value : dense.getValues<bool>())
      result.data.push_back(value);
    break;
  }
  return result;
}

static FailureOr<Tensor> evaluate(IotaOp op, ArrayRef<Tensor>,
                                  const EvalState &state) {
  auto type = op.getType().cast<RankedTensorType>();
  FailureOr<std::vector<int64_t>> shape = resolveShape(op, type, state);
  if (failed(shape))
    return failure();
  int64_t dimension = op.getDimension();
  if (dimension >= static_cast<int64_t>(shape->size())) {
    op.emitOpError() << "dimension " << dimension
                     << " is out of range for rank " << shape->size();
    return failure();
  }
  // Reading a counter along `dimension` through its stride gives the index.
  std::vector<int64_t> strides(shape->size(), 0);
  strides[dimension] = 1;
  Tensor result{*shape, getResultKind(op.getResult()), {}};
  for (int64_t index : getStridedOffsets(*shape, strides))
    result.data.push_back(static_cast<double>(index));
  return result;
}

static FailureOr<Tensor> evaluate(ParamRefOp op, ArrayRef<Tensor>,
                                  const EvalState &state) {
  StringRef name = op.getParameter();
  auto it = state.params.find(name.str());
  if (it == state.params.end()) {
    op.emitOpError() << "parameter '" << name << "' has no value";
    return failure();
  }
  std::optional<int64_t> noBatch; // Parameter types are static.
  if (failed(checkTensor([&] { return op.emitOpError(); },
                         "parameter '" + name + "'", it->second, op.getType(),
                         noBatch)))
    return failure();
  return it->second;
}

//===----------------------------------------------------------------------===//
// The op table and the drivers
//===----------------------------------------------------------------------===//

namespace {
using Evaluator =
    std::function<FailureOr<Tensor>(ArrayRef<Tensor>, const EvalState &)>;
} // namespace

template <typename OpTy> static Evaluator bind(OpTy op) {
  return [op](ArrayRef<Tensor> operands, const EvalState &state) {
    return evaluate(op, operands, state);
  };
}

static Evaluator unary(UnaryFn fn) {
  return
      [fn](ArrayRef<Tensor> operands, const EvalState &) -> FailureOr<Tensor> {
        return evaluateUnary(operands[0], fn);
      };
}

static Evaluator binary(Operation *op, BinaryFn fn) {
  return [op, fn](ArrayRef<Tensor> operands, const EvalState &) {
    return evaluateBinary(op, operands, fn);
  };
}

template <typename ReduceOp>
static Evaluator reduction(ReduceOp op, Reduction kind) {
  Operation *raw = op;
  int64_t axis = op.getAxis();
  bool keepDims = op.getKeepDims();
  return [=](ArrayRef<Tensor> operands, const EvalState &) {
    return evaluateReduction(raw, operands[0], axis, keepDims, kind);
  };
}

/// How to evaluate `op`; empty when the interpreter does not know it.
static Evaluator getEvaluator(Operation *op) {
  auto bound = [](auto typed) { return bind(typed); };
  return llvm::TypeSwitch<Operation *, Evaluator>(op)
      .Case<MatmulOp, BatchMatmulOp, ContractLeadingOp>(bound)
      .Case([](AddOp op) {
        return binary(op, [](double a, double b) { return a + b; });
      })
      .Case([](SubOp op) {
        return binary(op, [](double a, double b) { return a - b; });
      })
      .Case([](MulOp op) {
        return binary(op, [](double a, double b) { return a * b; });
      })
      .Case([](DivOp op) {
        return binary(op, [](double a, double b) { return a / b; });
      })
      .Case([](MaxOp op) { return binary(op, maxOrNaN); })
      .Case([](MinOp op) { return binary(op, minOrNaN); })
      .Case([](PowOp op) {
        return binary(op, [](double a, double b) { return std::pow(a, b); });
      })
      .Case([](ExpOp) { return unary([](double x) { return std::exp(x); }); })
      .Case([](LogOp) { return unary([](double x) { return std::log(x); }); })
      .Case([](TanhOp) { return unary([](double x) { return std::tanh(x); }); })
      .Case([](ErfOp) { return unary([](double x) { return std::erf(x); }); })
      .Case([](SqrtOp) { return unary([](double x) { return std::sqrt(x); }); })
      .Case([](RsqrtOp) {
        return unary([](double x) { return 1.0 / std::sqrt(x); });
      })
      .Case([](NegOp) { return unary([](double x) { return -x; }); })
      .Case([](AbsOp) { return unary([](double x) { return std::abs(x); }); })
      .Case([](SinOp) { return unary([](double x) { return std::sin(x); }); })
      .Case([](CosOp) { return unary([](double x) { return std::cos(x); }); })
      .Case([](ReluOp) { return unary(relu); })
      .Case([](GeluOp) { return unary(gelu); })
      .Case([](SigmoidOp) { return unary(sigmoid); })
      .Case<CompareOp, mt::SelectOp, CastOp, DropoutMaskOp>(bound)
      .Case([](ReduceSumOp op) { return reduction(op, Reduction::Sum); })
      .Case([](ReduceMaxOp op) { return reduction(op, Reduction::Max); })
      .Case([](ReduceMeanOp op) { return reduction(op, Reduction::Mean); })
      .Case<BroadcastInDimOp, TransposeOp, ReshapeOp, SliceOp, PadOp, ConcatOp,
            GatherOp, ScatterAddOp, OneHotOp, mt::ConstantOp, IotaOp,
            ParamRefOp>(bound)
      .Default([](Operation *) { return Evaluator(); });
}

/// Says why `op` has no evaluator.
static void reportUnsupported(Operation *op) {
  if (isa<ParameterizedOp>(op))
    op->emitError() << "op '" << op->getName()
                    << "' is not a primitive; run mt-decompose first";
  // mt-decompose keeps dropout: its meaning depends on the entry point.
  else if (isa<DropoutOp>(op))
    op->emitError() << "op '" << op->getName()
                    << "' is not a primitive; run mt-prune-to-inference "
                       "first (dropout is the identity at inference)";
  else
    op->emitError() << "op '" << op->getName()
                    << "' is not supported by the reference interpreter";
}

FailureOr<std::vector<Tensor>> mt::interp::evaluateOp(
    Operation *op, ArrayRef<Tensor> operands, const ParameterValues &params,
    std::optional<int64_t> batchSize, const InterpretOptions &options) {
  // One process is the whole data-parallel group: each sum is its operand.
  if (isa<AllReduceOp>(op))
    return std::vector<Tensor>(operands.begin(), operands.end());
  Evaluator evaluator = getEvaluator(op);
  if (!evaluator) {
    reportUnsupported(op);
    return failure();
  }
  if (operands.size() != op->getNumOperands()) {
    op->emitOpError() << "expected " << op->getNumOperands()
                      << " operands, got " << operands.size();
    return failure();
  }
  auto emitError = [op] { return op->emitOpError(); };
  for (auto it : llvm::enumerate(operands))
    if (failed(checkTensor(emitError, "operand #" + Twine(it.index()),
                           it.value(), op->getOperand(it.index()).getType(),
                           batchSize)))
      return failure();

  FailureOr<Tensor> result = evaluator(operands, EvalState{params, batchSize});
  if (failed(result))
    return failure();
  // Each op rounds its f32 result once, so the oracle follows f32 semantics
  // op by op while computing (and accumulating) in double.
  if (options.roundToF32 && result->kind == ElementKind::F32)
    for (double &value : result->data)
      value = roundToF32(value);
  if (failed(checkTensor(emitError, "result #0", *result,
                         op->getResult(0).getType(), batchSize)))
    return failure();
  return std::vector<Tensor>{std::move(*result)};
}

/// Evaluates `body` on `args` op by op, an mt.kernel by its own body, and
/// returns the operands of its terminator (return or yield).
static FailureOr<std::vector<Tensor>>
evaluateBlock(Block &body, ArrayRef<Tensor> args, const ParameterValues &params,
              std::optional<int64_t> batchSize,
              const InterpretOptions &options) {
  // Values are dropped after their last use, so whole models fit in memory.
  DenseMap<Value, Operation *> lastUser;
  for (Operation &op : body)
    for (Value operand : op.getOperands())
      lastUser[operand] = &op;
  DenseMap<Value, Tensor> values;
  for (auto it : llvm::zip(body.getArguments(), args))
    values[std::get<0>(it)] = std::get<1>(it);

  for (Operation &op : body) {
    std::vector<Tensor> operands;
    for (Value operand : op.getOperands()) {
      auto found = values.find(operand);
      assert(found != values.end() && "verified IR defines values before use");
      operands.push_back(found->second);
    }
    if (op.hasTrait<mlir::OpTrait::IsTerminator>())
      return operands;
    FailureOr<std::vector<Tensor>> results =
        isa<KernelOp>(op)
            ? evaluateBlock(cast<KernelOp>(op).getBody().front(), operands,
                            params, batchSize, options)
            : evaluateOp(&op, operands, params, batchSize, options);
    if (failed(results))
      return failure();
    for (Value operand : op.getOperands())
      if (lastUser[operand] == &op)
        values.erase(operand);
    for (auto it : llvm::zip(op.getResults(), *results))
      values[std::get<0>(it)] = std::move(std::get<1>(it));
  }
  return std::vector<Tensor>();
}

FailureOr<std::vector<Tensor>>
mt::interp::interpret(FuncOp func, ArrayRef<Tensor> args,
                      const ParameterValues &params,
                      const InterpretOptions &options) {
  if (func.isExternal()) {
    func.emitError() << "function @" << func.getName()
                     << " has no body to interpret";
    return failure();
  }
  if (!llvm::hasSingleElement(func.getBody())) {
    func.emitError() << "expected a function with one block, got "
                     << func.getBody().getBlocks().size();
    return failure();
  }
  FunctionType type = func.getType();
  if (args.size() != type.getNumInputs()) {
    func.emitError() << "expected " << type.getNumInputs() << " arguments, got "
                     << args.size();
    return failure();
  }
  auto emitError = [&func] { return func.emitError(); };
  std::optional<int64_t> batchSize;
  for (auto it : llvm::enumerate(args))
    if (failed(checkTensor(emitError, "argument #" + Twine(it.index()),
                           it.value(), type.getInput(it.index()), batchSize)))
      return failure();

  if (!isa<ReturnOp>(func.front().back())) {
    func.emitError() << "function @" << func.getName()
                     << " does not end in a return";
    return failure();
  }
  FailureOr<std::vector<Tensor>> results =
      evaluateBlock(func.front(), args, params, batchSize, options);
  if (failed(results))
    return failure();
  for (auto it : llvm::enumerate(*results))
    if (failed(checkTensor(emitError, "result #" + Twine(it.index()),
                           it.value(), type.getResult(it.index()), batchSize)))
      return failure();
  return results;
}
