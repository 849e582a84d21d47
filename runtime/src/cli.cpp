//===- cli.cpp - The command line of a compiled model ---------------------===//

#include "mtc/cli.h"
#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/init.h"
#include "mtc/model.h"
#include "mtc/parameters.h"
#include "mtc/predict.h"
#include "mtc/session.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace mtc {

namespace {

constexpr int64_t defaultBatchSize = 32;

using Json = nlohmann::ordered_json;

Json tensorJson(const mtc_tensor_info &t) {
  Json shape = Json::array();
  for (int d = 0; d < t.rank; ++d)
    shape.push_back(t.shape[d] < 0 ? Json(nullptr) : Json(t.shape[d]));
  Json j = {{"name", t.name},
            {"dtype", modelDTypeName(t.dtype)},
            {"shape", std::move(shape)}};
  if (t.id_bound > 0)
    j["id_bound"] = t.id_bound;
  return j;
}

int64_t totalParameters(const mtc_model &m) {
  int64_t total = 0;
  for (int i = 0; i < m.num_params; ++i)
    total += paramElements(m.params[i]);
  return total;
}

int64_t defaultArenaBytes(const mtc_model &m) {
  return m.arena_static_bytes + defaultBatchSize * m.arena_bytes_per_example;
}

Json infoJson(const mtc_model &m) {
  Json j;
  j["model"] = m.name;
  j["fingerprint"] = m.fingerprint;
  j["target"] = m.target;
  j["required_cpu_features"] = std::vector<std::string>(
      m.required_cpu_features,
      m.required_cpu_features + m.num_required_cpu_features);
  j["tasks"] = Json::array();
  for (int i = 0; i < m.num_tasks; ++i)
    j["tasks"].push_back({{"name", m.tasks[i].name},
                          {"kind", m.tasks[i].kind},
                          {"classes", m.tasks[i].classes},
                          {"output", m.outputs[m.tasks[i].output].name}});
  j["inputs"] = Json::array();
  for (int i = 0; i < m.num_inputs; ++i)
    j["inputs"].push_back(tensorJson(m.inputs[i]));
  j["outputs"] = Json::array();
  for (int i = 0; i < m.num_outputs; ++i)
    j["outputs"].push_back(tensorJson(m.outputs[i]));
  j["parameters"] = Json::array();
  for (int i = 0; i < m.num_params; ++i) {
    const mtc_param_info &p = m.params[i];
    j["parameters"].push_back({{"name", p.name},
                               {"shape", paramShape(p)},
                               {"count", paramElements(p)},
                               {"bytes", paramElements(p) * 4},
                               {"init", p.init},
                               {"scale", p.scale}});
  }
  j["num_parameters"] = totalParameters(m);
  j["parameter_bytes"] = totalParameters(m) * 4;
  j["arena_static_bytes"] = m.arena_static_bytes;
  j["arena_bytes_per_example"] = m.arena_bytes_per_example;
  // A single figure needs a batch size: predict's default.
  j["arena_batch_size"] = defaultBatchSize;
  j["arena_bytes"] = defaultArenaBytes(m);
  j["kernels"] =
      std::vector<std::string>(m.kernel_names, m.kernel_names + m.num_kernels);
  return j;
}

void printTensorTable(const char *title, int count,
                      const mtc_tensor_info *table) {
  fmt::print("{}:\n", title);
  for (int i = 0; i < count; ++i) {
    const mtc_tensor_info &t = table[i];
    std::string bound =
        t.id_bound > 0 ? fmt::format("  ids in [0, {})", t.id_bound) : "";
    fmt::print("  {:<16} {:<4} {}{}\n", t.name, modelDTypeName(t.dtype),
               formatModelShape(t), bound);
  }
}

void printInfoText(const mtc_model &m) {
  fmt::print("model: {} (fingerprint {})\n", m.name, m.fingerprint);
  fmt::print("target: {}\n", m.target);
  fmt::print("tasks:\n");
  for (int i = 0; i < m.num_tasks; ++i)
    fmt::print("  {:<16} {:<22} {} classes, output '{}'\n", m.tasks[i].name,
               m.tasks[i].kind, m.tasks[i].classes,
               m.outputs[m.tasks[i].output].name);
  printTensorTable("inputs", m.num_inputs, m.inputs);
  printTensorTable("outputs", m.num_outputs, m.outputs);

  size_t nameWidth = 5, shapeWidth = 5;
  for (int i = 0; i < m.num_params; ++i) {
    nameWidth = std::max(nameWidth, std::string(m.params[i].name).size());
    shapeWidth =
        std::max(shapeWidth, formatShape(paramShape(m.params[i])).size());
  }
  fmt::print("parameters:\n  {:<{}}  {:<{}}  {:>12}  {:>14}\n", "name",
             nameWidth, "shape", shapeWidth, "count", "bytes");
  for (int i = 0; i < m.num_params; ++i) {
    const mtc_param_info &p = m.params[i];
    fmt::print("  {:<{}}  {:<{}}  {:>12}  {:>14}\n", p.name, nameWidth,
               formatShape(paramShape(p)), shapeWidth, paramElements(p),
               paramElements(p) * 4);
  }
  fmt::print("  {:<{}}  {:<{}}  {:>12}  {:>14}\n", "total", nameWidth, "",
             shapeWidth, totalParameters(m), totalParameters(m) * 4);
  fmt::print("arena: {} bytes static + {} bytes per example ({} bytes at "
             "batch {})\n",
             m.arena_static_bytes, m.arena_bytes_per_example,
             defaultArenaBytes(m), defaultBatchSize);
  fmt::print("kernels ({}):\n", m.num_kernels);
  for (int i = 0; i < m.num_kernels; ++i)
    fmt::print("  {}\n", m.kernel_names[i]);
}

void runInit(const mtc_model &m, const std::string &out, uint64_t seed) {
  ParameterStore store(m);
  initParameters(seed, store);
  saveWeights(out, store,
              {{"fingerprint", m.fingerprint},
               {"model", m.name},
               {"seed", std::to_string(seed)}});
}

void runPredict(const mtc_model &m, const std::string &data,
                const std::string &weights, uint64_t seed,
                const std::string &out, int64_t batchSize) {
  // The session first: a CPU that cannot run the kernels is reported
  // before any file is read.
  Session session(m, 1);
  if (weights.empty())
    session.initWeights(seed);
  else
    session.loadWeights(weights);
  Dataset dataset = Dataset::load(data, m);
  Predictions predictions = predict(session, dataset, batchSize);
  writePredictions(out, session, predictions,
                   {{"fingerprint", m.fingerprint}, {"model", m.name}});
}

} // namespace

} // namespace mtc

int mtc_main(int argc, char **argv) {
  using namespace mtc;
  std::string program = "model";
  if (argc > 0 && argv[0]) {
    program = argv[0];
    program = program.substr(program.rfind('/') + 1);
  }
  const mtc_model &model = *mtc_model_get();

  CLI::App app(fmt::format("{}: a model compiled by mtc for {}", model.name,
                           model.target),
               program);
  app.require_subcommand(1);

  bool json = false;
  CLI::App *info =
      app.add_subcommand("info", "tasks, inputs, outputs, parameters, arena, "
                                 "kernels and target");
  info->add_flag("--json", json, "machine-readable output");

  std::string initOut;
  uint64_t initSeed = 0;
  CLI::App *init = app.add_subcommand("init", "write seeded initial weights");
  init->add_option("--out", initOut, "weights file (safetensors)")->required();
  init->add_option("--seed", initSeed, "random seed")->capture_default_str();

  std::string data, weights, out;
  uint64_t seed = 0;
  int64_t batchSize = defaultBatchSize;
  CLI::App *predictCmd =
      app.add_subcommand("predict", "run the model on a dataset");
  predictCmd->add_option("--data", data, "dataset (safetensors)")->required();
  CLI::Option *weightsOpt =
      predictCmd->add_option("--weights", weights, "weights (safetensors)");
  predictCmd
      ->add_option("--seed", seed,
                   "initialise the weights from this seed (without --weights)")
      ->capture_default_str()
      ->excludes(weightsOpt);
  predictCmd->add_option("--out", out, "outputs file (safetensors)")
      ->required();
  predictCmd->add_option("--batch-size", batchSize, "examples per step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0)
      return app.exit(e); // --help
    fmt::print(stderr, "{}: {}\nRun with --help for more information.\n",
               program, e.what());
    return 2;
  }

  try {
    checkModelTables(model);
    if (info->parsed()) {
      if (json)
        fmt::print("{}\n", infoJson(model).dump(2));
      else
        printInfoText(model);
    } else if (init->parsed()) {
      runInit(model, initOut, initSeed);
    } else {
      runPredict(model, data, weights, seed, out, batchSize);
    }
    return 0;
  } catch (const Error &e) {
    fmt::print(stderr, "{}: {}\n", program, e.what());
  } catch (const std::bad_alloc &) {
    fmt::print(stderr, "{}: out of memory\n", program);
  } catch (const std::exception &e) {
    fmt::print(stderr, "{}: internal error: {}\n", program, e.what());
  }
  return 1;
}
