//===- FakeModel.cpp - A hand-written model for the runtime tests ---------===//

#include "FakeModel.h"

#include "mtc/model_abi.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace {

using namespace fake;

void (*errorHandler)(void *, const char *) = nullptr;

int report(const char *message) {
  if (errorHandler)
    errorHandler(nullptr, message);
  return -1;
}

int forward(void *arena, int64_t batch, const void *const *inputs,
            const float *const *params, void *const *outputs) {
  if (reinterpret_cast<uintptr_t>(arena) % 64 != 0)
    return report("fake_mean: arena is not 64-byte aligned");
  const float *x = static_cast<const float *>(inputs[0]);
  const int32_t *task = static_cast<const int32_t *>(inputs[1]);
  float *pooled =
      reinterpret_cast<float *>(static_cast<char *>(arena) + arenaStaticBytes);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t f = 0; f < features; ++f) {
      float sum = 0;
      for (int64_t s = 0; s < seqLen; ++s)
        sum += x[(b * seqLen + s) * features + f];
      if (!std::isfinite(sum)) {
        char message[96];
        std::snprintf(message, sizeof(message),
                      "fake_mean: the sum over x is not finite in example %lld\n",
                      static_cast<long long>(b));
        return report(message);
      }
      pooled[b * features + f] = sum / seqLen;
    }
  const float *weight = params[0];
  const float *bias = params[1];
  float *sentiment = static_cast<float *>(outputs[0]);
  float *score = static_cast<float *>(outputs[1]);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < classes; ++c) {
      float acc = bias[c];
      for (int64_t f = 0; f < features; ++f)
        acc += weight[c * features + f] * pooled[b * features + f];
      sentiment[b * classes + c] = acc;
    }
    score[b] = sentiment[b * classes + task[b]];
  }
  return 0;
}

void installErrorHandler(void (*handler)(void *, const char *)) {
  errorHandler = handler;
}

const int64_t xShape[] = {-1, seqLen, features};
const int64_t taskShape[] = {-1};
const mtc_tensor_info inputTable[] = {
    {"x", MTC_F32, 3, xShape, 0},
    {"task", MTC_I32, 1, taskShape, 2},
};
const int64_t sentimentShape[] = {-1, classes};
const int64_t scoreShape[] = {-1, 1};
const mtc_tensor_info outputTable[] = {
    {"sentiment", MTC_F32, 2, sentimentShape, 0},
    {"score", MTC_F32, 2, scoreShape, 0},
};
const int64_t weightShape[] = {classes, features};
const int64_t biasShape[] = {classes};
// nn.Linear(3, 2): kaiming_uniform(a=sqrt(5)) and the bias both give
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
const mtc_param_info paramTable[] = {
    {"head.weight", 2, weightShape, "uniform", 0.5773502691896258},
    {"head.bias", 1, biasShape, "uniform", 0.5773502691896258},
};
const mtc_task_info taskTable[] = {
    {"sentiment", "cross_entropy", classes, 0, 1.0},
    {"score", "mse", 1, 1, 1.0},
};
const char *const cpuFeatures[] = {"sse2", "not-a-feature"};
const char *const kernelNames[] = {"fake_mean", "fake_linear"};

const mtc_model model = {
    "fake",
    "0123456789abcdef",
    "x86-64-linux-sse41",
    2,
    cpuFeatures,
    2,
    inputTable,
    2,
    outputTable,
    2,
    paramTable,
    2,
    taskTable,
    arenaStaticBytes,
    arenaBytesPerExample,
    2,
    kernelNames,
    forward,
    installErrorHandler,
    nullptr, // compiled for inference only
};

} // namespace

extern "C" const mtc_model *mtc_model_get(void) { return &model; }
