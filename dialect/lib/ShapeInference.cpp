//===- ShapeInference.cpp - result types and attribute rules of mt ops ----===//
//
// One `inferResultTypes` (and, where needed, `verifyAttributes`) per op, in
// MTOps.td order. `inferResultTypes` runs only on ranked operands (see
// `verifyShapedOp`); every failure is a located error that says what was
// expected and what was found.
//
//===----------------------------------------------------------------------===//

#include "mt/Dialect/MTOps.h"
#include "mt/Dialect/ShapeUtils.h"

#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <sstream>

using namespace mlir;
using namespace mt;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

std::string mt::formatShape(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto it : llvm::enumerate(shape)) {
    if (it.index())
      text += ", ";
    text += ShapedType::isDynamic(it.value()) ? std::string("?")
                                              : std::to_string(it.value());
  }
  return text + "]";
}

static std::string formatDim(int64_t dim) {
  return ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
}

FailureOr<SmallVector<int64_t, 4>> mt::broadcastShapes(ArrayRef<int64_t> lhs,
                                                       ArrayRef<int64_t> rhs,
                                                       std::string &why) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t, 4> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (a == b || b == 1) {
      result[i] = a;
    } else if (a == 1) {
      result[i] = b;
    } else {
      why = "dimension " + std::to_string(i) +
            " of the broadcast shape: " + formatDim(a) + " vs " + formatDim(b) +
            " (shapes " + formatShape(lhs) + " and " + formatShape(rhs) + ")";
      return failure();
    }
  }
  return result;
}

static RankedTensorType rankedType(Value value) {
  return value.getType().cast<RankedTensorType>();
}

static RankedTensorType f32Tensor(ArrayRef<int64_t> shape, MLIRContext *ctx) {
  return RankedTensorType::get(shape, FloatType::getF32(ctx));
}

/// Fails with "expected <what> of rank N, got rank M ([...])".
static LogicalResult expectRank(Operation *op, StringRef what,
                                RankedTensorType type, int64_t rank) {
  if (type.getRank() == rank)
    return success();
  return op->emitOpError() << "expected " << what << " of rank " << rank
                           << ", got rank " << type.getRank() << " ("
                           << formatShape(type.getShape()) << ")";
}

static LogicalResult expectMinRank(Operation *op, StringRef what,
                                   RankedTensorType type, int64_t rank) {
  if (type.getRank() >= rank)
    return success();
  return op->emitOpError() << "expected " << what << " of rank >= " << rank
                           << ", got rank " << type.getRank() << " ("
                           << formatShape(type.getShape()) << ")";
}

/// Two dimensions that must be the same extent (`?` matches only `?`).
static LogicalResult expectSameDim(Operation *op, StringRef what, int64_t a,
                                   StringRef aName, int64_t b,
                                   StringRef bName) {
  if (a == b)
    return success();
  return op->emitOpError() << what << " differs: " << aName << " has "
                           << formatDim(a) << ", " << bName << " has "
                           << formatDim(b);
}

static LogicalResult expectShape(Operation *op, StringRef what,
                                 RankedTensorType type,
                                 ArrayRef<int64_t> shape) {
  if (type.getShape() == shape)
    return success();
  return op->emitOpError() << "expected " << what << " of shape "
                           << formatShape(shape) << ", got "
                           << formatShape(type.getShape());
}

// Float attribute getters return APFloat (with ODS defaults applied).
static double getDouble(const llvm::APFloat &value) {
  return value.convertToDouble();
}

/// Diagnostics print doubles as people write them ("1.5", not "1.500000e+00").
static std::string formatNumber(double value) {
  std::ostringstream stream;
  stream << value;
  return stream.str();
}

static LogicalResult verifyDropoutRate(Operation *op, StringRef what,
                                       double rate) {
  if (rate >= 0.0 && rate < 1.0)
    return success();
  return op->emitOpError() << what << " " << formatNumber(rate)
                           << " is outside [0, 1)";
}

static LogicalResult verifyEps(Operation *op, double eps) {
  if (eps > 0.0 && std::isfinite(eps))
    return success();
  return op->emitOpError() << "eps must be positive, got " << formatNumber(eps);
}

static LogicalResult verifyHeads(Operation *op, int64_t width, int64_t heads) {
  if (width % heads == 0)
    return success();
  return op->emitOpError() << "width " << width << " is not divisible by "
                           << heads << " heads";
}

/// A key padding mask is `[B, S]` for a `[B, S, D]` sequence.
static LogicalResult verifyKeyPaddingMask(Operation *op, Value mask,
                                          RankedTensorType keys) {
  if (!mask)
    return success();
  return expectShape(op, "key padding mask", rankedType(mask),
                     {keys.getDimSize(0), keys.getDimSize(1)});
}

static SmallVector<int64_t, 4> withLastDim(ArrayRef<int64_t> shape,
                                           int64_t last) {
  SmallVector<int64_t, 4> result(shape.begin(), shape.end());
  result.back() = last;
  return result;
}

//===----------------------------------------------------------------------===//
// Model ops
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  if (failed(expectMinRank(*this, "input", input, 2)))
    return failure();
  types.push_back(
      f32Tensor(withLastDim(input.getShape(), getOutFeaturesAttr().getInt()),
                getContext()));
  return success();
}

LogicalResult EmbeddingOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType ids = rankedType(getIds());
  if (failed(expectMinRank(*this, "ids", ids, 1)))
    return failure();
  SmallVector<int64_t, 4> shape(ids.getShape().begin(), ids.getShape().end());
  shape.push_back(getEmbeddingDimAttr().getInt());
  types.push_back(f32Tensor(shape, getContext()));
  return success();
}

LogicalResult PositionalEncodingOp::verifyAttributes() {
  bool learned = getKind() == "learned";
  if (learned && !getPathAttr())
    return emitOpError("learned positional encoding needs a 'path' for its "
                       "parameters");
  if (!learned && getPathAttr())
    return emitOpError("sinusoidal positional encoding has no parameters; "
                       "'path' is not allowed");
  return success();
}

LogicalResult
PositionalEncodingOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  if (failed(expectRank(*this, "input", input, 3)))
    return failure();
  int64_t length = input.getDimSize(1), width = input.getDimSize(2);
  int64_t maxLen = getMaxLenAttr().getInt();
  if (ShapedType::isDynamic(length) || length > maxLen)
    return emitOpError() << "sequence length " << formatDim(length)
                         << " exceeds max_len " << maxLen;
  if (getKind() == "sinusoidal" && width % 2 != 0)
    return emitOpError() << "sinusoidal encoding needs an even width, got "
                         << width;
  types.push_back(input);
  return success();
}

LogicalResult TaskEncoderOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  RankedTensorType task = rankedType(getTask());
  if (input.getRank() != 2 && input.getRank() != 3)
    return emitOpError() << "expected input of rank 2 or 3, got rank "
                         << input.getRank() << " ("
                         << formatShape(input.getShape()) << ")";
  if (failed(expectRank(*this, "task ids", task, 1)) ||
      failed(expectSameDim(*this, "batch dimension", input.getDimSize(0),
                           "input", task.getDimSize(0), "task ids")))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult AttentionOp::verifyAttributes() {
  return verifyDropoutRate(*this, "dropout rate", getDouble(getDropout()));
}

LogicalResult AttentionOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType query = rankedType(getQuery());
  RankedTensorType key = rankedType(getKey());
  RankedTensorType value = rankedType(getValue());
  if (failed(expectRank(*this, "query", query, 3)) ||
      failed(expectRank(*this, "key", key, 3)) ||
      failed(expectRank(*this, "value", value, 3)))
    return failure();
  int64_t width = query.getDimSize(2);
  if (failed(expectSameDim(*this, "width", width, "query", key.getDimSize(2),
                           "key")) ||
      failed(expectSameDim(*this, "width", width, "query", value.getDimSize(2),
                           "value")) ||
      failed(expectSameDim(*this, "sequence length", key.getDimSize(1), "key",
                           value.getDimSize(1), "value")) ||
      failed(expectSameDim(*this, "batch dimension", query.getDimSize(0),
                           "query", key.getDimSize(0), "key")) ||
      failed(expectSameDim(*this, "batch dimension", query.getDimSize(0),
                           "query", value.getDimSize(0), "value")) ||
      failed(verifyHeads(*this, width, getNumHeadsAttr().getInt())) ||
      failed(verifyKeyPaddingMask(*this, getKeyPaddingMask(), key)))
    return failure();
  types.push_back(query);
  return success();
}

LogicalResult FeedForwardOp::verifyAttributes() {
  return verifyDropoutRate(*this, "dropout rate", getDouble(getDropout()));
}

LogicalResult FeedForwardOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  if (failed(expectMinRank(*this, "input", input, 2)))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult LayerNormOp::verifyAttributes() {
  return verifyEps(*this, getDouble(getEps()));
}

LogicalResult LayerNormOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  if (failed(expectMinRank(*this, "input", input, 1)))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult DropoutOp::verifyAttributes() {
  return verifyDropoutRate(*this, "dropout rate", getDouble(getRate()));
}

LogicalResult DropoutOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  types.push_back(getInput().getType());
  return success();
}

/// The shape rules shared by encoder layers and encoders.
static LogicalResult inferEncoderTypes(Operation *op, Value input, Value mask,
                                       int64_t heads,
                                       SmallVectorImpl<Type> &types) {
  RankedTensorType type = rankedType(input);
  if (failed(expectRank(op, "input", type, 3)) ||
      failed(verifyHeads(op, type.getDimSize(2), heads)) ||
      failed(verifyKeyPaddingMask(op, mask, type)))
    return failure();
  types.push_back(type);
  return success();
}

LogicalResult EncoderLayerOp::verifyAttributes() {
  if (failed(verifyEps(*this, getDouble(getEps()))))
    return failure();
  return verifyDropoutRate(*this, "dropout rate", getDouble(getDropout()));
}

LogicalResult EncoderLayerOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  return inferEncoderTypes(*this, getInput(), getKeyPaddingMask(),
                           getNumHeadsAttr().getInt(), types);
}

LogicalResult EncoderOp::verifyAttributes() {
  if (failed(verifyEps(*this, getDouble(getEps()))))
    return failure();
  return verifyDropoutRate(*this, "dropout rate", getDouble(getDropout()));
}

LogicalResult EncoderOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  return inferEncoderTypes(*this, getInput(), getKeyPaddingMask(),
                           getNumHeadsAttr().getInt(), types);
}

LogicalResult TaskAttentionOp::verifyAttributes() {
  if (failed(verifyEps(*this, getDouble(getEps()))))
    return failure();
  return verifyDropoutRate(*this, "dropout rate", getDouble(getDropout()));
}

LogicalResult TaskAttentionOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  SmallVector<Type, 1> sequence;
  if (failed(inferEncoderTypes(*this, getInput(), getKeyPaddingMask(),
                               getNumHeadsAttr().getInt(), sequence)))
    return failure();
  auto input = sequence.front().cast<RankedTensorType>();
  types.push_back(f32Tensor(
      {input.getDimSize(0), getNumTasksAttr().getInt(), input.getDimSize(2)},
      getContext()));
  return success();
}

LogicalResult TaskHeadOp::verifyAttributes() {
  bool token = getPooling() == "token";
  if (token && !getTaskAttr())
    return emitOpError("pooling 'token' needs a 'task' index");
  if (!token && getTaskAttr())
    return emitOpError() << "'task' is only used with pooling 'token', not '"
                         << getPooling() << "'";
  return success();
}

LogicalResult TaskHeadOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  if (failed(expectRank(*this, "input", input, 3)))
    return failure();
  int64_t batch = input.getDimSize(0), out = getOutFeaturesAttr().getInt();
  StringRef pooling = getPooling();
  if (pooling == "token") {
    int64_t task = getTaskAttr().getInt(), tasks = input.getDimSize(1);
    if (task >= tasks)
      return emitOpError() << "task index " << task << " is out of range for "
                           << formatDim(tasks) << " task tokens";
  }
  if (pooling == "none")
    types.push_back(f32Tensor({batch, input.getDimSize(1), out}, getContext()));
  else
    types.push_back(f32Tensor({batch, out}, getContext()));
  return success();
}

LogicalResult MultitaskLossOp::verifyAttributes() {
  size_t numTasks = getTasks().size();
  if (numTasks == 0)
    return emitOpError("expected at least one task");
  if (getKinds().size() != numTasks)
    return emitOpError() << "expected one loss kind per task (" << numTasks
                         << " tasks), got " << getKinds().size();
  if (getWeights().size() != numTasks)
    return emitOpError() << "expected one weight per task (" << numTasks
                         << " tasks), got " << getWeights().size();
  if (getPredictions().size() != numTasks)
    return emitOpError() << "expected one prediction per task (" << numTasks
                         << " tasks), got " << getPredictions().size();
  if (getLabels().size() != numTasks)
    return emitOpError() << "expected one label tensor per task (" << numTasks
                         << " tasks), got " << getLabels().size();
  llvm::StringSet<> seen;
  for (size_t j = 0; j < numTasks; ++j) {
    StringRef name = getTasks()[j].cast<StringAttr>().getValue();
    StringRef kind = getKinds()[j].cast<StringAttr>().getValue();
    double weight = getWeights()[j].cast<FloatAttr>().getValueAsDouble();
    if (name.empty())
      return emitOpError() << "task " << j << " has an empty name";
    if (!seen.insert(name).second)
      return emitOpError() << "task '" << name << "' is listed twice";
    if (kind != "cross_entropy" && kind != "binary_cross_entropy" &&
        kind != "mse")
      return emitOpError() << "unknown loss kind '" << kind << "' for task '"
                           << name << "'; expected cross_entropy, "
                           << "binary_cross_entropy or mse";
    if (!(weight >= 0.0) || !std::isfinite(weight))
      return emitOpError() << "weight of task '" << name
                           << "' must be finite and non-negative, got "
                           << formatNumber(weight);
  }
  StringRef balance = getBalance();
  if ((balance == "uncertainty" || balance == "gradnorm") && !getPathAttr())
    return emitOpError() << "balance '" << balance
                         << "' learns parameters and needs a 'path'";
  double alpha = getDouble(getGradnormAlpha());
  if (!(alpha >= 0.0) || !std::isfinite(alpha))
    return emitOpError() << "gradnorm_alpha must be non-negative, got "
                         << formatNumber(alpha);
  double temperature = getDouble(getDwaTemperature());
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    return emitOpError() << "dwa_temperature must be positive, got "
                         << formatNumber(temperature);
  return success();
}

LogicalResult MultitaskLossOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  int64_t numTasks = getTasks().size();
  int64_t batch = rankedType(getPredictions()[0]).getDimSize(0);
  for (int64_t j = 0; j < numTasks; ++j) {
    StringRef name = getTasks()[j].cast<StringAttr>().getValue();
    StringRef kind = getKinds()[j].cast<StringAttr>().getValue();
    RankedTensorType pred = rankedType(getPredictions()[j]);
    RankedTensorType label = rankedType(getLabels()[j]);
    std::string predName = ("prediction of task '" + name + "'").str();
    std::string labelName = ("labels of task '" + name + "'").str();
    if (failed(expectMinRank(*this, predName, pred, 2)) ||
        failed(expectSameDim(*this, "batch dimension", batch,
                             "the first prediction", pred.getDimSize(0),
                             predName)))
      return failure();
    int64_t classes = pred.getShape().back();
    ArrayRef<int64_t> perExample = pred.getShape().drop_back();
    bool wantsInt = kind == "cross_entropy";
    if (label.getElementType().isInteger(32) != wantsInt)
      return emitOpError() << labelName << " (" << kind << ") must be "
                           << (wantsInt ? "i32" : "f32") << ", got "
                           << label.getElementType();
    if (kind == "cross_entropy" && classes < 2)
      return emitOpError() << "cross_entropy task '" << name
                           << "' needs at least 2 classes, got "
                           << formatDim(classes);
    if (kind == "binary_cross_entropy" && classes != 1)
      return emitOpError() << "binary_cross_entropy task '" << name
                           << "' needs one logit per example, got "
                           << formatDim(classes);
    if (failed(expectShape(*this, labelName, label,
                           kind == "mse" ? pred.getShape() : perExample)))
      return failure();
  }
  if (getMask() && failed(expectShape(*this, "mask", rankedType(getMask()),
                                      {batch, numTasks})))
    return failure();
  types.push_back(f32Tensor({}, getContext()));
  types.push_back(f32Tensor({numTasks}, getContext()));
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType lhs = rankedType(getLhs()), rhs = rankedType(getRhs());
  if (failed(expectMinRank(*this, "lhs", lhs, 2)) ||
      failed(expectRank(*this, "rhs", rhs, 2)))
    return failure();
  bool transposed = getTransposeRhs();
  int64_t rhsK = rhs.getDimSize(transposed ? 1 : 0);
  int64_t n = rhs.getDimSize(transposed ? 0 : 1);
  if (failed(expectSameDim(*this, "contraction dimension",
                           lhs.getShape().back(), "lhs", rhsK, "rhs")))
    return failure();
  types.push_back(f32Tensor(withLastDim(lhs.getShape(), n), getContext()));
  return success();
}

LogicalResult BatchMatmulOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType lhs = rankedType(getLhs()), rhs = rankedType(getRhs());
  if (failed(expectMinRank(*this, "lhs", lhs, 3)))
    return failure();
  if (lhs.getRank() != rhs.getRank())
    return emitOpError() << "expected operands of equal rank, got "
                         << lhs.getRank() << " and " << rhs.getRank();
  int64_t rank = lhs.getRank();
  for (int64_t i = 0; i < rank - 2; ++i)
    if (failed(expectSameDim(*this, "batch dimension " + std::to_string(i),
                             lhs.getDimSize(i), "lhs", rhs.getDimSize(i),
                             "rhs")))
      return failure();
  int64_t m = lhs.getDimSize(rank - (getTransposeLhs() ? 1 : 2));
  int64_t lhsK = lhs.getDimSize(rank - (getTransposeLhs() ? 2 : 1));
  int64_t rhsK = rhs.getDimSize(rank - (getTransposeRhs() ? 1 : 2));
  int64_t n = rhs.getDimSize(rank - (getTransposeRhs() ? 2 : 1));
  if (failed(expectSameDim(*this, "contraction dimension", lhsK, "lhs", rhsK,
                           "rhs")))
    return failure();
  SmallVector<int64_t, 4> shape(lhs.getShape().begin(), lhs.getShape().end());
  shape[rank - 2] = m;
  shape[rank - 1] = n;
  types.push_back(f32Tensor(shape, getContext()));
  return success();
}

LogicalResult
ContractLeadingOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType lhs = rankedType(getLhs()), rhs = rankedType(getRhs());
  if (failed(expectMinRank(*this, "lhs", lhs, 2)))
    return failure();
  if (lhs.getRank() != rhs.getRank())
    return emitOpError() << "expected operands of equal rank, got "
                         << lhs.getRank() << " and " << rhs.getRank();
  for (int64_t i = 0; i + 1 < lhs.getRank(); ++i)
    if (failed(expectSameDim(*this, "leading dimension " + std::to_string(i),
                             lhs.getDimSize(i), "lhs", rhs.getDimSize(i),
                             "rhs")))
      return failure();
  types.push_back(
      f32Tensor({lhs.getShape().back(), rhs.getShape().back()}, getContext()));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Broadcasts every operand's shape; the result has `elementType`.
static LogicalResult inferBroadcast(Operation *op, Type elementType,
                                    SmallVectorImpl<Type> &types) {
  SmallVector<int64_t, 4> shape;
  for (Value operand : op->getOperands()) {
    std::string why;
    auto next = broadcastShapes(shape, rankedType(operand).getShape(), why);
    if (failed(next))
      return op->emitOpError() << "operands do not broadcast: " << why;
    shape = *next;
  }
  types.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

#define MT_BINARY_OP_INFERENCE(OP)                                             \
  LogicalResult OP::inferResultTypes(SmallVectorImpl<Type> &types) {           \
    return inferBroadcast(*this, FloatType::getF32(getContext()), types);      \
  }
MT_BINARY_OP_INFERENCE(AddOp)
MT_BINARY_OP_INFERENCE(SubOp)
MT_BINARY_OP_INFERENCE(MulOp)
MT_BINARY_OP_INFERENCE(DivOp)
MT_BINARY_OP_INFERENCE(MaxOp)
MT_BINARY_OP_INFERENCE(MinOp)
MT_BINARY_OP_INFERENCE(PowOp)
#undef MT_BINARY_OP_INFERENCE

#define MT_UNARY_OP_INFERENCE(OP)                                              \
  LogicalResult OP::inferResultTypes(SmallVectorImpl<Type> &types) {           \
    types.push_back(getInput().getType());                                     \
    return success();                                                          \
  }
MT_UNARY_OP_INFERENCE(ExpOp)
MT_UNARY_OP_INFERENCE(LogOp)
MT_UNARY_OP_INFERENCE(TanhOp)
MT_UNARY_OP_INFERENCE(ErfOp)
MT_UNARY_OP_INFERENCE(SqrtOp)
MT_UNARY_OP_INFERENCE(RsqrtOp)
MT_UNARY_OP_INFERENCE(NegOp)
MT_UNARY_OP_INFERENCE(AbsOp)
MT_UNARY_OP_INFERENCE(SinOp)
MT_UNARY_OP_INFERENCE(CosOp)
MT_UNARY_OP_INFERENCE(ReluOp)
MT_UNARY_OP_INFERENCE(GeluOp)
MT_UNARY_OP_INFERENCE(SigmoidOp)
#undef MT_UNARY_OP_INFERENCE

static LogicalResult expectSameElementType(Operation *op, Value a,
                                           StringRef aName, Value b,
                                           StringRef bName) {
  Type aType = a.getType().cast<TensorType>().getElementType();
  Type bType = b.getType().cast<TensorType>().getElementType();
  if (aType == bType)
    return success();
  return op->emitOpError() << "element types differ: " << aName << " is "
                           << aType << ", " << bName << " is " << bType;
}

LogicalResult CompareOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectSameElementType(*this, getLhs(), "lhs", getRhs(), "rhs")))
    return failure();
  return inferBroadcast(*this, IntegerType::get(getContext(), 1), types);
}

LogicalResult SelectOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectSameElementType(*this, getOnTrue(), "on_true", getOnFalse(),
                                   "on_false")))
    return failure();
  return inferBroadcast(
      *this, getOnTrue().getType().cast<TensorType>().getElementType(), types);
}

LogicalResult CastOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  types.push_back(RankedTensorType::get(
      rankedType(getInput()).getShape(),
      getResult().getType().cast<TensorType>().getElementType()));
  return success();
}

LogicalResult DropoutMaskOp::verifyAttributes() {
  return verifyDropoutRate(*this, "dropout rate", getDouble(getRate()));
}

LogicalResult DropoutMaskOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  types.push_back(getLike().getType());
  return success();
}

LogicalResult AllReduceOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (getInputs().size() != getNumResults())
    return emitOpError() << "has " << getInputs().size() << " operands but "
                         << getNumResults()
                         << " results; it returns one sum "
                            "per operand";
  for (Value input : getInputs())
    types.push_back(input.getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

static LogicalResult inferReduction(Operation *op, Value input, int64_t axis,
                                    bool keepDims,
                                    SmallVectorImpl<Type> &types) {
  RankedTensorType type = rankedType(input);
  if (axis >= type.getRank())
    return op->emitOpError()
           << "axis " << axis << " is out of range for rank " << type.getRank();
  SmallVector<int64_t, 4> shape(type.getShape().begin(), type.getShape().end());
  if (keepDims)
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  types.push_back(f32Tensor(shape, op->getContext()));
  return success();
}

#define MT_REDUCE_OP_INFERENCE(OP)                                             \
  LogicalResult OP::inferResultTypes(SmallVectorImpl<Type> &types) {           \
    return inferReduction(*this, getInput(), getAxisAttr().getInt(),           \
                          getKeepDims(), types);                               \
  }
MT_REDUCE_OP_INFERENCE(ReduceSumOp)
MT_REDUCE_OP_INFERENCE(ReduceMaxOp)
MT_REDUCE_OP_INFERENCE(ReduceMeanOp)
#undef MT_REDUCE_OP_INFERENCE

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

static SmallVector<int64_t, 4> toInts(ArrayAttr array) {
  SmallVector<int64_t, 4> values;
  for (Attribute attr : array)
    values.push_back(attr.cast<IntegerAttr>().getInt());
  return values;
}

/// `axis` must name a static dimension of `type`.
static LogicalResult expectStaticAxis(Operation *op, RankedTensorType type,
                                      int64_t axis) {
  if (axis >= type.getRank())
    return op->emitOpError()
           << "axis " << axis << " is out of range for rank " << type.getRank();
  if (type.isDynamicDim(axis))
    return op->emitOpError()
           << "axis " << axis << " is the dynamic batch dimension";
  return success();
}

LogicalResult BroadcastInDimOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  auto result = getResult().getType().cast<RankedTensorType>();
  SmallVector<int64_t, 4> dims = toInts(getBroadcastDimensions());
  if ((int64_t)dims.size() != input.getRank())
    return emitOpError() << "expected " << input.getRank()
                         << " broadcast dimensions (the operand's rank), got "
                         << dims.size();
  for (auto it : llvm::enumerate(dims)) {
    int64_t to = it.value(), from = it.index();
    if (to < 0 || to >= result.getRank() || (from > 0 && to <= dims[from - 1]))
      return emitOpError() << "broadcast_dimensions " << formatShape(dims)
                           << " must increase and lie in [0, "
                           << result.getRank() << ")";
  }
  for (auto it : llvm::enumerate(dims)) {
    int64_t to = it.value(), from = it.index();
    int64_t extent = input.getDimSize(from);
    if (extent != 1 && extent != result.getDimSize(to))
      return emitOpError() << "operand dimension " << from << " ("
                           << formatDim(extent)
                           << ") cannot broadcast to result dimension " << to
                           << " (" << formatDim(result.getDimSize(to)) << ")";
  }
  types.push_back(
      RankedTensorType::get(result.getShape(), input.getElementType()));
  return success();
}

LogicalResult TransposeOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  SmallVector<int64_t, 4> perm = toInts(getPermutation());
  llvm::SmallSet<int64_t, 4> seen;
  bool valid = (int64_t)perm.size() == input.getRank();
  for (int64_t p : perm)
    valid = valid && p >= 0 && p < input.getRank() && seen.insert(p).second;
  if (!valid)
    return emitOpError() << "permutation " << formatShape(perm)
                         << " is not a permutation of " << input.getRank()
                         << " dimensions";
  SmallVector<int64_t, 4> shape;
  for (int64_t p : perm)
    shape.push_back(input.getDimSize(p));
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

/// The static element count, and whether only dimension 0 may be dynamic.
static std::pair<int64_t, bool> staticCount(RankedTensorType type) {
  int64_t count = 1;
  bool batchOnly = true;
  for (auto it : llvm::enumerate(type.getShape())) {
    if (ShapedType::isDynamic(it.value()))
      batchOnly = batchOnly && it.index() == 0;
    else
      count *= it.value();
  }
  return {count, batchOnly};
}

LogicalResult ReshapeOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  auto result = getResult().getType().cast<RankedTensorType>();
  auto [inCount, inOk] = staticCount(input);
  auto [outCount, outOk] = staticCount(result);
  bool inBatch = input.getRank() > 0 && input.isDynamicDim(0);
  bool outBatch = result.getRank() > 0 && result.isDynamicDim(0);
  if (!inOk || !outOk || inBatch != outBatch)
    return emitOpError() << "the dynamic batch dimension must stay leading: "
                         << formatShape(input.getShape()) << " -> "
                         << formatShape(result.getShape());
  if (inCount != outCount)
    return emitOpError() << "element count differs: "
                         << formatShape(input.getShape()) << " has " << inCount
                         << (inBatch ? " per example" : "") << ", "
                         << formatShape(result.getShape()) << " has "
                         << outCount;
  types.push_back(
      RankedTensorType::get(result.getShape(), input.getElementType()));
  return success();
}

LogicalResult SliceOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  int64_t axis = getAxisAttr().getInt();
  if (failed(expectStaticAxis(*this, input, axis)))
    return failure();
  int64_t start = getStartAttr().getInt(), size = getSizeAttr().getInt();
  if (start + size > input.getDimSize(axis))
    return emitOpError() << "slice [" << start << ", " << start + size
                         << ") is out of bounds for axis " << axis
                         << " of size " << input.getDimSize(axis);
  SmallVector<int64_t, 4> shape(input.getShape().begin(),
                                input.getShape().end());
  shape[axis] = size;
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult PadOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedType(getInput());
  int64_t axis = getAxisAttr().getInt();
  if (failed(expectStaticAxis(*this, input, axis)))
    return failure();
  SmallVector<int64_t, 4> shape(input.getShape().begin(),
                                input.getShape().end());
  shape[axis] += getLowAttr().getInt() + getHighAttr().getInt();
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (getInputs().empty())
    return emitOpError("expected at least one input");
  RankedTensorType first = rankedType(getInputs()[0]);
  int64_t axis = getAxisAttr().getInt();
  if (failed(expectStaticAxis(*this, first, axis)))
    return failure();
  SmallVector<int64_t, 4> shape(first.getShape().begin(),
                                first.getShape().end());
  for (auto it : llvm::enumerate(getInputs().drop_front())) {
    RankedTensorType next = rankedType(it.value());
    std::string name = "input #" + std::to_string(it.index() + 1);
    if (next.getElementType() != first.getElementType())
      return emitOpError() << "element types differ: input #0 is "
                           << first.getElementType() << ", " << name << " is "
                           << next.getElementType();
    if (failed(expectRank(*this, name, next, first.getRank())) ||
        failed(expectStaticAxis(*this, next, axis)))
      return failure();
    for (int64_t d = 0; d < first.getRank(); ++d)
      if (d != axis &&
          failed(expectSameDim(*this, "dimension " + std::to_string(d),
                               first.getDimSize(d), "input #0",
                               next.getDimSize(d), name)))
        return failure();
    shape[axis] += next.getDimSize(axis);
  }
  types.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult GatherOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType table = rankedType(getTable());
  RankedTensorType indices = rankedType(getIndices());
  if (failed(expectMinRank(*this, "table", table, 1)) ||
      failed(expectStaticAxis(*this, table, 0)))
    return failure();
  SmallVector<int64_t, 4> shape(indices.getShape().begin(),
                                indices.getShape().end());
  shape.append(table.getShape().begin() + 1, table.getShape().end());
  types.push_back(f32Tensor(shape, getContext()));
  return success();
}

LogicalResult ScatterAddOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType indices = rankedType(getIndices());
  RankedTensorType updates = rankedType(getUpdates());
  int64_t rank = indices.getRank();
  if (failed(expectMinRank(*this, "updates", updates, rank)) ||
      failed(
          expectShape(*this, "leading dimensions of updates",
                      RankedTensorType::get(updates.getShape().take_front(rank),
                                            updates.getElementType()),
                      indices.getShape())))
    return failure();
  SmallVector<int64_t, 4> shape{getNumRowsAttr().getInt()};
  shape.append(updates.getShape().begin() + rank, updates.getShape().end());
  types.push_back(f32Tensor(shape, getContext()));
  return success();
}

LogicalResult OneHotOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType indices = rankedType(getIndices());
  SmallVector<int64_t, 4> shape(indices.getShape().begin(),
                                indices.getShape().end());
  shape.push_back(getDepthAttr().getInt());
  types.push_back(RankedTensorType::get(
      shape, getResult().getType().cast<TensorType>().getElementType()));
  return success();
}

LogicalResult ConstantOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  types.push_back(getValue().getType());
  return success();
}

LogicalResult IotaOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto result = getResult().getType().cast<RankedTensorType>();
  int64_t dimension = getDimensionAttr().getInt();
  if (dimension >= result.getRank())
    return emitOpError() << "dimension " << dimension
                         << " is out of range for rank " << result.getRank();
  types.push_back(result);
  return success();
}
