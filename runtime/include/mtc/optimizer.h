//===- optimizer.h - Optimizer choice and hyperparameters -------*- C++ -*-===//
//
// The optimizers run inside the generated train steps (PyTorch semantics);
// the runtime picks the entry point and fills the `hyper` array the step
// reads, in the order of mtc_training.hyper_names:
//   lr            after the schedule        step        1-based global step
//   beta1, beta2, eps, weight_decay         decoupled   1 for adamw, else 0
//   momentum, dampening (0), nesterov (0/1) clip_norm   0 = no clipping
//   task_weight.<task>                      host task weights (balance.h)
// A name outside this list is an Error at start-up: the step would read a
// value nobody set.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_OPTIMIZER_H
#define MTC_OPTIMIZER_H

#include "mtc/model_abi.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mtc {

struct OptimizerOptions {
  std::string name = "adam"; // adam | adamw | sgd
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weightDecay = 0;
  double momentum = 0;
  bool nesterov = false;
  double clipNorm = 0;

  /// Throws Error for an unknown name or values PyTorch would refuse.
  void check() const;
  nlohmann::ordered_json toJson() const;
};

/// The model's train step for `options.name`; Error if it lacks one.
mtc_train_step_fn selectTrainStep(const mtc_training &training,
                                  const OptimizerOptions &options);

class Hyperparameters {
public:
  /// Resolves every name of the model's hyper_names; throws Error for an
  /// unknown one.
  Hyperparameters(const mtc_model &model, const OptimizerOptions &options);

  /// Sets the per-step values: step, lr and one weight per task.
  void set(int64_t step, double lr, const std::vector<double> &taskWeights);
  const float *data() const { return values.data(); }

private:
  enum class Source { Fixed, Lr, Step, TaskWeight };
  struct Slot {
    Source source;
    int task;
  };
  std::vector<Slot> slots;
  std::vector<float> values;
};

} // namespace mtc

#endif // MTC_OPTIMIZER_H
