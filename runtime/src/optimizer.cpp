//===- optimizer.cpp - Optimizer choice and hyperparameters ---------------===//

#include "mtc/optimizer.h"
#include "mtc/error.h"

#include <fmt/format.h>

namespace mtc {

void OptimizerOptions::check() const {
  if (name != "adam" && name != "adamw" && name != "sgd")
    throw Error(fmt::format("unknown optimizer '{}' (expected adam, adamw or "
                            "sgd)",
                            name));
  if (!(lr >= 0))
    throw Error(fmt::format("--lr {} is negative", lr));
  if (!(weightDecay >= 0))
    throw Error(fmt::format("--weight-decay {} is negative", weightDecay));
  if (!(clipNorm >= 0))
    throw Error(fmt::format("--clip-norm {} is negative", clipNorm));
  if (name == "sgd") {
    if (!(momentum >= 0))
      throw Error(fmt::format("--momentum {} is negative", momentum));
    if (nesterov && momentum <= 0)
      throw Error("--nesterov needs --momentum above 0");
    return;
  }
  if (momentum != 0 || nesterov)
    throw Error(fmt::format("--momentum and --nesterov apply to sgd, not {}",
                            name));
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
    throw Error(fmt::format("--beta1 {} and --beta2 {} must lie in [0, 1)",
                            beta1, beta2));
  if (!(eps > 0))
    throw Error(fmt::format("--eps {} is not positive", eps));
}

nlohmann::ordered_json OptimizerOptions::toJson() const {
  nlohmann::ordered_json j = {{"optimizer", name}, {"lr", lr}};
  if (name == "sgd") {
    j["momentum"] = momentum;
    j["nesterov"] = nesterov;
  } else {
    j["beta1"] = beta1;
    j["beta2"] = beta2;
    j["eps"] = eps;
  }
  j["weight_decay"] = weightDecay;
  j["clip_norm"] = clipNorm;
  return j;
}

mtc_train_step_fn selectTrainStep(const mtc_training &training,
                                  const OptimizerOptions &options) {
  mtc_train_step_fn fn = options.name == "sgd" ? training.train_step_sgd
                                               : training.train_step_adam;
  if (!fn)
    throw Error(fmt::format("this model was compiled without the {} "
                            "optimizer",
                            options.name));
  return fn;
}

Hyperparameters::Hyperparameters(const mtc_model &model,
                                 const OptimizerOptions &options) {
  const mtc_training &training = *model.training;
  const std::string weightPrefix = "task_weight.";
  for (int i = 0; i < training.num_hyper; ++i) {
    std::string name = training.hyper_names[i];
    Slot slot{Source::Fixed, -1};
    double value = 0;
    if (name == "lr")
      slot.source = Source::Lr;
    else if (name == "step")
      slot.source = Source::Step;
    else if (name == "beta1")
      value = options.beta1;
    else if (name == "beta2")
      value = options.beta2;
    else if (name == "eps")
      value = options.eps;
    else if (name == "weight_decay")
      value = options.weightDecay;
    else if (name == "decoupled")
      value = options.name == "adamw" ? 1 : 0;
    else if (name == "momentum")
      value = options.momentum;
    else if (name == "dampening")
      value = 0;
    else if (name == "nesterov")
      value = options.nesterov ? 1 : 0;
    else if (name == "clip_norm")
      value = options.clipNorm;
    else if (name.rfind(weightPrefix, 0) == 0) {
      std::string task = name.substr(weightPrefix.size());
      for (int t = 0; t < model.num_tasks; ++t)
        if (task == model.tasks[t].name)
          slot = {Source::TaskWeight, t};
      if (slot.source != Source::TaskWeight)
        throw Error(fmt::format("model ABI: hyperparameter '{}' names no "
                                "task of the model",
                                name));
    } else {
      throw Error(fmt::format("model ABI: unknown hyperparameter '{}' (this "
                              "runtime sets lr, step, beta1, beta2, eps, "
                              "weight_decay, decoupled, momentum, dampening, "
                              "nesterov, clip_norm, task_weight.<task>)",
                              name));
    }
    slots.push_back(slot);
    values.push_back(float(value));
  }
}

void Hyperparameters::set(int64_t step, double lr,
                          const std::vector<double> &taskWeights) {
  for (size_t i = 0; i < slots.size(); ++i) {
    switch (slots[i].source) {
    case Source::Fixed:
      break;
    case Source::Lr:
      values[i] = float(lr);
      break;
    case Source::Step:
      values[i] = float(step);
      break;
    case Source::TaskWeight:
      values[i] = float(taskWeights[slots[i].task]);
      break;
    }
  }
}

} // namespace mtc
