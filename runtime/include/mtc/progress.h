//===- progress.h - The training progress line ------------------*- C++ -*-===//
//
// On a terminal, one line redrawn in place (\r) at most ten times a second;
// otherwise (a pipe, a CI log) plain lines, about ten per epoch. Each says
// the epoch and step, examples per second, the time left and each task's
// running epoch-mean loss. Written to stderr; the epoch summaries go to
// stdout.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_PROGRESS_H
#define MTC_PROGRESS_H

#include "mtc/model_abi.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace mtc {

class ProgressLine {
public:
  /// The run goes from step `firstStep` (done) to `lastStep`.
  ProgressLine(const mtc_model &model, int64_t epochs, int64_t stepsPerEpoch,
               int64_t firstStep, int64_t lastStep);

  /// After step `step` of epoch `epoch` (0-based) on `examples` examples.
  void update(int64_t epoch, int64_t step, int64_t examples,
              const std::vector<double> &runningMeans);
  /// Erases a live line before other output.
  void clear();

private:
  using Clock = std::chrono::steady_clock;
  const mtc_model &model;
  bool terminal;
  int64_t epochs, stepsPerEpoch, firstStep, lastStep;
  int64_t examplesSeen = 0;
  Clock::time_point start, lastDrawn;
  bool drawn = false;
};

} // namespace mtc

#endif // MTC_PROGRESS_H
