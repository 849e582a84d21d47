//===- progress.cpp - The training progress line --------------------------===//

#include "mtc/progress.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace mtc {

namespace {

std::string formatDuration(double seconds) {
  int64_t s = int64_t(std::llround(seconds));
  if (s >= 3600)
    return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

} // namespace

ProgressLine::ProgressLine(const mtc_model &model, int64_t epochs,
                           int64_t stepsPerEpoch, int64_t firstStep,
                           int64_t lastStep)
    : model(model), terminal(::isatty(2) == 1), epochs(epochs),
      stepsPerEpoch(stepsPerEpoch), firstStep(firstStep), lastStep(lastStep),
      start(Clock::now()), lastDrawn(start) {}

void ProgressLine::update(int64_t epoch, int64_t step, int64_t examples,
                          const std::vector<double> &runningMeans) {
  examplesSeen += examples;
  Clock::time_point now = Clock::now();
  int64_t inEpoch = step - epoch * stepsPerEpoch;
  bool due;
  if (terminal)
    due = now - lastDrawn >= std::chrono::milliseconds(100) ||
          step == lastStep;
  else
    due = inEpoch % std::max<int64_t>(stepsPerEpoch / 10, 1) == 0 ||
          inEpoch == stepsPerEpoch;
  if (!due)
    return;
  lastDrawn = now;

  double elapsed = std::chrono::duration<double>(now - start).count();
  double done = double(step - firstStep);
  std::string rate = elapsed > 0
                         ? fmt::format("{:.0f} ex/s", examplesSeen / elapsed)
                         : "- ex/s";
  std::string eta =
      done > 0 ? formatDuration(elapsed / done * double(lastStep - step))
               : "-";
  std::string losses;
  for (int t = 0; t < model.num_tasks; ++t)
    losses += fmt::format(" {} {:.4f}", model.tasks[t].name, runningMeans[t]);
  std::string line =
      fmt::format("epoch {}/{} step {}/{}  {}  ETA {}  loss{}", epoch + 1,
                  epochs, step, lastStep, rate, eta, losses);
  if (terminal) {
    fmt::print(stderr, "\r\033[K{}", line);
    drawn = true;
  } else {
    fmt::print(stderr, "{}\n", line);
  }
  std::fflush(stderr);
}

void ProgressLine::clear() {
  if (!drawn)
    return;
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn = false;
}

} // namespace mtc
