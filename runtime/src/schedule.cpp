//===- schedule.cpp - Learning-rate schedules -----------------------------===//

#include "mtc/schedule.h"
#include "mtc/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace mtc {

ScheduleKind parseScheduleKind(const std::string &name) {
  if (name == "constant")
    return ScheduleKind::Constant;
  if (name == "cosine")
    return ScheduleKind::Cosine;
  if (name == "linear")
    return ScheduleKind::Linear;
  throw Error(fmt::format("unknown schedule '{}' (expected constant, cosine "
                          "or linear)",
                          name));
}

const char *scheduleName(ScheduleKind kind) {
  switch (kind) {
  case ScheduleKind::Constant:
    return "constant";
  case ScheduleKind::Cosine:
    return "cosine";
  case ScheduleKind::Linear:
    return "linear";
  }
  return "unknown";
}

double LrSchedule::lrAt(int64_t step) const {
  if (step <= warmupSteps)
    return baseLr * double(step) / double(warmupSteps);
  int64_t decaySteps = totalSteps - warmupSteps;
  if (kind == ScheduleKind::Constant || decaySteps <= 0)
    return baseLr;
  double p = std::clamp(double(step - 1 - warmupSteps) / double(decaySteps),
                        0.0, 1.0);
  const double pi = 3.141592653589793;
  if (kind == ScheduleKind::Cosine)
    return baseLr * 0.5 * (1 + std::cos(pi * p));
  return baseLr * (1 - p);
}

} // namespace mtc
