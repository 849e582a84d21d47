//===- initial_weights.cpp - Training that starts from given weights ------===//

#include "mtc/initial_weights.h"
#include "mtc/error.h"
#include "mtc/model.h"
#include "mtc/parameters.h"
#include "mtc/safetensors.h"

#include <fmt/format.h>

#include <set>

namespace mtc {
namespace {

/// Names, shown up to a few, then how many more.
std::string listed(const std::vector<std::string> &names) {
  constexpr size_t kShown = 6;
  std::string text;
  for (size_t i = 0; i < names.size() && i < kShown; ++i)
    text += (i ? ", " : "") + names[i];
  if (names.size() > kShown)
    text += fmt::format(" and {} more", names.size() - kShown);
  return text;
}

bool isTrainingState(const std::string &name, const mtc_model &model) {
  if (name.rfind("optimizer.", 0) == 0)
    return true;
  const mtc_training *training = model.training;
  for (int i = 0; training && i < training->num_state; ++i)
    if (name == training->state[i].name)
      return true;
  return false;
}

} // namespace

std::string InitialWeightsReport::summary() const {
  std::string text = fmt::format("initial weights: {} parameter{} from {}",
                                 loaded, loaded == 1 ? "" : "s", path);
  if (!kept.empty())
    text += fmt::format("; {} left at their seeded initial values: {}",
                        kept.size(), listed(kept));
  if (!ignored.empty())
    text += fmt::format("; {} tensor{} of the file ignored (not parameters "
                        "of this model): {}",
                        ignored.size(), ignored.size() == 1 ? "" : "s",
                        listed(ignored));
  if (trainingState > 0)
    text += fmt::format("; the checkpoint's training state ({} tensors) is "
                        "not used: the optimizer starts afresh",
                        trainingState);
  return text;
}

InitialWeightsReport loadInitialWeights(const std::string &path,
                                        const mtc_model &model,
                                        TrainBuffers &buffers, bool partial) {
  SafetensorsFile file = SafetensorsFile::read(path);
  InitialWeightsReport report;
  report.path = path;
  std::vector<std::string> missing, misfits;
  std::set<std::string> parameters;
  for (int i = 0; i < model.num_params; ++i) {
    const mtc_param_info &param = model.params[i];
    parameters.insert(param.name);
    const TensorView *t = file.find(param.name);
    if (!t) {
      missing.push_back(
          fmt::format("{} {}", param.name, formatShape(paramShape(param))));
      report.kept.push_back(param.name);
      continue;
    }
    if (t->dtype != DType::F32 || t->shape != paramShape(param)) {
      misfits.push_back(fmt::format("'{}' is {} {}, the model's is F32 {}",
                                    param.name, dtypeName(t->dtype),
                                    formatShape(t->shape),
                                    formatShape(paramShape(param))));
      continue;
    }
    readParameter(file, param, buffers.current(i)); // also checks finiteness
    ++report.loaded;
  }
  for (const std::string &name : file.names()) {
    if (parameters.count(name))
      continue;
    if (isTrainingState(name, model))
      ++report.trainingState;
    else
      report.ignored.push_back(name);
  }

  std::vector<std::string> problems;
  if (!misfits.empty())
    problems.push_back(listed(misfits));
  if (!partial && !missing.empty())
    problems.push_back(fmt::format("missing {} parameter{}: {}", missing.size(),
                                   missing.size() == 1 ? "" : "s",
                                   listed(missing)));
  if (!partial && !report.ignored.empty())
    problems.push_back(fmt::format("{} tensor{} that {} no parameter of "
                                   "model '{}': {}",
                                   report.ignored.size(),
                                   report.ignored.size() == 1 ? "" : "s",
                                   report.ignored.size() == 1 ? "is" : "are",
                                   model.name, listed(report.ignored)));
  if (!problems.empty()) {
    std::string message =
        fmt::format("--init {}: the weights do not fit the model: ", path);
    for (size_t i = 0; i < problems.size(); ++i)
      message += (i ? "; " : "") + problems[i];
    if (misfits.empty())
      message += " (--init-partial loads the parameters that match)";
    throw Error(message);
  }
  if (report.loaded == 0)
    throw Error(fmt::format("--init {}: no tensor of the file is a parameter "
                            "of model '{}'",
                            path, model.name));
  return report;
}

} // namespace mtc
