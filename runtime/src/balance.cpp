//===- balance.cpp - Multitask loss balancing on the host -----------------===//

#include "mtc/balance.h"
#include "mtc/error.h"

#include <fmt/format.h>

#include <cmath>

namespace mtc {

namespace {

bool isKnownBalance(const std::string &name) {
  return name == "static" || name == "uncertainty" || name == "dwa" ||
         name == "gradnorm";
}

bool hostWeighted(const std::string &balance) {
  return balance == "static" || balance == "dwa";
}

} // namespace

std::string effectiveBalance(const mtc_training &training,
                             const std::string &requested) {
  std::string compiled = training.balance;
  if (requested.empty() || requested == compiled)
    return compiled;
  if (!isKnownBalance(requested))
    throw Error(fmt::format("unknown balance '{}' (expected static, "
                            "uncertainty, dwa or gradnorm)",
                            requested));
  if (hostWeighted(requested) && hostWeighted(compiled))
    return requested;
  throw Error(fmt::format("--balance {}: the model was compiled with balance "
                          "'{}'; recompile it with '{}' (only static and dwa "
                          "replace each other at train time)",
                          requested, compiled, requested));
}

void checkSurgery(const mtc_training &training, const std::string &requested) {
  std::string compiled = training.surgery;
  if (requested.empty() || requested == compiled)
    return;
  if (requested != "none" && requested != "pcgrad")
    throw Error(fmt::format("unknown surgery '{}' (expected none or pcgrad)",
                            requested));
  throw Error(fmt::format("--surgery {}: the model was compiled with surgery "
                          "'{}'; recompile it with '{}'",
                          requested, compiled, requested));
}

std::vector<double>
taskWeights(const std::string &balance,
            const std::vector<double> &staticWeights,
            const std::vector<std::vector<double>> &epochMeans) {
  if (balance != "dwa")
    return staticWeights;
  int numTasks = static_cast<int>(staticWeights.size());
  std::vector<double> weights(numTasks, 1.0);
  size_t epochs = epochMeans.size();
  if (epochs < 2)
    return weights;
  const std::vector<double> &last = epochMeans[epochs - 1];
  const std::vector<double> &before = epochMeans[epochs - 2];
  double total = 0;
  for (int j = 0; j < numTasks; ++j) {
    double r = last[j] / before[j];
    if (!std::isfinite(r))
      r = 1;
    weights[j] = std::exp(r / dwaTemperature);
    total += weights[j];
  }
  for (double &w : weights)
    w = numTasks * w / total;
  return weights;
}

} // namespace mtc
