//===- train_log.cpp - The machine-readable training log ------------------===//

#include "mtc/train_log.h"
#include "mtc/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace mtc {

namespace {

using Json = nlohmann::ordered_json;

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json perTask(const mtc_model &model, const std::vector<double> &values) {
  Json j = Json::object();
  for (int t = 0; t < model.num_tasks; ++t)
    j[model.tasks[t].name] = number(values[t]);
  return j;
}

} // namespace

TrainLog::TrainLog(const std::string &path, const mtc_model &model,
                   bool append)
    : model(model), path(path), file(std::fopen(path.c_str(), append ? "a" : "w")) {
  if (!file)
    throw Error(fmt::format("{}: cannot open the log: {}", path,
                            std::strerror(errno)));
}

void TrainLog::writeLine(const std::string &line) {
  if (std::fputs(line.c_str(), file.get()) < 0 ||
      std::fputc('\n', file.get()) < 0 || std::fflush(file.get()) != 0)
    throw Error(fmt::format("{}: cannot write the log: {}", path,
                            std::strerror(errno)));
}

void TrainLog::step(int64_t epoch, int64_t step, double lr,
                    const float *losses, const std::vector<double> &labelled) {
  std::vector<double> taskLosses;
  for (int t = 0; t < model.num_tasks; ++t)
    taskLosses.push_back(labelled[t] > 0 ? double(losses[1 + t]) : NAN);
  Json j = {{"kind", "step"},          {"epoch", epoch + 1},
            {"step", step},            {"lr", lr},
            {"loss", number(losses[0])}, {"losses", perTask(model, taskLosses)}};
  writeLine(j.dump());
}

void TrainLog::epoch(int64_t epoch, int64_t step, double lr,
                     const std::vector<double> &means,
                     const std::vector<double> &taskWeights,
                     const std::vector<TaskMetrics> *val) {
  Json j = {{"kind", "epoch"},
            {"epoch", epoch + 1},
            {"step", step},
            {"lr", lr},
            {"losses", perTask(model, means)},
            {"task_weights", perTask(model, taskWeights)}};
  if (val)
    j["val"] = metricsJson(model, *val);
  writeLine(j.dump());
}

} // namespace mtc
