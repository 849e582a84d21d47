//===- schedule.h - Learning-rate schedules ---------------------*- C++ -*-===//
//
// The learning rate of global step t (1-based) of a run of T steps, with a
// warm-up of K steps and base rate lr:
//   t <= K:             lr * t / K                 (linear warm-up from 0)
//   t > K, constant:    lr
//   t > K, cosine:      lr * (1 + cos(pi * p)) / 2,  p = (t - 1 - K) / (T - K)
//   t > K, linear:      lr * (1 - p)
// so the first step after the warm-up runs at lr and the rate would reach 0
// one step after the run's last (no step is wasted at lr = 0). T counts
// the whole run (all epochs), so a resumed run follows the same curve.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_SCHEDULE_H
#define MTC_SCHEDULE_H

#include <cstdint>
#include <string>

namespace mtc {

enum class ScheduleKind { Constant, Cosine, Linear };

/// Throws Error for a name other than constant, cosine or linear.
ScheduleKind parseScheduleKind(const std::string &name);
const char *scheduleName(ScheduleKind kind);

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::Constant;
  double baseLr = 0;
  int64_t warmupSteps = 0;
  int64_t totalSteps = 0;

  /// The rate of 1-based global step `step`.
  double lrAt(int64_t step) const;
};

} // namespace mtc

#endif // MTC_SCHEDULE_H
