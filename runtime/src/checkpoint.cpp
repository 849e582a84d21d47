//===- checkpoint.cpp - Training checkpoints ------------------------------===//

#include "mtc/checkpoint.h"
#include "mtc/error.h"
#include "mtc/model.h"
#include "mtc/parameters.h"
#include "mtc/safetensors.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace mtc {

namespace {

using Json = nlohmann::ordered_json;

// NaN (a task without labels) is JSON null.
Json numbers(const std::vector<double> &values) {
  Json j = Json::array();
  for (double v : values)
    j.push_back(std::isfinite(v) ? Json(v) : Json(nullptr));
  return j;
}

std::vector<double> numbersFrom(const Json &j, size_t count,
                                const std::string &what) {
  if (!j.is_array() || j.size() != count)
    throw Error(fmt::format("{} is not a list of {} numbers", what, count));
  std::vector<double> values;
  for (const Json &v : j) {
    if (!v.is_number() && !v.is_null())
      throw Error(fmt::format("{} is not a list of {} numbers", what, count));
    values.push_back(v.is_null() ? std::numeric_limits<double>::quiet_NaN()
                                 : v.get<double>());
  }
  return values;
}

class MetadataReader {
public:
  MetadataReader(const SafetensorsFile &file) : file(file) {}

  const std::string &text(const std::string &key) const {
    auto it = file.metadata().find(key);
    if (it == file.metadata().end())
      throw Error(fmt::format("{}: not a training checkpoint (no '{}' in "
                              "__metadata__)",
                              file.path(), key));
    return it->second;
  }

  Json json(const std::string &key) const {
    try {
      return Json::parse(text(key));
    } catch (const nlohmann::json::exception &) {
      throw Error(fmt::format("{}: __metadata__ '{}' is not valid JSON",
                              file.path(), key));
    }
  }

  int64_t count(const std::string &key) const {
    Json j = json(key);
    if (!j.is_number_unsigned())
      throw Error(fmt::format("{}: __metadata__ '{}' is {}, not a "
                              "non-negative integer",
                              file.path(), key, text(key)));
    return j.get<int64_t>();
  }

private:
  const SafetensorsFile &file;
};

} // namespace

void saveCheckpoint(const std::string &path, const mtc_model &model,
                    const TrainBuffers &buffers, const RunProgress &progress,
                    const CheckpointSettings &settings) {
  std::vector<NamedTensor> tensors;
  for (int i = 0; i < buffers.numTensors(); ++i)
    tensors.push_back({buffers.info(i).name,
                       {DType::F32, paramShape(buffers.info(i)),
                        buffers.current(i)}});
  Json history = Json::array();
  for (const EpochRecord &record : progress.history)
    history.push_back(
        {{"train", numbers(record.train)}, {"val", numbers(record.val)}});
  std::map<std::string, std::string> metadata = {
      {"model", model.name},
      {"fingerprint", model.fingerprint},
      {"step", std::to_string(progress.step)},
      {"epoch", std::to_string(progress.epoch)},
      {"batch", std::to_string(progress.batch)},
      {"seed", std::to_string(progress.seed)},
      {"optimizer", settings.optimizer},
      {"balance", settings.balance},
      {"hyperparameters", settings.hyperparameters.dump()},
      {"history", history.dump()},
      {"epoch_loss_sums", numbers(progress.lossSums).dump()},
      {"epoch_labelled", numbers(progress.labelled).dump()},
  };
  writeSafetensors(path, tensors, metadata);
}

RunProgress loadCheckpoint(const std::string &path, const mtc_model &model,
                           TrainBuffers &buffers,
                           CheckpointSettings &settings) {
  SafetensorsFile file = SafetensorsFile::read(path);
  MetadataReader meta(file);
  auto fingerprint = file.metadata().find("fingerprint");
  if (fingerprint == file.metadata().end())
    throw Error(fmt::format("{}: not a checkpoint of this model (no "
                            "fingerprint in __metadata__)",
                            path));
  if (fingerprint->second != model.fingerprint) {
    auto name = file.metadata().find("model");
    throw Error(fmt::format(
        "{}: checkpoint of model '{}' (fingerprint {}), but this is model "
        "'{}' (fingerprint {}); start a new run without --resume",
        path, name == file.metadata().end() ? "?" : name->second,
        fingerprint->second, model.name, model.fingerprint));
  }

  RunProgress progress;
  progress.step = meta.count("step");
  progress.epoch = meta.count("epoch");
  progress.batch = meta.count("batch");
  Json seed = meta.json("seed");
  if (!seed.is_number_unsigned())
    throw Error(fmt::format("{}: __metadata__ 'seed' is not an unsigned "
                            "integer",
                            path));
  progress.seed = seed.get<uint64_t>();
  settings.optimizer = meta.text("optimizer");
  settings.balance = meta.text("balance");
  settings.hyperparameters = meta.json("hyperparameters");
  size_t tasks = model.num_tasks;
  std::string where = fmt::format("{}: __metadata__", path);
  progress.lossSums = numbersFrom(meta.json("epoch_loss_sums"), tasks,
                                  where + " 'epoch_loss_sums'");
  progress.labelled = numbersFrom(meta.json("epoch_labelled"), tasks,
                                  where + " 'epoch_labelled'");
  Json history = meta.json("history");
  if (!history.is_array())
    throw Error(fmt::format("{} 'history' is not a list", where));
  for (const Json &record : history) {
    if (!record.is_object() || !record.contains("train") ||
        !record.contains("val"))
      throw Error(fmt::format("{} 'history' holds a record without train "
                              "and val",
                              where));
    EpochRecord r;
    r.train = numbersFrom(record["train"], tasks, where + " 'history'");
    size_t valCount = record["val"].is_array() ? record["val"].size() : 0;
    r.val = numbersFrom(record["val"], valCount == 0 ? 0 : tasks,
                        where + " 'history'");
    progress.history.push_back(std::move(r));
  }
  if (int64_t(progress.history.size()) != progress.epoch)
    throw Error(fmt::format("{} 'history' holds {} epochs, but 'epoch' is {}",
                            where, progress.history.size(), progress.epoch));

  for (int i = 0; i < buffers.numTensors(); ++i)
    readParameter(file, buffers.info(i), buffers.current(i));
  return progress;
}

} // namespace mtc
