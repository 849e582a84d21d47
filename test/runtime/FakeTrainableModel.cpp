//===- FakeTrainableModel.cpp - A hand-written trainable model ------------===//

#include "FakeTrainableModel.h"

#include "mtc/model_abi.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using namespace faketrain;

void (*errorHandler)(void *, const char *) = nullptr;

int report(const char *message) {
  if (errorHandler)
    errorHandler(nullptr, message);
  return -1;
}

void installErrorHandler(void (*handler)(void *, const char *)) {
  errorHandler = handler;
}

enum Param { KindWeight, KindBias, ValueWeight, ValueBias, NumParams };
const int64_t paramSize[NumParams] = {classes * features, classes, features,
                                      1};
enum Hyper {
  Lr,
  Step,
  Beta1,
  Beta2,
  Eps,
  WeightDecay,
  Decoupled,
  Momentum,
  Dampening,
  Nesterov,
  ClipNorm,
  WeightKind,
  WeightValue,
};

struct Example {
  double logits[classes];
  double value;
};

Example forwardOne(const float *x, const float *const *params) {
  Example e;
  for (int64_t c = 0; c < classes; ++c) {
    e.logits[c] = params[KindBias][c];
    for (int64_t f = 0; f < features; ++f)
      e.logits[c] += double(params[KindWeight][c * features + f]) * x[f];
  }
  e.value = params[ValueBias][0];
  for (int64_t f = 0; f < features; ++f)
    e.value += double(params[ValueWeight][f]) * x[f];
  return e;
}

// Softmax probabilities and -log p[label].
double crossEntropy(const Example &e, int32_t label, double *p) {
  double top = e.logits[0];
  for (int64_t c = 1; c < classes; ++c)
    top = std::max(top, e.logits[c]);
  double sum = 0;
  for (int64_t c = 0; c < classes; ++c)
    sum += std::exp(e.logits[c] - top);
  for (int64_t c = 0; c < classes; ++c)
    p[c] = std::exp(e.logits[c] - top) / sum;
  return -(e.logits[label] - top - std::log(sum));
}

int forward(void *arena, int64_t batch, const void *const *inputs,
            const float *const *params, void *const *outputs) {
  if (reinterpret_cast<uintptr_t>(arena) % 64 != 0)
    return report("fake_train_forward: arena is not 64-byte aligned");
  const float *x = static_cast<const float *>(inputs[0]);
  for (int64_t b = 0; b < batch; ++b) {
    Example e = forwardOne(x + b * features, params);
    for (int64_t c = 0; c < classes; ++c)
      static_cast<float *>(outputs[0])[b * classes + c] = float(e.logits[c]);
    static_cast<float *>(outputs[1])[b] = float(e.value);
  }
  return 0;
}

void trace(int64_t batch, const float *x, const float *hyper, uint64_t seed) {
  const char *path = std::getenv("FAKE_TRAIN_TRACE");
  if (!path)
    return;
  std::FILE *f = std::fopen(path, "a");
  if (!f)
    return;
  std::fprintf(f, "step %.9g lr %.9g seed %llu weights %.9g %.9g rows",
               hyper[Step], hyper[Lr], static_cast<unsigned long long>(seed),
               hyper[WeightKind], hyper[WeightValue]);
  for (int64_t b = 0; b < batch; ++b)
    std::fprintf(f, " %.9g", x[b * features]);
  std::fprintf(f, "\n");
  std::fclose(f);
}

// Gradients of the weighted total loss; fills losses[0..2].
void gradients(int64_t batch, const float *x, const int32_t *yKind,
               const float *yValue, const uint8_t *mask,
               const float *const *params, const float *hyper, float *scratch,
               std::vector<double> grads[NumParams], float *losses) {
  int64_t labelled[numTasks] = {0, 0};
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < numTasks; ++t)
      labelled[t] += mask[b * numTasks + t] != 0;
  double loss[numTasks] = {0, 0};
  for (int p = 0; p < NumParams; ++p)
    grads[p].assign(paramSize[p], 0.0);
  for (int64_t b = 0; b < batch; ++b) {
    const float *xb = x + b * features;
    Example e = forwardOne(xb, params);
    if (mask[b * numTasks + 0]) {
      double p[classes];
      loss[0] += crossEntropy(e, yKind[b], p) / labelled[0];
      for (int64_t c = 0; c < classes; ++c) {
        scratch[b * classes + c] = float(p[c]); // the arena holds the probs
        double dz = (p[c] - (c == yKind[b])) / labelled[0] * hyper[WeightKind];
        grads[KindBias][c] += dz;
        for (int64_t f = 0; f < features; ++f)
          grads[KindWeight][c * features + f] += dz * xb[f];
      }
    }
    if (mask[b * numTasks + 1]) {
      double err = e.value - yValue[b];
      loss[1] += err * err / labelled[1];
      double dv = 2 * err / labelled[1] * hyper[WeightValue];
      grads[ValueBias][0] += dv;
      for (int64_t f = 0; f < features; ++f)
        grads[ValueWeight][f] += dv * xb[f];
    }
  }
  losses[1] = float(loss[0]);
  losses[2] = float(loss[1]);
  losses[0] = float(hyper[WeightKind] * loss[0] + hyper[WeightValue] * loss[1]);

  if (hyper[ClipNorm] > 0) {
    double norm = 0;
    for (int p = 0; p < NumParams; ++p)
      for (double g : grads[p])
        norm += g * g;
    double coef = hyper[ClipNorm] / (std::sqrt(norm) + 1e-6);
    if (coef < 1)
      for (int p = 0; p < NumParams; ++p)
        for (double &g : grads[p])
          g *= coef;
  }
}

// current/updated: the 4 parameters, then per parameter exp_avg,
// exp_avg_sq, momentum_buffer.
const float *stateOf(const float *const *all, int p, int which) {
  return all[NumParams + 3 * p + which];
}
float *stateOf(float *const *all, int p, int which) {
  return all[NumParams + 3 * p + which];
}

int trainStep(bool adam, void *arena, int64_t batch,
              const void *const *inputs, const void *const *labels,
              const float *const *current, float *const *updated,
              const float *hyper, uint64_t seed, float *losses) {
  if (reinterpret_cast<uintptr_t>(arena) % 64 != 0)
    return report("fake_train_step: arena is not 64-byte aligned");
  for (int i = 0; i < NumParams * 4; ++i)
    if (current[i] == updated[i])
      return report("fake_train_step: current and updated alias");
  const float *x = static_cast<const float *>(inputs[0]);
  trace(batch, x, hyper, seed);
  float *scratch =
      reinterpret_cast<float *>(static_cast<char *>(arena) + arenaStaticBytes);
  std::vector<double> grads[NumParams];
  gradients(batch, x, static_cast<const int32_t *>(labels[0]),
            static_cast<const float *>(labels[1]),
            static_cast<const uint8_t *>(labels[2]), current, hyper, scratch,
            grads, losses);

  double lr = hyper[Lr], wd = hyper[WeightDecay], step = hyper[Step];
  for (int p = 0; p < NumParams; ++p) {
    const float *w = current[p];
    float *out = updated[p];
    const float *m = stateOf(current, p, 0), *v = stateOf(current, p, 1),
                *buf = stateOf(current, p, 2);
    float *mOut = stateOf(updated, p, 0), *vOut = stateOf(updated, p, 1),
          *bufOut = stateOf(updated, p, 2);
    for (int64_t i = 0; i < paramSize[p]; ++i) {
      double g = grads[p][i], param = w[i];
      if (adam) {
        double b1 = hyper[Beta1], b2 = hyper[Beta2];
        if (hyper[Decoupled] != 0)
          param *= 1 - lr * wd;
        else
          g += wd * param;
        double mi = b1 * m[i] + (1 - b1) * g;
        double vi = b2 * v[i] + (1 - b2) * g * g;
        double denom = std::sqrt(vi) / std::sqrt(1 - std::pow(b2, step)) +
                       hyper[Eps];
        param -= lr / (1 - std::pow(b1, step)) * mi / denom;
        mOut[i] = float(mi);
        vOut[i] = float(vi);
        bufOut[i] = buf[i];
      } else {
        g += wd * param;
        double mu = hyper[Momentum];
        double b = buf[i];
        if (mu != 0) {
          b = step == 1 ? g : mu * b + (1 - hyper[Dampening]) * g;
          g = hyper[Nesterov] != 0 ? g + mu * b : b;
        }
        param -= lr * g;
        mOut[i] = m[i];
        vOut[i] = v[i];
        bufOut[i] = float(b);
      }
      out[i] = float(param);
    }
  }
  return 0;
}

int trainStepAdam(void *arena, int64_t batch, const void *const *inputs,
                  const void *const *labels, const float *const *current,
                  float *const *updated, const float *hyper, uint64_t seed,
                  int64_t /*first_row*/, float *losses) {
  return trainStep(true, arena, batch, inputs, labels, current, updated,
                   hyper, seed, losses);
}

int trainStepSgd(void *arena, int64_t batch, const void *const *inputs,
                 const void *const *labels, const float *const *current,
                 float *const *updated, const float *hyper, uint64_t seed,
                 int64_t /*first_row*/, float *losses) {
  return trainStep(false, arena, batch, inputs, labels, current, updated,
                   hyper, seed, losses);
}

int evalStep(void *arena, int64_t batch, const void *const *inputs,
             const void *const *labels, const float *const *params,
             float *sums) {
  if (reinterpret_cast<uintptr_t>(arena) % 64 != 0)
    return report("fake_eval_step: arena is not 64-byte aligned");
  const float *x = static_cast<const float *>(inputs[0]);
  const int32_t *yKind = static_cast<const int32_t *>(labels[0]);
  const float *yValue = static_cast<const float *>(labels[1]);
  const uint8_t *mask = static_cast<const uint8_t *>(labels[2]);
  for (int64_t b = 0; b < batch; ++b) {
    Example e = forwardOne(x + b * features, params);
    float *kind = sums;
    float *value = sums + MTC_EVAL_FIELDS;
    if (mask[b * numTasks + 0]) {
      double p[classes];
      kind[MTC_EVAL_LOSS_SUM] += float(crossEntropy(e, yKind[b], p));
      kind[MTC_EVAL_COUNT] += 1;
      int64_t best = 0;
      for (int64_t c = 1; c < classes; ++c)
        if (e.logits[c] > e.logits[best])
          best = c;
      kind[MTC_EVAL_CORRECT] += best == yKind[b];
    }
    if (mask[b * numTasks + 1]) {
      double err = e.value - yValue[b];
      value[MTC_EVAL_LOSS_SUM] += float(err * err);
      value[MTC_EVAL_COUNT] += 1;
      value[MTC_EVAL_SQUARED_ERROR] += float(err * err);
      value[MTC_EVAL_ABSOLUTE_ERROR] += float(std::fabs(err));
    }
  }
  return 0;
}

const int64_t xShape[] = {-1, features};
const mtc_tensor_info inputTable[] = {{"x", MTC_F32, 2, xShape, 0}};
const int64_t kindShape[] = {-1, classes};
const int64_t valueShape[] = {-1, 1};
const mtc_tensor_info outputTable[] = {
    {"kind", MTC_F32, 2, kindShape, 0},
    {"value", MTC_F32, 2, valueShape, 0},
};
const int64_t kindWeightShape[] = {classes, features};
const int64_t kindBiasShape[] = {classes};
const int64_t valueWeightShape[] = {1, features};
const int64_t valueBiasShape[] = {1};
const double linearScale = 0.5773502691896258; // 1 / sqrt(fan_in = 3)
const mtc_param_info paramTable[] = {
    {"kind.weight", 2, kindWeightShape, "uniform", linearScale},
    {"kind.bias", 1, kindBiasShape, "uniform", linearScale},
    {"value.weight", 2, valueWeightShape, "uniform", linearScale},
    {"value.bias", 1, valueBiasShape, "uniform", linearScale},
};
const mtc_param_info stateTable[] = {
#define FAKE_STATE(p, shape, rank)                                             \
  {p ".exp_avg", rank, shape, "zeros", 0},                                     \
      {p ".exp_avg_sq", rank, shape, "zeros", 0},                              \
      {p ".momentum_buffer", rank, shape, "zeros", 0}
    FAKE_STATE("kind.weight", kindWeightShape, 2),
    FAKE_STATE("kind.bias", kindBiasShape, 1),
    FAKE_STATE("value.weight", valueWeightShape, 2),
    FAKE_STATE("value.bias", valueBiasShape, 1),
#undef FAKE_STATE
};
const mtc_task_info taskTable[] = {
    {"kind", "cross_entropy", classes, 0, 1.0},
    {"value", "mse", 1, 1, 1.0},
};
const int64_t yKindShape[] = {-1};
const int64_t yValueShape[] = {-1, 1};
const int64_t maskShape[] = {-1, numTasks};
const mtc_tensor_info labelTable[] = {
    {"y.kind", MTC_I32, 1, yKindShape, 0},
    {"y.value", MTC_F32, 2, yValueShape, 0},
    {"mask", MTC_U8, 2, maskShape, 0},
};
const char *const hyperNames[] = {
    "lr",       "step",      "beta1",    "beta2",     "eps",
    "weight_decay", "decoupled", "momentum", "dampening", "nesterov",
    "clip_norm", "task_weight.kind", "task_weight.value", "gradnorm_alpha"};
constexpr int numHyper = 13; // without the test hook's extra name
const char *const kernelNames[] = {"fake_train_forward"};

mtc_training makeTraining(int hyperCount) {
  return {3,
          labelTable,
          int(std::size(stateTable)),
          stateTable,
          hyperCount,
          hyperNames,
          "static",
          "none",
          arenaStaticBytes,
          arenaBytesPerExample,
          arenaStaticBytes,
          0,
          trainStepAdam,
          trainStepSgd,
          evalStep,
          /*set_all_reduce=*/nullptr,
          /*all_reduce_floats=*/0};
}

const mtc_training training = makeTraining(numHyper);
const mtc_training trainingExtraHyper = makeTraining(numHyper + 1);

mtc_model makeModel(const mtc_training *t) {
  return {"fake_train",
          fingerprint,
          "x86-64-linux-sse41",
          0,
          nullptr,
          1,
          inputTable,
          2,
          outputTable,
          NumParams,
          paramTable,
          numTasks,
          taskTable,
          0,
          0,
          1,
          kernelNames,
          forward,
          installErrorHandler,
          t};
}

const mtc_model model = makeModel(&training);
const mtc_model modelExtraHyper = makeModel(&trainingExtraHyper);

} // namespace

extern "C" const mtc_model *mtc_model_get(void) {
  return std::getenv("FAKE_TRAIN_EXTRA_HYPER") ? &modelExtraHyper : &model;
}
