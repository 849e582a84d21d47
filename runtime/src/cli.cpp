//===- cli.cpp - The command line of a compiled model ---------------------===//

#include "mtc/cli.h"
#include "mtc/cpu_features.h"
#include "mtc/data_parallel.h"
#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/eval.h"
#include "mtc/init.h"
#include "mtc/kernel_error.h"
#include "mtc/model.h"
#include "mtc/parameters.h"
#include "mtc/predict.h"
#include "mtc/session.h"
#include "mtc/text_file.h"
#include "mtc/thread_pool.h"
#include "mtc/trainer.h"

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
  return totalElements(m.params, m.num_params);
}

int64_t defaultArenaBytes(const mtc_model &m) {
  return m.arena_static_bytes + defaultBatchSize * m.arena_bytes_per_example;
}

std::vector<std::string> optimizers(const mtc_training &t) {
  std::vector<std::string> names;
  if (t.train_step_adam) {
    names.push_back("adam");
    names.push_back("adamw");
  }
  if (t.train_step_sgd)
    names.push_back("sgd");
  return names;
}

int64_t totalState(const mtc_training &t) {
  return totalElements(t.state, t.num_state);
}

// null for a model compiled for inference only.
Json trainingJson(const mtc_model &m) {
  if (!m.training)
    return nullptr;
  const mtc_training &t = *m.training;
  Json j;
  j["optimizers"] = optimizers(t);
  j["balance"] = t.balance;
  j["surgery"] = t.surgery;
  j["labels"] = Json::array();
  for (int i = 0; i < t.num_labels; ++i)
    j["labels"].push_back(tensorJson(t.labels[i]));
  j["state"] = Json::array();
  for (int i = 0; i < t.num_state; ++i)
    j["state"].push_back({{"name", t.state[i].name},
                          {"shape", paramShape(t.state[i])},
                          {"init", t.state[i].init}});
  j["state_count"] = totalState(t);
  j["state_bytes"] = totalState(t) * 4;
  j["hyperparameters"] =
      std::vector<std::string>(t.hyper_names, t.hyper_names + t.num_hyper);
  j["train_arena_static_bytes"] = t.train_arena_static_bytes;
  j["train_arena_bytes_per_example"] = t.train_arena_bytes_per_example;
  j["all_reduce_floats_per_step"] = t.all_reduce_floats;
  j["eval_arena_static_bytes"] = t.eval_arena_static_bytes;
  j["eval_arena_bytes_per_example"] = t.eval_arena_bytes_per_example;
  return j;
}

} // namespace

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
                          {"weight", m.tasks[i].weight},
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
  j["training"] = trainingJson(m);
  return j;
}

namespace {

void printTensorTable(const char *title, int count,
                      const mtc_tensor_info *table,
                      const char *indent = "") {
  fmt::print("{}{}:\n", indent, title);
  for (int i = 0; i < count; ++i) {
    const mtc_tensor_info &t = table[i];
    std::string bound =
        t.id_bound > 0 ? fmt::format("  ids in [0, {})", t.id_bound) : "";
    fmt::print("{}  {:<16} {:<4} {}{}\n", indent, t.name,
               modelDTypeName(t.dtype),
               formatModelShape(t), bound);
  }
}

/// The tail of --help: what this model's datasets hold.
std::string helpFooter(const mtc_model &m) {
  std::string text = "\nTasks:";
  for (int i = 0; i < m.num_tasks; ++i)
    text +=
        fmt::format("\n  {:<16} {}, {} classes, label 'y.{}'", m.tasks[i].name,
                    m.tasks[i].kind, m.tasks[i].classes, m.tasks[i].name);
  text += "\nInputs (a dataset's tensors; N: the examples):";
  for (int i = 0; i < m.num_inputs; ++i)
    text += fmt::format("\n  {:<16} {} {}", m.inputs[i].name,
                        modelDTypeName(m.inputs[i].dtype),
                        formatModelShape(m.inputs[i]));
  return text + "\n`info` shows the rest: outputs, parameters, arena.";
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
  if (!m.training) {
    fmt::print("training: no (compiled for inference only)\n");
    return;
  }
  const mtc_training &t = *m.training;
  fmt::print("training: yes\n  optimizers: {}\n  balance: {}, surgery: {}\n",
             fmt::join(optimizers(t), ", "), t.balance, t.surgery);
  printTensorTable("labels", t.num_labels, t.labels, "  ");
  fmt::print("  state: {} tensors, {} floats ({} bytes)\n", t.num_state,
             totalState(t), totalState(t) * 4);
  fmt::print("  hyperparameters: {}\n",
             fmt::join(t.hyper_names, t.hyper_names + t.num_hyper, ", "));
  fmt::print("  train arena: {} bytes static + {} bytes per example\n",
             t.train_arena_static_bytes, t.train_arena_bytes_per_example);
  fmt::print("  data parallel (mpirun): {} bytes summed over the ranks per "
             "step\n",
             4 * t.all_reduce_floats);
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

void runEval(const mtc_model &m, const std::string &data,
             const std::string &weights, bool json, const std::string &out,
             int64_t batchSize) {
  checkModelTables(m);
  trainingOf(m);
  checkCpuFeatures(m);
  installKernelErrorHandler(m);
  installThreadPool(m);
  ParameterStore params(m);
  loadWeights(weights, params);
  Dataset dataset = Dataset::load(data, m, Dataset::Labels::Require);
  Evaluator evaluator(m, std::min(batchSize, dataset.numExamples()));
  std::vector<TaskMetrics> metrics =
      evaluator.run(dataset, params.forwardArgument());
  std::string metricsText = Json{{"tasks", metricsJson(m, metrics)}}.dump(2);
  if (!out.empty()) {
    writeTextFile(out, metricsText + "\n", "the metrics");
    return;
  }
  if (json) {
    fmt::print("{}\n", metricsText);
    return;
  }
  for (int t = 0; t < m.num_tasks; ++t) {
    const TaskMetrics &r = metrics[t];
    if (r.classification)
      fmt::print("{:<16} loss {:.6f}  accuracy {:.6f}  ({} examples)\n",
                 m.tasks[t].name, r.loss, r.accuracy, r.count);
    else
      fmt::print("{:<16} loss {:.6f}  mse {:.6f}  mae {:.6f}  ({} examples)\n",
                 m.tasks[t].name, r.loss, r.mse, r.mae, r.count);
  }
}

} // namespace

} // namespace mtc

int mtc_main(int argc, char **argv) {
  return mtc::runCommandLine(*mtc_model_get(), argc, argv, nullptr);
}

int mtc::runCommandLine(const mtc_model &model, int argc, char **argv,
                        std::string *error) {
  std::string program = "model";
  if (argc > 0 && argv[0]) {
    program = argv[0];
    program = program.substr(program.rfind('/') + 1);
  }
  // A failure's message: printed after the program's name, or handed to
  // the caller (the C API's mtc_command).
  CLI::App *trainCmd = nullptr;
  // A failed rank of a data-parallel run names itself, then ends the whole
  // job: the other ranks would wait for it in their next reduction.
  auto distributedTrain = [&] {
    return trainCmd && trainCmd->parsed() && DataParallel::get().distributed();
  };
  auto report = [&](const std::string &message) {
    if (error)
      *error = message;
    else if (distributedTrain())
      fmt::print(stderr, "{} (rank {} of {}): {}\n", program,
                 DataParallel::get().rank(), DataParallel::get().size(),
                 message);
    else
      fmt::print(stderr, "{}: {}\n", program, message);
  };

  CLI::App app(fmt::format("{}: a model compiled by mtc for {}", model.name,
                           model.target),
               program);
  app.require_subcommand(1);
  app.footer(helpFooter(model));

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

  TrainOptions train;
  trainCmd = app.add_subcommand(
      "train", "train the model (checkpoints, log and plot as asked)");
  trainCmd->add_option("--data", train.data, "training set (safetensors)")
      ->required();
  trainCmd->add_option("--val", train.val,
                       "validation set, evaluated after each epoch");
  trainCmd->add_option("--epochs", train.epochs, "passes over the data")
      ->required()
      ->check(CLI::PositiveNumber);
  trainCmd->add_option("--batch-size", train.batchSize, "examples per step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  trainCmd->add_option("--lr", train.optimizer.lr, "base learning rate")
      ->capture_default_str();
  trainCmd->add_option("--optimizer", train.optimizer.name,
                       "adam, adamw or sgd")
      ->capture_default_str();
  trainCmd->add_option("--momentum", train.optimizer.momentum, "sgd momentum")
      ->capture_default_str();
  trainCmd->add_flag("--nesterov", train.optimizer.nesterov,
                     "sgd Nesterov momentum");
  trainCmd->add_option("--weight-decay", train.optimizer.weightDecay,
                       "L2 (adam, sgd) or decoupled (adamw) weight decay")
      ->capture_default_str();
  trainCmd->add_option("--beta1", train.optimizer.beta1, "Adam beta1")
      ->capture_default_str();
  trainCmd->add_option("--beta2", train.optimizer.beta2, "Adam beta2")
      ->capture_default_str();
  trainCmd->add_option("--eps", train.optimizer.eps, "Adam epsilon")
      ->capture_default_str();
  trainCmd->add_option("--clip-norm", train.optimizer.clipNorm,
                       "clip gradients to this global norm; 0: off")
      ->capture_default_str();
  trainCmd->add_option("--schedule", train.schedule,
                       "learning rate after warm-up: constant, cosine or "
                       "linear (decaying to 0 over the run)")
      ->capture_default_str();
  trainCmd->add_option("--warmup-steps", train.warmupSteps,
                       "linear warm-up from 0 over this many steps")
      ->capture_default_str();
  trainCmd->add_option("--seed", train.seed,
                       "initial weights, shuffles and dropout (a resumed run "
                       "continues the checkpoint's)")
      ->capture_default_str();
  trainCmd
      ->add_option("--checkpoint", train.checkpoint,
                   "checkpoint file (safetensors), written at each epoch "
                   "end; with --resume, the run to continue")
      ->required();
  trainCmd->add_option("--every", train.every,
                       "also checkpoint every this many steps; 0: off")
      ->capture_default_str();
  trainCmd->add_option("--max-steps", train.maxSteps,
                       "stop after this global step; 0: run every epoch")
      ->capture_default_str();
  trainCmd->add_flag("--resume", train.resume,
                     "continue the run saved in --checkpoint");
  trainCmd->add_option("--init", train.init,
                       "start from these weights (a weights file or a "
                       "checkpoint's parameters) with a fresh optimizer "
                       "state: fine-tuning");
  trainCmd->add_flag("--init-partial", train.initPartial,
                     "with --init: load the parameters the file has, keep "
                     "the others' seeded initial values, ignore its other "
                     "tensors (each reported)");
  trainCmd->add_option("--balance", train.balance,
                       "loss balancing (default: the model's)");
  trainCmd->add_option("--surgery", train.surgery,
                       "gradient surgery (default: the model's)");
  trainCmd->add_option("--log", train.log, "JSON-lines log");
  trainCmd->add_option("--plot", train.plot, "SVG of the loss curves");

  CLI::App *evalCmd =
      app.add_subcommand("eval", "per-task metrics on a labelled dataset");
  evalCmd->add_option("--data", data, "dataset (safetensors)")->required();
  evalCmd->add_option("--weights", weights, "weights or checkpoint")
      ->required();
  evalCmd->add_flag("--json", json, "machine-readable output");
  std::string metricsOut;
  evalCmd->add_option(
      "--out", metricsOut,
      "write the metrics as JSON to this file instead of printing them");
  evalCmd->add_option("--batch-size", batchSize, "examples per step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0)
      return app.exit(e); // --help
    if (error)
      *error = e.what();
    else
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
    } else if (trainCmd->parsed()) {
      mtc::train(model, train);
    } else if (evalCmd->parsed()) {
      runEval(model, data, weights, json, metricsOut, batchSize);
    } else {
      runPredict(model, data, weights, seed, out, batchSize);
    }
    return 0;
  } catch (const Error &e) {
    report(e.what());
  } catch (const std::bad_alloc &) {
    report("out of memory");
  } catch (const std::exception &e) {
    report(fmt::format("internal error: {}", e.what()));
  }
  if (distributedTrain()) {
    std::fflush(stderr);
    DataParallel::get().abortAll(1);
  }
  return 1;
}
