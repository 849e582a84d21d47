//===- LossBuilder.cpp - the multitask loss as primitive ops --------------===//
//
// Each task is reduced to per-example vectors [B] (loss, and the metric
// terms), then to masked sums over the batch, then to the per-task mean.
// Masking selects rather than multiplies, so an unlabelled example whose
// placeholder label gives an infinite or NaN loss cannot poison the sums.
//
//===----------------------------------------------------------------------===//

#include "Training/LossBuilder.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mt;

namespace {

Type f32(PrimitiveBuilder &b) { return b.builder().getF32Type(); }

/// Mean over every dimension but the leading (batch) one: [B, ...] -> [B].
Value perExampleMean(PrimitiveBuilder &b, Value x) {
  ArrayRef<int64_t> shape = shapeOf(x);
  if (shape.size() == 1)
    return x;
  if (shape.size() > 2) {
    int64_t elements = 1;
    for (int64_t extent : shape.drop_front())
      elements *= extent;
    x = b.reshape(x, {shape[0], elements});
  }
  return b.reduceMean(x, 1, /*keepDims=*/false);
}

/// The per-example terms of one task, each [B]; metrics a kind does not
/// have are null.
struct TaskTerms {
  Value loss, correct, squaredError, absoluteError;
};

/// -log_softmax(x)[y] = logsumexp(x - m) - (x - m)[y] with m = max x, so
/// exp never overflows.
TaskTerms crossEntropy(PrimitiveBuilder &b, Value logits, Value labels) {
  int64_t axis = shapeOf(logits).size() - 1;
  int64_t classes = shapeOf(logits).back();
  Value max = b.reduceMax(logits, axis, /*keepDims=*/true);
  Value shifted = b.sub(logits, max);
  Value logSumExp = b.create<LogOp>(
      b.reduceSum(b.create<ExpOp>(shifted), axis, /*keepDims=*/false));
  Value picked = b.reduceSum(b.mul(shifted, b.oneHot(labels, classes, f32(b))),
                             axis, /*keepDims=*/false);
  Value loss = b.sub(logSumExp, picked);

  // argmax without an argmax op: the largest of (classes - k) over the
  // maximal positions k is classes - (first maximal k).
  Value fromEnd =
      b.sub(b.scalar(static_cast<float>(classes)),
            b.builder().create<IotaOp>(b.location(),
                                       RankedTensorType::get({classes}, f32(b)),
                                       b.builder().getI64IntegerAttr(0)));
  Value firstMax = b.reduceMax(
      b.select(b.compare(logits, max, "eq"), fromEnd, b.scalar(0.0f)), axis,
      /*keepDims=*/false);
  Value labelFromEnd =
      b.sub(b.scalar(static_cast<float>(classes)), b.cast(labels, f32(b)));
  Value correct = b.cast(b.compare(firstMax, labelFromEnd, "eq"), f32(b));
  return {perExampleMean(b, loss), perExampleMean(b, correct), Value(),
          Value()};
}

/// BCEWithLogits: max(x, 0) - x y + log(1 + exp(-|x|)), which never
/// exponentiates a positive number.
TaskTerms binaryCrossEntropy(PrimitiveBuilder &b, Value logits, Value labels) {
  Value x = b.reshape(logits, shapeOf(labels)); // drops the unit class dim
  Value softplus = b.create<LogOp>(b.add(
      b.scalar(1.0f), b.create<ExpOp>(b.create<NegOp>(b.create<AbsOp>(x)))));
  Value loss = b.add(
      b.sub(b.create<MaxOp>(x, b.scalar(0.0f)), b.mul(x, labels)), softplus);
  Value predicted = b.cast(b.compare(x, b.scalar(0.0f), "gt"), f32(b));
  Value actual = b.cast(b.compare(labels, b.scalar(0.5f), "gt"), f32(b));
  Value correct = b.cast(b.compare(predicted, actual, "eq"), f32(b));
  return {perExampleMean(b, loss), perExampleMean(b, correct), Value(),
          Value()};
}

TaskTerms meanSquaredError(PrimitiveBuilder &b, Value predictions,
                           Value labels) {
  Value error = b.sub(predictions, labels);
  Value squared = perExampleMean(b, b.mul(error, error));
  return {squared, Value(), squared, perExampleMean(b, b.create<AbsOp>(error))};
}

/// Rank-0 values -> a rank-1 tensor of them.
Value stack(PrimitiveBuilder &b, ArrayRef<Value> scalars) {
  SmallVector<Value, 16> pieces;
  for (Value scalar : scalars)
    pieces.push_back(b.reshape(scalar, {1}));
  return b.create<ConcatOp>(pieces, b.builder().getI64IntegerAttr(0));
}

/// Checks that `value` is a tensor<Txf32>.
LogicalResult checkTaskVector(MultitaskLossOp op, StringRef what, Value value,
                              int64_t numTasks) {
  auto type = value.getType().dyn_cast<RankedTensorType>();
  if (type && type.getElementType().isF32() && type.getRank() == 1 &&
      type.getDimSize(0) == numTasks)
    return success();
  return op.emitOpError() << "expected " << what << " of type tensor<"
                          << numTasks << "xf32>, got " << value.getType();
}

} // namespace

FailureOr<MultitaskLossValues>
mt::buildMultitaskLoss(PrimitiveBuilder &b, MultitaskLossOp op, Value weights,
                       Value logVars, bool sumCountsOverRanks) {
  int64_t numTasks = op.getTasks().size();
  if (logVars) {
    if (failed(checkTaskVector(op, "log variances", logVars, numTasks)))
      return failure();
  } else if (!weights) {
    op.emitOpError("needs task weights or log variances to build its loss");
    return failure();
  } else if (failed(checkTaskVector(op, "task weights", weights, numTasks))) {
    return failure();
  }
  for (Value operand : op->getOperands())
    if (!operand.getType().isa<RankedTensorType>()) {
      op.emitOpError() << "expects ranked operands (run mt-infer-shapes "
                          "first), got "
                       << operand.getType();
      return failure();
    }

  Value zero = b.scalar(0.0f);
  SmallVector<Value, 8> lossSums, counts;
  SmallVector<Value, 40> sums;
  for (int64_t j = 0; j < numTasks; ++j) {
    StringRef kind = op.getKinds()[j].cast<StringAttr>().getValue();
    Value predictions = op.getPredictions()[j], labels = op.getLabels()[j];
    TaskTerms terms = kind == "cross_entropy"
                          ? crossEntropy(b, predictions, labels)
                      : kind == "binary_cross_entropy"
                          ? binaryCrossEntropy(b, predictions, labels)
                          : meanSquaredError(b, predictions, labels);

    int64_t batch = shapeOf(terms.loss)[0];
    Value labelled;
    Value count;
    if (Value mask = op.getMask()) {
      labelled = b.reshape(b.slice(mask, 1, j, 1), {batch});
      count = b.reduceSum(b.cast(labelled, f32(b)), 0, /*keepDims=*/false);
    } else {
      count = b.reduceSum(b.broadcastInDim(b.scalar(1.0f), {batch}, {}), 0,
                          /*keepDims=*/false);
    }
    auto sumLabelled = [&](Value perExample) -> Value {
      if (!perExample)
        return zero;
      if (labelled)
        perExample = b.select(labelled, perExample, zero);
      return b.reduceSum(perExample, 0, /*keepDims=*/false);
    };
    Value lossSum = sumLabelled(terms.loss);
    lossSums.push_back(lossSum);
    counts.push_back(count);
    sums.append({lossSum, count, sumLabelled(terms.correct),
                 sumLabelled(terms.squaredError),
                 sumLabelled(terms.absoluteError)});
  }

  Value divisors = stack(b, counts);
  if (sumCountsOverRanks)
    divisors = b.allReduce(divisors).front();
  MultitaskLossValues values;
  // max(count, 1): a task with no labelled example contributes 0.
  values.perTask =
      b.div(stack(b, lossSums), b.create<MaxOp>(divisors, b.scalar(1.0f)));
  values.evalSums = b.reshape(stack(b, sums), {numTasks, kNumEvalSums});
  values.total = combineTaskLosses(b, values.perTask, weights, logVars);
  return values;
}

Value mt::combineTaskLosses(PrimitiveBuilder &b, Value perTask, Value weights,
                            Value logVars) {
  Value terms;
  if (logVars) {
    // Kendall et al.: L_j / (2 exp(s_j)) + s_j / 2.
    Value twiceVariance = b.mul(b.scalar(2.0f), b.create<ExpOp>(logVars));
    terms = b.add(b.div(perTask, twiceVariance), b.scale(logVars, 0.5f));
  } else {
    terms = b.mul(weights, perTask);
  }
  return b.reduceSum(terms, 0, /*keepDims=*/false);
}
