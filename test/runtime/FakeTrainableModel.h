//===- FakeTrainableModel.h - A hand-written trainable model ----*- C++ -*-===//
//
// Stands in for a model compiled for training (mtc-fake-train-model):
//   inputs  x [N, 3] f32
//   params  kind.weight [3, 3], kind.bias [3], value.weight [1, 3],
//           value.bias [1]
//   outputs kind [N, 3] = kind.weight x + kind.bias  (logits)
//           value [N, 1] = value.weight x + value.bias
//   tasks   kind: cross_entropy, 3 classes; value: mse
//   labels  y.kind i32 [N], y.value f32 [N, 1], mask u8 [N, 2]
//   state   per parameter <p>.exp_avg, <p>.exp_avg_sq, <p>.momentum_buffer
//   balance static, surgery none
// The steps follow model_abi.h in plain double-precision C++:
//   L_j = mean over the examples the mask labels for task j (0 if none),
//   total = sum_j task_weight_j L_j; gradients by hand; clipping by global
//   norm; Adam/AdamW and SGD (momentum, dampening, Nesterov) as PyTorch
//   writes them.
// Test hooks, read from the environment:
//   FAKE_TRAIN_TRACE=path   appends one line per train step: step, lr,
//                           seed, the two task weights, then x[0] of each
//                           row of the batch (%.9g, exact for a float)
//   FAKE_TRAIN_EXTRA_HYPER  adds a hyperparameter no runtime knows
//
//===----------------------------------------------------------------------===//
#ifndef MTC_TEST_FAKETRAINABLEMODEL_H
#define MTC_TEST_FAKETRAINABLEMODEL_H

#include <cstdint>

namespace faketrain {

constexpr int64_t features = 3;
constexpr int64_t classes = 3;
constexpr int64_t numTasks = 2;
constexpr int64_t arenaStaticBytes = 64;
constexpr int64_t arenaBytesPerExample = classes * sizeof(float);
constexpr const char *fingerprint = "fedcba9876543210";

} // namespace faketrain

#endif // MTC_TEST_FAKETRAINABLEMODEL_H
