//===- Balancing.cpp - PCGrad and GradNorm as primitive ops ---------------===//
//
// See Balancing.h for the rules. Everything here is elementwise or a small
// reduction over [T] or [T, T] tensors, except PCGrad's dot products and
// projections, which touch every shared parameter once per task pair.
//
//===----------------------------------------------------------------------===//

#include "EntryPoints/Balancing.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace mt {

namespace {

/// Element [row, column] of a rank-2 value, as a rank-0 value.
Value element(PrimitiveBuilder &b, Value matrix, int64_t row, int64_t column) {
  return b.reshape(b.slice(b.slice(matrix, 0, row, 1), 1, column, 1), {});
}

Value dot(PrimitiveBuilder &b, ArrayRef<Value> x, ArrayRef<Value> y) {
  Value sum;
  for (auto [xk, yk] : llvm::zip(x, y)) {
    Value term = b.sumAll(b.mul(xk, yk));
    sum = sum ? b.add(sum, term) : term;
  }
  return sum;
}

} // namespace

Value buildTaskOrder(PrimitiveBuilder &b, Value seed, int64_t numTasks) {
  OpBuilder &builder = b.builder();
  int64_t t = numTasks, k = kTaskOrderBits;
  auto type = RankedTensorType::get({t, k}, builder.getF32Type());
  Value like = b.constant({t, k}, std::vector<float>(t * k, 1.0f));
  // Kept elements of a rate-0.5 mask hold 2, dropped ones 0: bit = mask / 2.
  Value mask = builder.create<DropoutMaskOp>(
      b.location(), type, like, seed, /*first_row=*/Value(),
      builder.getF64FloatAttr(0.5),
      builder.getI64IntegerAttr(kTaskOrderStream));
  std::vector<float> placeValues, taskIndex, positions;
  for (int64_t j = 0; j < t; ++j) {
    for (int64_t bit = 0; bit < k; ++bit)
      placeValues.push_back(static_cast<float>(int64_t(1) << bit) * 0.5f);
    taskIndex.push_back(static_cast<float>(j));
    for (int64_t column = 0; column < t; ++column)
      positions.push_back(static_cast<float>(j));
  }
  Value keys = b.reduceSum(b.mul(mask, b.constant({t, k}, placeValues)), 1,
                           /*keepDims=*/false);
  keys =
      b.add(b.scale(keys, static_cast<float>(t)), b.constant({t}, taskIndex));
  // rank_j = #{k : key_k < key_j}: task j's position in the order.
  Value mine = b.broadcastInDim(keys, {t, t}, {0});
  Value others = b.broadcastInDim(keys, {t, t}, {1});
  Value rank = b.reduceSum(
      b.cast(b.compare(others, mine, "lt"), builder.getF32Type()), 1,
      /*keepDims=*/false);
  Value rankByColumn = b.broadcastInDim(rank, {t, t}, {1});
  return b.cast(b.compare(rankByColumn, b.constant({t, t}, positions), "eq"),
                builder.getF32Type());
}

SmallVector<Value, 16> buildPCGrad(PrimitiveBuilder &b,
                                   ArrayRef<SmallVector<Value, 16>> taskGrads,
                                   Value order) {
  int64_t numTasks = taskGrads.size();
  size_t numParams = taskGrads.front().size();
  // The p-th task's gradient, picked by the 0/1 row P[p] (exact: the other
  // tasks contribute zeros), so one unrolled loop serves every order.
  SmallVector<SmallVector<Value, 16>, 4> ordered(numTasks);
  SmallVector<Value, 4> squaredNorms;
  for (int64_t p = 0; p < numTasks; ++p) {
    for (size_t k = 0; k < numParams; ++k) {
      Value sum;
      for (int64_t j = 0; j < numTasks; ++j) {
        Value term = b.mul(element(b, order, p, j), taskGrads[j][k]);
        sum = sum ? b.add(sum, term) : term;
      }
      ordered[p].push_back(sum);
    }
    squaredNorms.push_back(dot(b, ordered[p], ordered[p]));
  }

  Value zero = b.scalar(0.0f), one = b.scalar(1.0f);
  SmallVector<Value, 16> total(numParams);
  for (int64_t i = 0; i < numTasks; ++i) {
    SmallVector<Value, 16> g(taskGrads[i].begin(), taskGrads[i].end());
    for (int64_t p = 0; p < numTasks; ++p) {
      // The position holding task i itself is skipped: its coefficient is
      // multiplied by 0. A conflict implies |g_j|^2 > 0, and the select
      // discards the division otherwise.
      Value notSelf = b.sub(one, element(b, order, p, i));
      Value d = dot(b, g, ordered[p]);
      Value coefficient = b.mul(
          b.select(b.compare(d, zero, "lt"), b.div(d, squaredNorms[p]), zero),
          notSelf);
      for (size_t k = 0; k < numParams; ++k)
        g[k] = b.sub(g[k], b.mul(coefficient, ordered[p][k]));
    }
    for (size_t k = 0; k < numParams; ++k)
      total[k] = total[k] ? b.add(total[k], g[k]) : g[k];
  }
  return total;
}

GradNormState buildGradNormUpdate(PrimitiveBuilder &b,
                                  const GradNormState &current, Value perTask,
                                  Value layerGradNorms,
                                  const GradNormHyper &h) {
  int64_t numTasks = shapeOf(perTask)[0];
  Value zero = b.scalar(0.0f), one = b.scalar(1.0f);
  Value initial =
      b.select(b.compare(h.step, one, "le"), perTask,
               b.select(b.compare(current.initialLosses, zero, "eq"), perTask,
                        current.initialLosses));
  Value recorded = b.compare(initial, zero, "gt");
  Value ratio = b.select(recorded, b.div(perTask, initial), one);
  Value meanRatio = b.reduceMean(ratio, 0, /*keepDims=*/false);
  // All losses 0 (nothing labelled): every task is on target.
  Value relative =
      b.select(b.compare(meanRatio, zero, "gt"), b.div(ratio, meanRatio), one);

  Value norms = b.mul(current.weights, layerGradNorms);
  Value target =
      b.mul(b.reduceMean(norms, 0, /*keepDims=*/false),
            b.create<PowOp>(relative, b.scalar(static_cast<float>(h.alpha))));
  Value difference = b.sub(norms, target);
  Value sign = b.select(
      b.compare(difference, zero, "gt"), one,
      b.select(b.compare(difference, zero, "lt"), b.scalar(-1.0f), zero));
  Value stepped =
      b.sub(current.weights, b.mul(h.lr, b.mul(sign, layerGradNorms)));
  stepped = b.create<MaxOp>(stepped, b.scalar(kGradNormMinWeight));
  Value renormalised =
      b.mul(stepped, b.div(b.scalar(static_cast<float>(numTasks)),
                           b.reduceSum(stepped, 0, /*keepDims=*/false)));
  return {renormalised, initial};
}

} // namespace mt
