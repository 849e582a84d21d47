//===- LowerPrimitive.cpp - the Halide algorithm of each mt primitive -----===//
//
// One lowering per op or op family, in the order of MTOps.td. Each builds the
// result Func's definition only; no schedule is set here. See
// LowerPrimitive.h for the layout convention and the preconditions.
//
//===----------------------------------------------------------------------===//

#include "Conversion/MTToHalide/LowerPrimitive.h"

#include "mt/Dialect/DropoutHash.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

using namespace mlir;
using namespace mt;
using Halide::Expr;
using Halide::Func;
using Halide::Var;

namespace {

/// Constants with at most this many elements become a select chain
/// in the expression; larger ones a Buffer embedded in the pipeline.
constexpr int64_t kInlineConstantLimit = 16;

std::string uniqueFuncName(StringRef opName) {
  static std::atomic<unsigned> counter{0};
  std::string base = opName.str();
  std::replace(base.begin(), base.end(), '.', '_');
  if (StringRef(base).startswith("mt_"))
    base = base.substr(3);
  return base + "_" + std::to_string(counter++);
}

/// Reverses a tensor-order index list into Halide argument order.
template <typename T> std::vector<T> halideOrder(ArrayRef<T> tensorOrder) {
  return std::vector<T>(tensorOrder.rbegin(), tensorOrder.rend());
}

/// Everything one op's lowering needs: its operands' Funcs and shapes, the
/// result Func and one pure Var per result dimension (tensor order).
class OpLowering {
public:
  OpLowering(Operation *op, ArrayRef<Func> operands, Expr batch,
             Halide::Type resultType)
      : op(op), operands(operands), batch(std::move(batch)),
        resultType(resultType),
        name(uniqueFuncName(op->getName().getStringRef())), result(name) {
    for (int64_t i = 0, e = resultShape().size(); i < e; ++i)
      vars.emplace_back("d" + std::to_string(i));
  }

  ArrayRef<int64_t> resultShape() const {
    return op->getResult(0).getType().cast<RankedTensorType>().getShape();
  }
  ArrayRef<int64_t> operandShape(unsigned i) const {
    return op->getOperand(i).getType().cast<RankedTensorType>().getShape();
  }
  /// A static extent, or the batch size for a dynamic one.
  Expr extent(int64_t dim) const {
    return ShapedType::isDynamic(dim) ? batch : Expr(static_cast<int>(dim));
  }
  /// Reads operand `i` at a tensor-order index.
  Expr read(unsigned i, ArrayRef<Expr> index) const {
    return operands[i](halideOrder(index));
  }
  /// Reads operand `i` at the result's index under NumPy broadcasting:
  /// operand dims align right, a size-1 dim reads index 0.
  Expr readBroadcast(unsigned i) const {
    ArrayRef<int64_t> shape = operandShape(i);
    size_t offset = vars.size() - shape.size();
    SmallVector<Expr> index;
    for (size_t k = 0; k < shape.size(); ++k)
      index.push_back(shape[k] == 1 ? Expr(0) : Expr(vars[k + offset]));
    return read(i, index);
  }
  std::vector<Expr> varExprs() const {
    return std::vector<Expr>(vars.begin(), vars.end());
  }
  /// result(vars) = value, converted to the result's element type.
  void define(const Expr &value) {
    result(halideOrder<Var>(vars)) = Halide::cast(resultType, value);
  }

  Operation *op;
  ArrayRef<Func> operands;
  Expr batch;
  Halide::Type resultType;
  /// The result's requested name; Halide may append "$n" to keep names
  /// unique, so helper Funcs are named from this, not from result.name().
  std::string name;
  Func result;
  SmallVector<Var> vars;
  /// The helper stages of matmul-like ops (LoweredOp).
  Func accumulator, stagedRhs;
};

//===----------------------------------------------------------------------===//
// Math helpers
//===----------------------------------------------------------------------===//

/// erf(x) in f32: the rational approximation Eigen and XLA use (odd
/// numerator of degree 13 over an even denominator of degree 8, on x clamped
/// to [-4, 4], beyond which erf is +-1 in f32). Measured max relative error
/// 4e-7 against double erf on [-10, 10].
Expr erfF32(const Expr &input) {
  Expr x = Halide::clamp(input, -4.0f, 4.0f);
  Expr x2 = x * x;
  Expr p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
  for (float c :
       {-2.10102402082508e-06f, -5.69250639462346e-05f, -7.34990630326855e-04f,
        -2.95459980854025e-03f, -1.60960333262415e-02f})
    p = x2 * p + c;
  Expr q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
  for (float c :
       {-1.68282697438203e-03f, -7.37332916720468e-03f, -1.42647390514189e-02f})
    q = x2 * q + c;
  return x * p / q;
}

/// gelu(x) = x (1 + erf(x / sqrt 2)) / 2, written as x erfc(-x / sqrt 2) / 2
/// so it stays accurate where 1 + erf(x / sqrt 2) cancels (x < 0).
/// erfc(z) for z >= 0 is Numerical Recipes' erfcc (fractional error below
/// 1.2e-7 in exact arithmetic): t exp(-z^2 + P(t)), t = 1 / (1 + z / 2).
/// exp(-z^2) = exp(-x^2 / 2) is evaluated as exp(-h^2 / 2) exp(-(a - h)(a + h)
/// / 2) with a = |x| and h = a rounded down to 1/256, whose square is exact
/// in f32; rounding x^2 directly would cost 2 z^2 ulps. Measured max relative
/// error 4e-6 against double on [-8, 8].
Expr geluF32(const Expr &x) {
  Expr a = Halide::min(Halide::abs(x), 20.0f); // erfc(20 / sqrt 2) is 0 in f32
  Expr z = a * static_cast<float>(M_SQRT1_2);
  Expr t = 1.0f / (1.0f + 0.5f * z);
  Expr poly = 0.17087277f;
  for (float c : {-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f,
                  -0.18628806f, 0.09678418f, 0.37409196f, 1.00002368f})
    poly = c + t * poly;
  poly = -1.26551223f + t * poly;
  Expr h = Halide::floor(a * 256.0f) / 256.0f;
  Expr erfcZ = t * Halide::exp(-0.5f * h * h) *
               Halide::exp(-0.5f * (a - h) * (a + h) + poly);
  // erfc(-x / sqrt 2) is erfc(z) for x < 0 and 2 - erfc(z) otherwise.
  return 0.5f * x * Halide::select(x < 0.0f, erfcZ, 2.0f - erfcZ);
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

/// The rhs of a matmul with transpose_rhs, as a Func in the untransposed
/// [b..., K, N] layout (LoweredOp::stagedRhs): inline unless a schedule
/// stages it, so N becomes the contiguous dimension.
Func transposedRhs(OpLowering &l) {
  size_t rank = l.operandShape(1).size();
  SmallVector<Var> vars;
  for (size_t i = 0; i < rank; ++i)
    vars.emplace_back("t" + std::to_string(i));
  std::vector<Expr> source(vars.begin(), vars.end());
  std::swap(source[rank - 2], source[rank - 1]);
  l.stagedRhs = Func(l.name + "_rhs_t");
  l.stagedRhs(halideOrder<Var>(vars)) = l.read(1, source);
  return l.stagedRhs;
}

/// Sums lhs * rhs over RDom k into the accumulator and copies it into the
/// result: the accumulator is a separate Func so a schedule can compute it
/// per register block (LoweredOp).
void defineMatmul(OpLowering &l, const Expr &lhs, const Expr &rhs) {
  l.accumulator = Func(l.name + "_acc");
  std::vector<Var> args = halideOrder<Var>(l.vars);
  l.accumulator(args) = 0.0f;
  l.accumulator(args) += lhs * rhs;
  l.define(l.accumulator(args));
}

/// result[..., m, n] = sum_k lhs[..., m, k] * rhs[k, n] (rhs[n, k] with
/// transpose_rhs).
void lowerMatmul(OpLowering &l, MatmulOp op) {
  ArrayRef<int64_t> lhsShape = l.operandShape(0);
  Halide::RDom k(0, l.extent(lhsShape.back()), "k");
  size_t rank = l.vars.size();
  std::vector<Expr> lhsIndex = l.varExprs();
  lhsIndex.back() = k;
  std::vector<Expr> rhsIndex{k, l.vars[rank - 1]};
  Expr rhs = op.getTransposeRhs()
                 ? transposedRhs(l)(halideOrder<Expr>(rhsIndex))
                 : l.read(1, rhsIndex);
  defineMatmul(l, l.read(0, lhsIndex), rhs);
}

/// result[b..., m, n] = sum_k lhs[b..., m, k] * rhs[b..., k, n], either
/// operand's last two dimensions swapped when transposed.
void lowerBatchMatmul(OpLowering &l, BatchMatmulOp op) {
  ArrayRef<int64_t> lhsShape = l.operandShape(0);
  size_t rank = l.vars.size();
  int64_t kDim = lhsShape[op.getTransposeLhs() ? rank - 2 : rank - 1];
  Halide::RDom k(0, l.extent(kDim), "k");
  Expr m = l.vars[rank - 2], n = l.vars[rank - 1];
  std::vector<Expr> lhsIndex = l.varExprs(), rhsIndex = l.varExprs();
  lhsIndex[rank - 2] = op.getTransposeLhs() ? Expr(k) : m;
  lhsIndex[rank - 1] = op.getTransposeLhs() ? m : Expr(k);
  rhsIndex[rank - 2] = k;
  rhsIndex[rank - 1] = n;
  Expr rhs = op.getTransposeRhs()
                 ? transposedRhs(l)(halideOrder<Expr>(rhsIndex))
                 : l.read(1, rhsIndex);
  defineMatmul(l, l.read(0, lhsIndex), rhs);
}

/// result[m, n] = sum over d... of lhs[d..., m] * rhs[d..., n]: one RDom
/// over the leading dimensions, the last one innermost, so the sum runs in
/// row-major order of the leading index.
void lowerContractLeading(OpLowering &l, ContractLeadingOp) {
  ArrayRef<int64_t> lhsShape = l.operandShape(0);
  std::vector<Halide::Range> ranges;
  for (int64_t i = static_cast<int64_t>(lhsShape.size()) - 2; i >= 0; --i)
    ranges.emplace_back(0, l.extent(lhsShape[i]));
  Halide::RDom r(ranges, "k");
  std::vector<Expr> lhsIndex, rhsIndex;
  for (int64_t i = static_cast<int64_t>(lhsShape.size()) - 2; i >= 0; --i) {
    lhsIndex.push_back(r[i]);
    rhsIndex.push_back(r[i]);
  }
  lhsIndex.push_back(l.vars[0]);
  rhsIndex.push_back(l.vars[1]);
  defineMatmul(l, l.read(0, lhsIndex), l.read(1, rhsIndex));
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult lowerElementwise(OpLowering &l) {
  auto in = [&](unsigned i) { return l.readBroadcast(i); };
  Operation *op = l.op;
  Expr value =
      llvm::TypeSwitch<Operation *, Expr>(op)
          .Case([&](AddOp) { return in(0) + in(1); })
          .Case([&](SubOp) { return in(0) - in(1); })
          .Case([&](MulOp) { return in(0) * in(1); })
          .Case([&](DivOp) { return in(0) / in(1); })
          .Case([&](MaxOp) { return Halide::max(in(0), in(1)); })
          .Case([&](MinOp) { return Halide::min(in(0), in(1)); })
          .Case([&](PowOp) { return Halide::pow(in(0), in(1)); })
          .Case([&](ExpOp) { return Halide::exp(in(0)); })
          .Case([&](LogOp) { return Halide::log(in(0)); })
          .Case([&](TanhOp) { return Halide::tanh(in(0)); })
          .Case([&](ErfOp) { return erfF32(in(0)); })
          .Case([&](SqrtOp) { return Halide::sqrt(in(0)); })
          .Case([&](RsqrtOp) { return 1.0f / Halide::sqrt(in(0)); })
          .Case([&](NegOp) { return -in(0); })
          .Case([&](AbsOp) { return Halide::abs(in(0)); })
          .Case([&](SinOp) { return Halide::sin(in(0)); })
          .Case([&](CosOp) { return Halide::cos(in(0)); })
          .Case([&](ReluOp) { return Halide::max(in(0), 0.0f); })
          .Case([&](GeluOp) { return geluF32(in(0)); })
          .Case([&](SigmoidOp) { return 1.0f / (1.0f + Halide::exp(-in(0))); })
          .Case([&](CompareOp cmp) -> Expr {
            Expr a = in(0), b = in(1);
            StringRef p = cmp.getPredicate();
            if (p == "eq")
              return a == b;
            if (p == "ne")
              return a != b;
            if (p == "lt")
              return a < b;
            if (p == "le")
              return a <= b;
            if (p == "gt")
              return a > b;
            if (p == "ge")
              return a >= b;
            return Expr();
          })
          .Case([&](SelectOp) {
            return Halide::select(in(0) != 0, in(1), in(2));
          })
          .Case([&](CastOp) -> Expr {
            Expr x = in(0);
            if (l.resultType == Halide::UInt(8))
              return x != Halide::Internal::make_zero(x.type());
            return x; // define() converts; float to int truncates toward 0
          })
          .Default([](Operation *) { return Expr(); });
  if (!value.defined())
    return op->emitOpError("has no elementwise Halide lowering");
  l.define(value);
  return success();
}

/// splitmix64 of DropoutHash.h on UInt(64) Exprs (unsigned arithmetic wraps
/// in Halide as in C++).
Expr splitmix64(Expr x) {
  x = x + Expr(kSplitMixGamma);
  x = (x ^ (x >> 30)) * Expr(kSplitMixMul1);
  x = (x ^ (x >> 27)) * Expr(kSplitMixMul2);
  return x ^ (x >> 31);
}

/// DropoutHash.h's mask, bit for bit: the stream key from the seed (a
/// zero-argument Func, hoisted out of the loops as a loop invariant), then
/// per element the top bits of splitmix64(key + index * gamma), where index
/// is the flat row-major index over the result, batch included (rows
/// numbered from `first_row` when it is given).
void lowerDropoutMask(OpLowering &l, DropoutMaskOp op) {
  double rate = op.getRateAttr().getValueAsDouble();
  Halide::Type u64 = Halide::UInt(64);
  Expr seed = Halide::reinterpret(u64, l.read(1, {}));
  Expr key =
      splitmix64(splitmix64(seed) +
                 Expr(static_cast<uint64_t>(op.getStreamAttr().getInt())));
  ArrayRef<int64_t> shape = l.resultShape();
  Expr index = Expr(uint64_t(0));
  for (size_t i = 0; i < shape.size(); ++i) {
    Expr position = Halide::cast(u64, l.vars[i]);
    if (i == 0 && op.getFirstRow())
      position += Halide::reinterpret(u64, l.read(2, {}));
    index = index * Halide::cast(u64, l.extent(shape[i])) + position;
  }
  Expr bits =
      splitmix64(key + index * Expr(kSplitMixGamma)) >> (64 - kDropoutBits);
  l.define(Halide::select(
      bits >= Expr(static_cast<uint64_t>(dropoutThreshold(rate))),
      dropoutScale(rate), 0.0f));
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// Reduces `axis` in place: the result's pure definition is the identity (or
/// the first element for max), one update accumulates over RDom r, and mean
/// divides in a second update.
void lowerReduction(OpLowering &l, int64_t axis, bool keepDims) {
  ArrayRef<int64_t> inShape = l.operandShape(0);
  bool isMax = isa<ReduceMaxOp>(l.op);
  // max starts from element 0, so it needs no -infinity (Halide compiles
  // with no-infs assumptions), and then takes in element 0 again (max is
  // idempotent): every RDom covers the whole axis, so a schedule can split
  // it into vectors when the axis is a multiple of the vector width.
  Halide::RDom r(0, l.extent(inShape[axis]), "r");
  auto inputAt = [&](Expr axisIndex) {
    SmallVector<Expr> index;
    for (int64_t d = 0, e = inShape.size(); d < e; ++d) {
      if (d == axis)
        index.push_back(axisIndex);
      else
        index.push_back(l.vars[keepDims || d < axis ? d : d - 1]);
    }
    return l.read(0, index);
  };
  std::vector<Var> lhs = halideOrder<Var>(l.vars);
  if (isMax) {
    l.define(inputAt(0));
    l.result(lhs) = Halide::max(l.result(lhs), inputAt(r));
    return;
  }
  l.define(0.0f);
  l.result(lhs) += inputAt(r);
  if (isa<ReduceMeanOp>(l.op))
    l.result(lhs) =
        l.result(lhs) / Halide::cast<float>(l.extent(inShape[axis]));
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

void lowerBroadcastInDim(OpLowering &l, BroadcastInDimOp op) {
  ArrayRef<int64_t> inShape = l.operandShape(0);
  SmallVector<Expr> index;
  ArrayAttr dims = op.getBroadcastDimensions();
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t target = dims[i].cast<IntegerAttr>().getInt();
    index.push_back(inShape[i] == 1 ? Expr(0) : Expr(l.vars[target]));
  }
  l.define(l.read(0, index));
}

void lowerTranspose(OpLowering &l, TransposeOp op) {
  SmallVector<Expr> index(l.vars.size());
  ArrayAttr permutation = op.getPermutation();
  for (size_t i = 0; i < permutation.size(); ++i)
    index[permutation[i].cast<IntegerAttr>().getInt()] = l.vars[i];
  l.define(l.read(0, index));
}

/// Row-major reinterpretation. Leading and trailing dimensions the two
/// shapes share map directly (so the batch and an unchanged innermost
/// dimension keep plain, vectorizable indices); the rest goes through the
/// linear index.
void lowerReshape(OpLowering &l) {
  ArrayRef<int64_t> inShape = l.operandShape(0);
  ArrayRef<int64_t> outShape = l.resultShape();
  size_t lead = 0;
  while (lead < inShape.size() && lead < outShape.size() &&
         inShape[lead] == outShape[lead])
    ++lead;
  size_t trail = 0;
  while (trail + lead < inShape.size() && trail + lead < outShape.size() &&
         inShape[inShape.size() - 1 - trail] ==
             outShape[outShape.size() - 1 - trail])
    ++trail;
  SmallVector<Expr> index(inShape.size());
  for (size_t i = 0; i < lead; ++i)
    index[i] = l.vars[i];
  for (size_t i = 0; i < trail; ++i)
    index[inShape.size() - 1 - i] = l.vars[outShape.size() - 1 - i];
  size_t inEnd = inShape.size() - trail, outEnd = outShape.size() - trail;
  Expr linear = 0;
  for (size_t i = lead; i < outEnd; ++i)
    linear = linear * l.extent(outShape[i]) + l.vars[i];
  Expr stride = 1;
  for (size_t i = inEnd; i-- > lead;) {
    index[i] =
        i == lead ? linear / stride : (linear / stride) % l.extent(inShape[i]);
    stride = stride * l.extent(inShape[i]);
  }
  l.define(l.read(0, index));
}

void lowerSlice(OpLowering &l, SliceOp op) {
  std::vector<Expr> index = l.varExprs();
  index[op.getAxis()] += static_cast<int>(op.getStart());
  l.define(l.read(0, index));
}

/// Zero outside [low, low + n) on the axis; the read is clamped so bounds
/// inference never asks for more of the input than exists.
void lowerPad(OpLowering &l, PadOp op) {
  int64_t axis = op.getAxis();
  Expr low = static_cast<int>(op.getLow());
  Expr n = l.extent(l.operandShape(0)[axis]);
  Expr v = l.vars[axis];
  std::vector<Expr> index = l.varExprs();
  index[axis] = Halide::clamp(v - low, 0, n - 1);
  l.define(Halide::select(v >= low && v < low + n, l.read(0, index), 0.0f));
}

void lowerConcat(OpLowering &l, ConcatOp op) {
  int64_t axis = op.getAxis();
  Expr v = l.vars[axis];
  auto pieceAt = [&](unsigned i, const Expr &offset) {
    std::vector<Expr> index = l.varExprs();
    index[axis] =
        Halide::clamp(v - offset, 0, l.extent(l.operandShape(i)[axis]) - 1);
    return l.read(i, index);
  };
  SmallVector<Expr> offsets{Expr(0)};
  for (unsigned i = 0, e = l.operands.size(); i + 1 < e; ++i)
    offsets.push_back(offsets.back() + l.extent(l.operandShape(i)[axis]));
  unsigned last = l.operands.size() - 1;
  Expr value = pieceAt(last, offsets[last]);
  for (unsigned i = last; i-- > 0;)
    value = Halide::select(v < offsets[i + 1], pieceAt(i, offsets[i]), value);
  l.define(value);
}

/// result[i..., j...] = table[indices[i...], j...]; the row is clamped for
/// bounds inference and `require` turns an out-of-range index into a
/// pipeline error.
void lowerGather(OpLowering &l) {
  size_t indexRank = l.operandShape(1).size();
  Expr rows = l.extent(l.operandShape(0)[0]);
  Expr id = l.read(1, ArrayRef<Expr>(l.varExprs()).take_front(indexRank));
  std::vector<Expr> tableIndex{Halide::clamp(id, 0, rows - 1)};
  for (size_t i = indexRank; i < l.vars.size(); ++i)
    tableIndex.push_back(l.vars[i]);
  l.define(Halide::require(id >= 0 && id < rows, l.read(0, tableIndex),
                           "mt.gather: index", id, "is outside the table of",
                           rows, "rows"));
}

/// result = 0, then result[indices[i...], j...] += updates[i..., j...] over
/// an RDom on the index dimensions (innermost RDom dimension = last index
/// dimension); the row dimensions j stay pure, so a schedule may vectorize
/// and parallelize them without races.
void lowerScatterAdd(OpLowering &l, ScatterAddOp op) {
  ArrayRef<int64_t> indexShape = l.operandShape(0);
  Halide::Region region;
  for (int64_t dim : llvm::reverse(indexShape))
    region.emplace_back(0, l.extent(dim));
  Halide::RDom r(region, "r");
  SmallVector<Expr> at;
  for (size_t i = 0; i < indexShape.size(); ++i)
    at.push_back(r[indexShape.size() - 1 - i]);
  Expr rows = static_cast<int>(op.getNumRows());
  Expr id = l.read(0, at);
  std::vector<Expr> lhs{Halide::clamp(id, 0, rows - 1)};
  for (size_t i = 1; i < l.vars.size(); ++i) {
    lhs.push_back(l.vars[i]);
    at.push_back(l.vars[i]);
  }
  l.define(0.0f);
  l.result(halideOrder<Expr>(lhs)) += Halide::require(
      id >= 0 && id < rows, l.read(1, at), "mt.scatter_add: index", id,
      "is outside the", rows, "rows");
}

/// result[i..., k] = (indices[i...] == k); ids outside [0, depth) match no k.
void lowerOneHot(OpLowering &l) {
  std::vector<Expr> all = l.varExprs();
  Expr id = l.read(0, ArrayRef<Expr>(all).drop_back());
  l.define(Halide::select(id == all.back(), 1, 0));
}

/// Scalar i of a dense attribute as a Halide constant of `type`.
Expr constantElement(DenseElementsAttr attr, Halide::Type type, int64_t i) {
  if (type.is_float())
    return Expr(*(attr.getValues<float>().begin() + i));
  APInt value = *(attr.getValues<APInt>().begin() + i);
  if (type == Halide::UInt(8))
    return Halide::cast<uint8_t>(value.getBoolValue() ? 1 : 0);
  return Expr(static_cast<int32_t>(value.getSExtValue()));
}

template <typename T>
Halide::Buffer<T> constantBuffer(DenseElementsAttr attr, Halide::Type type,
                                 const std::string &name) {
  std::vector<int> sizes;
  for (int64_t dim : llvm::reverse(attr.getType().getShape()))
    sizes.push_back(static_cast<int>(dim));
  Halide::Buffer<T> buffer(sizes, name);
  T *data = buffer.data();
  size_t i = 0;
  if (type.is_float()) {
    for (float v : attr.getValues<float>())
      data[i++] = v;
  } else {
    for (const APInt &v : attr.getValues<APInt>())
      data[i++] = type == Halide::UInt(8) ? static_cast<T>(v.getBoolValue())
                                          : static_cast<T>(v.getSExtValue());
  }
  return buffer;
}

/// Splats and small constants are expressions (a select chain on the linear
/// index); larger ones read a Buffer that the pipeline embeds.
LogicalResult lowerConstant(OpLowering &l, ConstantOp op) {
  auto attr = op.getValue().dyn_cast<DenseElementsAttr>();
  if (!attr)
    return op.emitOpError("expects a dense elements value, got ")
           << op.getValue();
  if (attr.isSplat()) {
    l.define(constantElement(attr, l.resultType, 0));
    return success();
  }
  ArrayRef<int64_t> shape = l.resultShape();
  int64_t count = attr.getNumElements();
  if (count <= kInlineConstantLimit) {
    Expr linear = 0;
    for (size_t i = 0; i < shape.size(); ++i)
      linear = linear * static_cast<int>(shape[i]) + l.vars[i];
    Expr value = constantElement(attr, l.resultType, count - 1);
    for (int64_t i = count - 1; i-- > 0;)
      value = Halide::select(linear == static_cast<int>(i),
                             constantElement(attr, l.resultType, i), value);
    l.define(value);
    return success();
  }
  std::string name = l.name + "_data";
  std::vector<Expr> args = halideOrder<Expr>(l.varExprs());
  if (l.resultType.is_float())
    l.define(constantBuffer<float>(attr, l.resultType, name)(args));
  else if (l.resultType == Halide::UInt(8))
    l.define(constantBuffer<uint8_t>(attr, l.resultType, name)(args));
  else
    l.define(constantBuffer<int32_t>(attr, l.resultType, name)(args));
  return success();
}

void lowerIota(OpLowering &l, IotaOp op) {
  l.define(l.vars[op.getDimension()]);
}

/// Checks the preconditions every lowering relies on.
LogicalResult checkOperands(Operation *op, ArrayRef<Func> operands) {
  if (op->getNumResults() != 1)
    return op->emitOpError("expects one result to lower to Halide, got ")
           << op->getNumResults();
  if (operands.size() != op->getNumOperands())
    return op->emitOpError("expects one Halide Func per operand: ")
           << op->getNumOperands() << " operands, " << operands.size()
           << " Funcs";
  SmallVector<Type> types(op->getOperandTypes());
  types.push_back(op->getResult(0).getType());
  for (Type t : types) {
    auto type = t.dyn_cast<RankedTensorType>();
    if (!type)
      return op->emitOpError("expects ranked tensor types (run "
                             "mt-infer-shapes first), got ")
             << t;
    if (failed(mt::getHalideType(type.getElementType())))
      return op->emitOpError("has no Halide element type for ") << type;
  }
  return success();
}

} // namespace

FailureOr<Halide::Type> mt::getHalideType(Type elementType) {
  if (elementType.isF32())
    return Halide::Float(32);
  if (elementType.isSignlessInteger(32))
    return Halide::Int(32);
  if (elementType.isSignlessInteger(1))
    return Halide::UInt(8);
  if (elementType.isSignlessInteger(64))
    return Halide::Int(64);
  return failure();
}

FailureOr<LoweredOp> mt::lowerPrimitive(Operation *op, ArrayRef<Func> operands,
                                        const Expr &batch) {
  auto fail = [&](const Twine &message) -> FailureOr<LoweredOp> {
    op->emitOpError(message);
    return failure();
  };
  if (isa<ParameterizedOp, DropoutOp>(op))
    return fail("is a model-level op: run mt-decompose before lowering to "
                "Halide");
  if (isa<ParamRefOp>(op))
    return fail("is not a Halide kernel op: parameters are kernel arguments");
  if (op->getName().getDialectNamespace() != MTDialect::getDialectNamespace() ||
      isa<ParamOp>(op))
    return fail("has no Halide lowering");
  if (failed(checkOperands(op, operands)))
    return failure();

  auto resultType = op->getResult(0).getType().cast<RankedTensorType>();
  OpLowering l(op, operands, batch,
               *getHalideType(resultType.getElementType()));
  LogicalResult lowered =
      llvm::TypeSwitch<Operation *, LogicalResult>(op)
          .Case([&](MatmulOp m) { return lowerMatmul(l, m), success(); })
          .Case([&](BatchMatmulOp m) {
            return lowerBatchMatmul(l, m), success();
          })
          .Case([&](ContractLeadingOp m) {
            return lowerContractLeading(l, m), success();
          })
          .Case<ReduceSumOp, ReduceMaxOp, ReduceMeanOp>([&](auto r) {
            return lowerReduction(l, r.getAxis(), r.getKeepDims()), success();
          })
          .Case([&](BroadcastInDimOp b) {
            return lowerBroadcastInDim(l, b), success();
          })
          .Case([&](TransposeOp t) { return lowerTranspose(l, t), success(); })
          .Case([&](ReshapeOp) { return lowerReshape(l), success(); })
          .Case([&](SliceOp s) { return lowerSlice(l, s), success(); })
          .Case([&](PadOp p) { return lowerPad(l, p), success(); })
          .Case([&](ConcatOp c) { return lowerConcat(l, c), success(); })
          .Case([&](GatherOp) { return lowerGather(l), success(); })
          .Case(
              [&](ScatterAddOp s) { return lowerScatterAdd(l, s), success(); })
          .Case([&](OneHotOp) { return lowerOneHot(l), success(); })
          .Case([&](ConstantOp c) { return lowerConstant(l, c); })
          .Case([&](IotaOp i) { return lowerIota(l, i), success(); })
          .Case([&](DropoutMaskOp d) {
            return lowerDropoutMask(l, d), success();
          })
          .Default([&](Operation *) { return lowerElementwise(l); });
  if (failed(lowered))
    return failure();
  return LoweredOp{l.result, l.accumulator, l.stagedRhs};
}
