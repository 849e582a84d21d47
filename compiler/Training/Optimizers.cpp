//===- Optimizers.cpp - optimizer updates as primitive ops ----------------===//
//
// Each update follows the algorithm of PyTorch's documentation and its
// single-tensor code path (torch/optim/adam.py, adamw.py, sgd.py;
// torch/nn/utils/clip_grad.py) step by step, with the moments updated in the
// mul/add form (PyTorch 2 writes m as a lerp: equal up to f32 rounding).
//
//===----------------------------------------------------------------------===//

#include "Training/Optimizers.h"

using namespace mlir;
using namespace mt;

AdamState mt::buildAdamUpdate(PrimitiveBuilder &b, const AdamState &current,
                              Value grad, const AdamHyper &h) {
  Value one = b.scalar(1.0f);
  // Adam's L2 term g += wd p (vanishes exactly when decoupled = 1) and
  // AdamW's decay p *= 1 - lr wd (a factor of exactly 1 when decoupled = 0),
  // both from the parameter before this step.
  Value coupledDecay = b.mul(b.sub(one, h.decoupled), h.weightDecay);
  Value g = b.add(grad, b.mul(coupledDecay, current.param));
  Value param =
      b.mul(current.param,
            b.sub(one, b.mul(h.decoupled, b.mul(h.lr, h.weightDecay))));

  Value expAvg =
      b.add(b.mul(current.expAvg, h.beta1), b.mul(g, b.sub(one, h.beta1)));
  Value expAvgSq = b.add(b.mul(current.expAvgSq, h.beta2),
                         b.mul(b.mul(g, g), b.sub(one, h.beta2)));

  Value biasCorrection1 = b.sub(one, b.create<PowOp>(h.beta1, h.step));
  Value biasCorrection2 = b.sub(one, b.create<PowOp>(h.beta2, h.step));
  Value stepSize = b.div(h.lr, biasCorrection1);
  // eps is added after the bias correction of sqrt(v), as PyTorch does.
  Value denom = b.add(
      b.div(b.create<SqrtOp>(expAvgSq), b.create<SqrtOp>(biasCorrection2)),
      h.eps);
  param = b.sub(param, b.mul(stepSize, b.div(expAvg, denom)));
  return {param, expAvg, expAvgSq};
}

SgdState mt::buildSgdUpdate(PrimitiveBuilder &b, const SgdState &current,
                            Value grad, const SgdHyper &h) {
  Value zero = b.scalar(0.0f), one = b.scalar(1.0f);
  Value g = b.add(grad, b.mul(h.weightDecay, current.param));
  // PyTorch creates the buffer as a copy of the first gradient, so the
  // first step is not dampened.
  Value buffer = b.select(b.compare(h.step, one, "eq"), g,
                          b.add(b.mul(current.momentumBuffer, h.momentum),
                                b.mul(g, b.sub(one, h.dampening))));
  Value direction = b.select(b.compare(h.nesterov, zero, "ne"),
                             b.add(g, b.mul(buffer, h.momentum)), buffer);
  // Momentum 0 bypasses the buffer altogether (dampening must not apply).
  Value usesMomentum = b.compare(h.momentum, zero, "ne");
  direction = b.select(usesMomentum, direction, g);
  buffer = b.select(usesMomentum, buffer, current.momentumBuffer);
  return {b.sub(current.param, b.mul(direction, h.lr)), buffer};
}

std::pair<SmallVector<Value, 8>, Value>
mt::clipByGlobalNorm(PrimitiveBuilder &b, ArrayRef<Value> grads,
                     Value maxNorm) {
  Value one = b.scalar(1.0f);
  Value sumOfSquares = b.scalar(0.0f);
  for (Value grad : grads)
    sumOfSquares = b.add(sumOfSquares, b.sumAll(b.mul(grad, grad)));
  Value total = b.create<SqrtOp>(sumOfSquares);
  Value coefficient =
      b.create<MinOp>(one, b.div(maxNorm, b.add(total, b.scalar(1e-6f))));
  Value scale =
      b.select(b.compare(maxNorm, b.scalar(0.0f), "gt"), coefficient, one);
  SmallVector<Value, 8> clipped;
  for (Value grad : grads)
    clipped.push_back(b.mul(grad, scale));
  return {clipped, total};
}
