//===- GradientRules.cpp - one gradient rule per mt primitive -------------===//
//
// One `gradient` overload per primitive op, in MTOps.td order, each turning
// the adjoint `dy` of the op's result into the adjoints of the operands that
// need one (`needed`). Rules build ops through PrimitiveBuilder, so every
// adjoint gets its inferred type, which must equal its operand's type.
//
// Conventions:
// - Broadcasting ops (the binary arithmetic, mt.select) reduce each operand's
//   adjoint back to the operand's shape (`reduceToShape`): a sum over the
//   leading dimensions the operand lacks, and a keep-dims sum over the
//   dimensions where it had extent 1.
// - Kinks take the subgradient PyTorch takes: relu and abs get 0 at 0; max
//   and min send the whole adjoint to the lhs on a tie; reduce_max splits the
//   adjoint evenly between tied maxima (as torch.amax does), so the adjoints
//   of a row still sum to the row's adjoint.
// - Leaves (mt.param_ref, mt.constant, mt.iota, mt.one_hot), comparisons and
//   dropout masks have no differentiable operand; neither have indices,
//   conditions and casts from or to integers, which cut the gradient.
//
//===----------------------------------------------------------------------===//

#include "Autodiff/GradientRules.h"

#include "mt/Dialect/MTOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mt;
using namespace mt::autodiff;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

Value mt::autodiff::zerosLike(PrimitiveBuilder &b, Type type) {
  auto ranked = type.cast<RankedTensorType>();
  Type elementType = ranked.getElementType();
  OpBuilder &builder = b.builder();
  auto zero = [&](RankedTensorType zeroType) -> Value {
    return builder.create<mt::ConstantOp>(
        b.location(),
        DenseElementsAttr::get(zeroType, builder.getZeroAttr(elementType)));
  };
  if (ranked.hasStaticShape())
    return zero(ranked);
  // A constant cannot have the batch dimension: broadcast a scalar zero.
  return b.broadcastInDim(zero(RankedTensorType::get({}, elementType)),
                          ranked.getShape(), {});
}

/// Sums the adjoint `g` of a broadcast result down to `operand`'s shape.
static Value reduceToShape(PrimitiveBuilder &b, Value g, Value operand) {
  ArrayRef<int64_t> target = shapeOf(operand);
  while (shapeOf(g).size() > target.size())
    g = b.reduceSum(g, 0, /*keepDims=*/false);
  for (auto it : llvm::enumerate(target))
    if (it.value() == 1 && shapeOf(g)[it.index()] != 1)
      g = b.reduceSum(g, it.index(), /*keepDims=*/true);
  return g;
}

/// Broadcasts the adjoint of a reduction over `axis` of `input` back to the
/// input's shape.
static Value broadcastAlongAxis(PrimitiveBuilder &b, Value dy, Value input,
                                int64_t axis, bool keepDims) {
  ArrayRef<int64_t> shape = shapeOf(input);
  SmallVector<int64_t, 4> dimensions;
  for (int64_t d = 0, e = shape.size(); d < e; ++d)
    if (keepDims || d != axis)
      dimensions.push_back(d);
  return b.broadcastInDim(dy, shape, dimensions);
}

/// `dy` where `condition` holds, 0 elsewhere.
static Value maskAdjoint(PrimitiveBuilder &b, Value condition, Value dy) {
  return b.select(condition, dy, b.scalar(0.0f));
}

static Value matmul(PrimitiveBuilder &b, Value lhs, Value rhs,
                    bool transposeRhs) {
  return b.create<MatmulOp>(lhs, rhs, b.builder().getBoolAttr(transposeRhs));
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

// y = x W (W [K, N]) or x W^T (transpose_rhs, W [N, K]); x's leading
// dimensions are batch dimensions, so dW sums over all of them: one
// contraction (dy^T x, or x^T dy) over every leading dimension, with no
// per-example product in memory.
static void gradient(MatmulOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value x = op.getLhs(), w = op.getRhs();
  bool transposed = op.getTransposeRhs();
  if (c.needed[0])
    c.dx[0] = matmul(b, c.dy, w, /*transposeRhs=*/!transposed);
  if (c.needed[1])
    c.dx[1] = transposed ? b.create<ContractLeadingOp>(c.dy, x)
                         : b.create<ContractLeadingOp>(x, c.dy);
}

// C = op(A) op(B) with op a transpose where flagged. From dA' = dC B'^T and
// dB' = A'^T dC (A' = op(A), B' = op(B)), undoing op on each side.
static void gradient(BatchMatmulOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value lhs = op.getLhs(), rhs = op.getRhs();
  bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
  // dA = dA' or, when op(A) = A^T, dA'^T = B' dC^T.
  if (c.needed[0])
    c.dx[0] = tl ? b.batchMatmul(rhs, c.dy, tr, true)
                 : b.batchMatmul(c.dy, rhs, false, !tr);
  // dB = dB' or, when op(B) = B^T, dB'^T = dC^T A'.
  if (c.needed[1])
    c.dx[1] = tr ? b.batchMatmul(c.dy, lhs, true, tl)
                 : b.batchMatmul(lhs, c.dy, !tl, false);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Binary rules compute each adjoint at the broadcast shape, then reduce it.
static void setBinary(RuleContext &c, Operation *op, Value dLhs, Value dRhs) {
  if (dLhs)
    c.dx[0] = reduceToShape(c.b, dLhs, op->getOperand(0));
  if (dRhs)
    c.dx[1] = reduceToShape(c.b, dRhs, op->getOperand(1));
}

static void gradient(AddOp op, RuleContext &c) {
  setBinary(c, op, c.needed[0] ? c.dy : Value(), c.needed[1] ? c.dy : Value());
}

static void gradient(SubOp op, RuleContext &c) {
  setBinary(c, op, c.needed[0] ? c.dy : Value(),
            c.needed[1] ? c.b.create<NegOp>(c.dy) : Value());
}

static void gradient(MulOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  setBinary(c, op, c.needed[0] ? b.mul(c.dy, op.getRhs()) : Value(),
            c.needed[1] ? b.mul(c.dy, op.getLhs()) : Value());
}

// d(l / r)/dr = -l / r^2 = -y / r.
static void gradient(DivOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value rhs = op.getRhs();
  setBinary(c, op, c.needed[0] ? b.div(c.dy, rhs) : Value(),
            c.needed[1]
                ? b.create<NegOp>(b.div(b.mul(c.dy, op.getResult()), rhs))
                : Value());
}

// A tie sends the adjoint to the lhs.
static void gradient(MaxOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value lhs = op.getLhs(), rhs = op.getRhs();
  setBinary(
      c, op,
      c.needed[0] ? maskAdjoint(b, b.compare(lhs, rhs, "ge"), c.dy) : Value(),
      c.needed[1] ? maskAdjoint(b, b.compare(lhs, rhs, "lt"), c.dy) : Value());
}

// A tie sends the adjoint to the lhs.
static void gradient(MinOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value lhs = op.getLhs(), rhs = op.getRhs();
  setBinary(
      c, op,
      c.needed[0] ? maskAdjoint(b, b.compare(lhs, rhs, "le"), c.dy) : Value(),
      c.needed[1] ? maskAdjoint(b, b.compare(lhs, rhs, "gt"), c.dy) : Value());
}

// d(l^r)/dl = r l^(r-1); d(l^r)/dr = l^r log l, taken as 0 where l <= 0
// (PyTorch's choice at l = 0; for l < 0 the real power has no derivative in
// r).
static void gradient(PowOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value lhs = op.getLhs(), rhs = op.getRhs();
  Value dLhs, dRhs;
  if (c.needed[0])
    dLhs = b.mul(c.dy,
                 b.mul(rhs, b.create<PowOp>(lhs, b.sub(rhs, b.scalar(1.0f)))));
  if (c.needed[1]) {
    Value positive = b.compare(lhs, b.scalar(0.0f), "gt");
    Value yLogL = b.mul(op.getResult(), b.create<LogOp>(lhs));
    dRhs = b.mul(c.dy, b.select(positive, yLogL, b.scalar(0.0f)));
  }
  setBinary(c, op, dLhs, dRhs);
}

static void gradient(ExpOp op, RuleContext &c) {
  c.dx[0] = c.b.mul(c.dy, op.getResult());
}

static void gradient(LogOp op, RuleContext &c) {
  c.dx[0] = c.b.div(c.dy, op.getInput());
}

// tanh' = 1 - tanh^2.
static void gradient(TanhOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value y = op.getResult();
  c.dx[0] = b.mul(c.dy, b.sub(b.scalar(1.0f), b.mul(y, y)));
}

// erf'(x) = 2 / sqrt(pi) exp(-x^2).
static void gradient(ErfOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value x = op.getInput();
  Value gauss = b.create<ExpOp>(b.create<NegOp>(b.mul(x, x)));
  c.dx[0] = b.mul(c.dy, b.scale(gauss, 2.0 / std::sqrt(M_PI)));
}

// sqrt'(x) = 1 / (2 sqrt(x)).
static void gradient(SqrtOp op, RuleContext &c) {
  c.dx[0] = c.b.div(c.dy, c.b.scale(op.getResult(), 2.0f));
}

// (x^-1/2)' = -x^-3/2 / 2 = -y^3 / 2.
static void gradient(RsqrtOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value y = op.getResult();
  c.dx[0] = b.mul(c.dy, b.scale(b.mul(b.mul(y, y), y), -0.5f));
}

static void gradient(NegOp, RuleContext &c) {
  c.dx[0] = c.b.create<NegOp>(c.dy);
}

// sign(x) dy, with 0 at 0.
static void gradient(AbsOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value x = op.getInput(), zero = b.scalar(0.0f);
  Value negative =
      maskAdjoint(b, b.compare(x, zero, "lt"), b.create<NegOp>(c.dy));
  c.dx[0] = b.select(b.compare(x, zero, "gt"), c.dy, negative);
}

static void gradient(SinOp op, RuleContext &c) {
  c.dx[0] = c.b.mul(c.dy, c.b.create<CosOp>(op.getInput()));
}

static void gradient(CosOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  c.dx[0] = b.create<NegOp>(b.mul(c.dy, b.create<SinOp>(op.getInput())));
}

// 0 at 0, as PyTorch. relu(x) > 0 exactly where x > 0, so the mask reads
// the result: the backward pass then keeps only the activation, and a
// matmul + bias + relu kernel writes one tensor instead of two.
static void gradient(ReluOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  c.dx[0] =
      maskAdjoint(b, b.compare(op.getResult(), b.scalar(0.0f), "gt"), c.dy);
}

// gelu(x) = x Phi(x), so gelu' = Phi(x) + x phi(x), with the normal
// cdf Phi(x) = (1 + erf(x / sqrt 2)) / 2 and pdf phi(x) = exp(-x^2/2) / sqrt(2
// pi).
static void gradient(GeluOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value x = op.getInput();
  Value erf = b.create<ErfOp>(b.scale(x, 1.0 / std::sqrt(2.0)));
  Value cdf = b.scale(b.add(erf, b.scalar(1.0f)), 0.5f);
  Value pdf = b.scale(b.create<ExpOp>(b.scale(b.mul(x, x), -0.5f)),
                      1.0 / std::sqrt(2.0 * M_PI));
  c.dx[0] = b.mul(c.dy, b.add(cdf, b.mul(x, pdf)));
}

// sigmoid' = y (1 - y).
static void gradient(SigmoidOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value y = op.getResult();
  c.dx[0] = b.mul(c.dy, b.mul(y, b.sub(b.scalar(1.0f), y)));
}

static void gradient(mt::SelectOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value condition = op.getCondition(), zero = b.scalar(0.0f);
  if (c.needed[1])
    c.dx[1] = reduceToShape(b, b.select(condition, c.dy, zero), op.getOnTrue());
  if (c.needed[2])
    c.dx[2] =
        reduceToShape(b, b.select(condition, zero, c.dy), op.getOnFalse());
}

// Only f32 -> f32 casts are differentiable (an identity).
static void gradient(CastOp, RuleContext &c) { c.dx[0] = c.dy; }

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

static void gradient(ReduceSumOp op, RuleContext &c) {
  c.dx[0] = broadcastAlongAxis(c.b, c.dy, op.getInput(), op.getAxis(),
                               op.getKeepDims());
}

// The adjoint goes to the maxima of each row, split evenly between ties.
static void gradient(ReduceMaxOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value x = op.getInput();
  int64_t axis = op.getAxis();
  bool keepDims = op.getKeepDims();
  Value maxima = broadcastAlongAxis(b, op.getResult(), x, axis, keepDims);
  Value isMax = b.cast(b.compare(x, maxima, "eq"), b.builder().getF32Type());
  Value share = b.div(isMax, b.reduceSum(isMax, axis, /*keepDims=*/true));
  c.dx[0] = b.mul(broadcastAlongAxis(b, c.dy, x, axis, keepDims), share);
}

static void gradient(ReduceMeanOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  Value x = op.getInput();
  int64_t axis = op.getAxis();
  Value dx = broadcastAlongAxis(b, c.dy, x, axis, op.getKeepDims());
  int64_t extent = shapeOf(x)[axis];
  if (!ShapedType::isDynamic(extent)) {
    c.dx[0] = b.scale(dx, 1.0f / static_cast<float>(extent));
    return;
  }
  // A mean over the batch divides by the batch size, known at run time only:
  // count it as the sum of a batch of ones.
  Value ones = b.broadcastInDim(b.scalar(1.0f), {ShapedType::kDynamicSize}, {});
  c.dx[0] = b.div(dx, b.reduceSum(ones, 0, /*keepDims=*/false));
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

// Sums over the new dimensions, then (keeping them) over the stretched ones.
static void gradient(BroadcastInDimOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  ArrayRef<int64_t> inputShape = shapeOf(op.getInput());
  SmallVector<int64_t, 4> dimensions;
  for (Attribute attr : op.getBroadcastDimensions())
    dimensions.push_back(attr.cast<IntegerAttr>().getInt());
  Value dx = c.dy;
  for (int64_t d = shapeOf(c.dy).size() - 1; d >= 0; --d)
    if (!llvm::is_contained(dimensions, d))
      dx = b.reduceSum(dx, d, /*keepDims=*/false);
  for (auto it : llvm::enumerate(inputShape))
    if (it.value() == 1 && shapeOf(dx)[it.index()] != 1)
      dx = b.reduceSum(dx, it.index(), /*keepDims=*/true);
  c.dx[0] = dx;
}

static void gradient(TransposeOp op, RuleContext &c) {
  SmallVector<int64_t, 4> inverse(op.getPermutation().size());
  for (auto it : llvm::enumerate(op.getPermutation()))
    inverse[it.value().cast<IntegerAttr>().getInt()] = it.index();
  c.dx[0] = c.b.transpose(c.dy, inverse);
}

static void gradient(ReshapeOp op, RuleContext &c) {
  c.dx[0] = c.b.reshape(c.dy, shapeOf(op.getInput()));
}

static void gradient(SliceOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  int64_t axis = op.getAxis(), start = op.getStart();
  int64_t high = shapeOf(op.getInput())[axis] - start - op.getSize();
  OpBuilder &builder = b.builder();
  c.dx[0] = b.create<PadOp>(c.dy, builder.getI64IntegerAttr(axis),
                            builder.getI64IntegerAttr(start),
                            builder.getI64IntegerAttr(high));
}

static void gradient(PadOp op, RuleContext &c) {
  int64_t axis = op.getAxis();
  c.dx[0] = c.b.slice(c.dy, axis, op.getLow(), shapeOf(op.getInput())[axis]);
}

static void gradient(ConcatOp op, RuleContext &c) {
  int64_t axis = op.getAxis(), offset = 0;
  for (auto it : llvm::enumerate(op.getInputs())) {
    int64_t size = shapeOf(it.value())[axis];
    if (c.needed[it.index()])
      c.dx[it.index()] = c.b.slice(c.dy, axis, offset, size);
    offset += size;
  }
}

// Rows gathered several times sum their adjoints.
static void gradient(GatherOp op, RuleContext &c) {
  PrimitiveBuilder &b = c.b;
  int64_t rows = shapeOf(op.getTable())[0];
  c.dx[0] = b.create<ScatterAddOp>(op.getIndices(), c.dy,
                                   b.builder().getI64IntegerAttr(rows));
}

static void gradient(ScatterAddOp op, RuleContext &c) {
  c.dx[1] = c.b.create<GatherOp>(c.dy, op.getIndices());
}

//===----------------------------------------------------------------------===//
// The rule table
//===----------------------------------------------------------------------===//

Optional<llvm::SmallBitVector>
mt::autodiff::getDifferentiableOperands(Operation *op) {
  unsigned count = op->getNumOperands();
  llvm::SmallBitVector all(count, true), none(count, false);
  auto only = [&](unsigned index) {
    llvm::SmallBitVector bits(count, false);
    bits.set(index);
    return bits;
  };
  using Result = Optional<llvm::SmallBitVector>;
  return llvm::TypeSwitch<Operation *, Result>(op)
      .Case<ParamRefOp>([&](auto) { return none; })
      .Case<MatmulOp, BatchMatmulOp, AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp,
            PowOp, ExpOp, LogOp, TanhOp, ErfOp, SqrtOp, RsqrtOp, NegOp, AbsOp,
            SinOp, CosOp, ReluOp, GeluOp, SigmoidOp>([&](auto) { return all; })
      .Case<CompareOp>([&](auto) { return none; })
      .Case<mt::SelectOp>([&](auto) {
        llvm::SmallBitVector bits = only(1);
        bits.set(2);
        return bits;
      })
      .Case<CastOp>([&](CastOp cast) {
        auto isF32 = [](Value value) {
          return value.getType().cast<TensorType>().getElementType().isF32();
        };
        return isF32(cast.getInput()) && isF32(cast.getResult()) ? all : none;
      })
      .Case<DropoutMaskOp>([&](auto) { return none; })
      .Case<ReduceSumOp, ReduceMaxOp, ReduceMeanOp, BroadcastInDimOp,
            TransposeOp, ReshapeOp, SliceOp, PadOp, ConcatOp>(
          [&](auto) { return all; })
      .Case<GatherOp>([&](auto) { return only(0); })
      .Case<ScatterAddOp>([&](auto) { return only(1); })
      .Case<OneHotOp, mt::ConstantOp, IotaOp>([&](auto) { return none; })
      .Default([](Operation *) { return Result(); });
}

void mt::autodiff::applyGradientRule(Operation *op, RuleContext &context) {
  llvm::TypeSwitch<Operation *>(op)
      .Case<MatmulOp, BatchMatmulOp, AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp,
            PowOp, ExpOp, LogOp, TanhOp, ErfOp, SqrtOp, RsqrtOp, NegOp, AbsOp,
            SinOp, CosOp, ReluOp, GeluOp, SigmoidOp, mt::SelectOp, CastOp,
            ReduceSumOp, ReduceMaxOp, ReduceMeanOp, BroadcastInDimOp,
            TransposeOp, ReshapeOp, SliceOp, PadOp, ConcatOp, GatherOp,
            ScatterAddOp>([&](auto typed) { gradient(typed, context); })
      .Default([](Operation *) {
        llvm_unreachable("no needed operand of a leaf, so no rule to apply");
      });
}
