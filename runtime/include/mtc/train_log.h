//===- train_log.h - The machine-readable training log ----------*- C++ -*-===//
//
// JSON lines, one object per step and one per finished epoch (epochs
// counted from 1, as the progress line counts them):
//   {"kind": "step", "epoch", "step", "lr", "loss",
//    "losses": {"<task>": mean over the batch's labelled examples}}
//   {"kind": "epoch", "epoch", "step", "lr", "losses": {"<task>": epoch
//    mean}, "task_weights": {...}, "val": {"<task>": metrics} (with --val)}
// A task without labelled examples (or a non-finite value) is null. Each
// line is flushed as written, so a crashed run leaves a readable log; a
// resumed run appends to it.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_TRAIN_LOG_H
#define MTC_TRAIN_LOG_H

#include "mtc/eval.h"
#include "mtc/model_abi.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace mtc {

class TrainLog {
public:
  /// Opens `path` (truncated, or appended to when `append`). Throws Error.
  TrainLog(const std::string &path, const mtc_model &model, bool append);

  /// `losses`: the total then one per task; `labelled`: per task.
  void step(int64_t epoch, int64_t step, double lr, const float *losses,
            const std::vector<double> &labelled);
  void epoch(int64_t epoch, int64_t step, double lr,
             const std::vector<double> &means,
             const std::vector<double> &taskWeights,
             const std::vector<TaskMetrics> *val);

private:
  struct Close {
    void operator()(std::FILE *f) const { std::fclose(f); }
  };
  void writeLine(const std::string &line);

  const mtc_model &model;
  std::string path;
  std::unique_ptr<std::FILE, Close> file;
};

} // namespace mtc

#endif // MTC_TRAIN_LOG_H
