//===- trainer.cpp - The training loop ------------------------------------===//

#include "mtc/trainer.h"
#include "mtc/aligned_buffer.h"
#include "mtc/balance.h"
#include "mtc/batches.h"
#include "mtc/checkpoint.h"
#include "mtc/cpu_features.h"
#include "mtc/data_parallel.h"
#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/eval.h"
#include "mtc/initial_weights.h"
#include "mtc/kernel_error.h"
#include "mtc/model.h"
#include "mtc/plot.h"
#include "mtc/progress.h"
#include "mtc/schedule.h"
#include "mtc/thread_pool.h"
#include "mtc/train_log.h"
#include "mtc/train_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <sys/stat.h>

namespace mtc {

namespace {

bool fileExists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The first non-finite loss of a step, as the message that stops the run;
// a task without labelled examples in the batch has no loss to check.
std::optional<std::string> nonFiniteLoss(const mtc_model &model,
                                         const std::vector<float> &losses,
                                         const std::vector<double> &labelled) {
  for (int t = 0; t < model.num_tasks; ++t)
    if (labelled[t] > 0 && !std::isfinite(losses[1 + t]))
      return fmt::format("task '{}' has loss {}", model.tasks[t].name,
                         losses[1 + t]);
  if (!std::isfinite(losses[0]))
    return fmt::format("the total loss is {}", losses[0]);
  return std::nullopt;
}

std::string formatLosses(const mtc_model &model,
                         const std::vector<double> &values) {
  std::vector<std::string> parts;
  for (int t = 0; t < model.num_tasks; ++t)
    parts.push_back(fmt::format("{} {:.4f}", model.tasks[t].name, values[t]));
  return fmt::format("{}", fmt::join(parts, ", "));
}

} // namespace

void train(const mtc_model &model, const TrainOptions &o) {
  checkModelTables(model);
  const mtc_training &training = trainingOf(model);
  checkCpuFeatures(model);
  installKernelErrorHandler(model);
  installThreadPool(model);
  // Under mpirun, this process is one rank of the run: it trains on its
  // rows of every global batch; rank 0 alone writes the checkpoints, the
  // log, the plot and the progress, and evaluates --val.
  DataParallel &group = DataParallel::get();
  DataParallel::Hook hook(group, training);
  bool root = group.isRoot();

  o.optimizer.check();
  mtc_train_step_fn trainStep = selectTrainStep(training, o.optimizer);
  std::string balance = effectiveBalance(training, o.balance);
  checkSurgery(training, o.surgery);
  Hyperparameters hyper(model, o.optimizer);
  LrSchedule schedule;
  schedule.kind = parseScheduleKind(o.schedule);
  schedule.baseLr = o.optimizer.lr;
  schedule.warmupSteps = o.warmupSteps;
  if (o.epochs < 1 || o.batchSize < 1 || o.every < 0 || o.maxSteps < 0 ||
      o.warmupSteps < 0)
    throw Error("--epochs and --batch-size must be positive, --every, "
                "--max-steps and --warmup-steps not negative");

  TrainBuffers buffers(model);
  RunProgress progress;
  CheckpointSettings settings{o.optimizer.name, balance, {}};
  int64_t savedStep = -1; // the step of the last checkpoint on disk
  if (o.resume && !o.init.empty())
    throw Error("--init and --resume: a resumed run continues its "
                "checkpoint's weights; start a new run to take --init's");
  if (o.initPartial && o.init.empty())
    throw Error("--init-partial needs --init FILE");
  if (o.resume) {
    if (!fileExists(o.checkpoint))
      throw Error(fmt::format("--resume: checkpoint '{}' does not exist",
                              o.checkpoint));
    CheckpointSettings saved;
    progress = loadCheckpoint(o.checkpoint, model, buffers, saved);
    if (saved.optimizer != o.optimizer.name)
      throw Error(fmt::format("{}: the run used optimizer {}, not {}; its "
                              "state means something else to {}",
                              o.checkpoint, saved.optimizer, o.optimizer.name,
                              o.optimizer.name));
    savedStep = progress.step;
  } else {
    buffers.initialise(o.seed);
    if (!o.init.empty()) {
      std::string summary =
          loadInitialWeights(o.init, model, buffers, o.initPartial).summary();
      if (root)
        fmt::print(stderr, "{}\n", summary);
    }
    progress.seed = o.seed;
    progress.lossSums.assign(model.num_tasks, 0);
    progress.labelled.assign(model.num_tasks, 0);
  }

  Dataset data = Dataset::load(o.data, model, Dataset::Labels::Require);
  int64_t n = data.numExamples();
  if (n == 0)
    throw Error(fmt::format("{}: no examples to train on", o.data));
  std::unique_ptr<Dataset> val;
  if (!o.val.empty() && root)
    val = std::make_unique<Dataset>(
        Dataset::load(o.val, model, Dataset::Labels::Require));

  // The largest shard a rank runs (at least one row: a rank whose share
  // of a batch is empty runs one row and contributes zeros).
  int64_t maxBatch = std::max<int64_t>(
      1,
      shardOf(std::min(o.batchSize, n), group.size() - 1, group.size()).count);
  int64_t stepsPerEpoch = (n + o.batchSize - 1) / o.batchSize;
  schedule.totalSteps = o.epochs * stepsPerEpoch;
  if (progress.batch > stepsPerEpoch ||
      progress.step != progress.epoch * stepsPerEpoch + progress.batch)
    throw Error(fmt::format("{}: the checkpoint is at step {} (epoch {}, "
                            "batch {}), which {} examples in batches of {} "
                            "cannot reach; resume with the run's --data and "
                            "--batch-size",
                            o.checkpoint, progress.step, progress.epoch + 1,
                            progress.batch, n, o.batchSize));
  int64_t lastStep = schedule.totalSteps;
  if (o.maxSteps > 0)
    lastStep = std::min(lastStep, o.maxSteps);

  AlignedBuffer arena(training.train_arena_static_bytes +
                      maxBatch * training.train_arena_bytes_per_example);
  BatchGather batch(model, maxBatch);
  std::unique_ptr<Evaluator> evaluator;
  if (val)
    evaluator = std::make_unique<Evaluator>(model, o.batchSize);
  std::unique_ptr<TrainLog> log;
  if (!o.log.empty() && root)
    log = std::make_unique<TrainLog>(o.log, model, o.resume);
  std::vector<float> losses(1 + model.num_tasks);
  {
    nlohmann::ordered_json record = o.optimizer.toJson();
    record["schedule"] = scheduleName(schedule.kind);
    record["warmup_steps"] = schedule.warmupSteps;
    record["total_steps"] = schedule.totalSteps;
    record["batch_size"] = o.batchSize;
    settings.hyperparameters = std::move(record);
  }
  auto save = [&] {
    if (root)
      saveCheckpoint(o.checkpoint, model, buffers, progress, settings);
    savedStep = progress.step;
  };

  ProgressLine line(model, o.epochs, stepsPerEpoch, progress.step, lastStep);
  auto epochStart = std::chrono::steady_clock::now();
  while (progress.epoch < o.epochs && progress.step < lastStep) {
    std::vector<int64_t> order = shuffleOrder(progress.seed, progress.epoch, n);
    std::vector<double> staticWeights;
    for (int j = 0; j < model.num_tasks; ++j)
      staticWeights.push_back(model.tasks[j].weight);
    std::vector<double> weights =
        taskWeights(balance, staticWeights, progress.trainMeans());
    double lr = 0;
    while (progress.batch < stepsPerEpoch && progress.step < lastStep) {
      int64_t first = progress.batch * o.batchSize;
      int64_t count = std::min(o.batchSize, n - first);
      Shard shard = shardOf(count, group.rank(), group.size());
      group.setContributesNothing(shard.count == 0);
      int64_t rows = std::max<int64_t>(shard.count, 1);
      batch.gather(data, order.data() + first + shard.first, rows);
      int64_t step = progress.step + 1;
      lr = schedule.lrAt(step);
      hyper.set(step, lr, weights);
      clearKernelError();
      checkKernelResult(trainStep(
          arena.data(), rows, batch.inputs(), batch.labels(),
          buffers.currentArgument(), buffers.updatedArgument(), hyper.data(),
          stepSeed(progress.seed, step), shard.first, losses.data()));
      std::vector<double> labelled =
          batch.labelledCounts(data, order.data() + first, count);
      if (std::optional<std::string> bad =
              nonFiniteLoss(model, losses, labelled)) {
        line.clear();
        throw Error(
            savedStep >= 0
                ? fmt::format("step {}: {}; training stopped, the last good "
                              "checkpoint {} (step {}) is kept",
                              step, *bad, o.checkpoint, savedStep)
                : fmt::format("step {}: {}; training stopped before any "
                              "checkpoint was written",
                              step, *bad));
      }
      buffers.swap();
      progress.step = step;
      ++progress.batch;
      for (int t = 0; t < model.num_tasks; ++t)
        if (labelled[t] > 0) {
          progress.lossSums[t] += double(losses[1 + t]) * labelled[t];
          progress.labelled[t] += labelled[t];
        }
      if (log)
        log->step(progress.epoch, step, lr, losses.data(), labelled);
      if (root)
        line.update(progress.epoch, step, count, progress.runningMeans());
      if (o.every > 0 && step % o.every == 0 && progress.batch < stepsPerEpoch)
        save();
    }
    if (progress.batch < stepsPerEpoch)
      break; // --max-steps stopped the run inside the epoch

    EpochRecord record{progress.runningMeans(), {}};
    std::vector<TaskMetrics> metrics;
    if (evaluator) {
      metrics = evaluator->run(*val, buffers.currentArgument());
      for (const TaskMetrics &m : metrics)
        record.val.push_back(m.loss);
    }
    progress.history.push_back(record);
    ++progress.epoch;
    progress.batch = 0;
    progress.lossSums.assign(model.num_tasks, 0);
    progress.labelled.assign(model.num_tasks, 0);
    save();
    if (log)
      log->epoch(progress.epoch - 1, progress.step, lr, record.train, weights,
                 evaluator ? &metrics : nullptr);
    if (!o.plot.empty() && root)
      writeLossPlot(o.plot, model, progress.history);

    auto now = std::chrono::steady_clock::now();
    line.clear();
    if (root) {
      fmt::print("epoch {}/{} (step {}, {:.1f} s): train {}{}\n",
                 progress.epoch, o.epochs, progress.step,
                 std::chrono::duration<double>(now - epochStart).count(),
                 formatLosses(model, record.train),
                 evaluator ? "; val " + formatMetrics(model, metrics) : "");
      std::fflush(stdout);
    }
    epochStart = now;
  }
  line.clear();
  if (savedStep != progress.step)
    save();
}

} // namespace mtc
