//===- init.cpp - Seeded parameter initialisation -------------------------===//

#include "mtc/init.h"
#include "mtc/error.h"
#include "mtc/model.h"
#include "mtc/parameters.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace mtc {

namespace {

// splitmix64's output function: a bijective 64-bit mixer.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text)
    h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

} // namespace

ParamRng::ParamRng(uint64_t seed, std::string_view name)
    : state(mix64(mix64(seed) ^ fnv1a(name))) {}

uint64_t ParamRng::next() {
  state += 0x9e3779b97f4a7c15ULL;
  return mix64(state);
}

double ParamRng::uniform01() { return (next() >> 11) * 0x1.0p-53; }

void initParameter(const mtc_param_info &param, uint64_t seed, float *out) {
  int64_t n = paramElements(param);
  std::string_view init = param.init ? param.init : "";
  if (!(param.scale >= 0))
    throw Error(fmt::format("parameter '{}': init scale {} is negative",
                            param.name, param.scale));
  if (init == "zeros" || init == "ones") {
    std::fill(out, out + n, init == "ones" ? 1.0f : 0.0f);
    return;
  }
  ParamRng rng(seed, param.name);
  if (init == "uniform") {
    // Drawn in double, rounded once; |value| <= scale.
    for (int64_t i = 0; i < n; ++i)
      out[i] = float((2 * rng.uniform01() - 1) * param.scale);
    return;
  }
  if (init == "normal") {
    // Box-Muller, both outputs of each pair used; 1 - u keeps log's argument
    // in (0, 1].
    const double twoPi = 6.283185307179586;
    for (int64_t i = 0; i < n; i += 2) {
      double radius = std::sqrt(-2 * std::log(1 - rng.uniform01()));
      double angle = twoPi * rng.uniform01();
      out[i] = float(param.scale * radius * std::cos(angle));
      if (i + 1 < n)
        out[i + 1] = float(param.scale * radius * std::sin(angle));
    }
    return;
  }
  throw Error(fmt::format("parameter '{}': unknown init '{}' (expected zeros, "
                          "ones, uniform or normal)",
                          param.name, init));
}

void initParameters(uint64_t seed, ParameterStore &store) {
  const mtc_model &model = store.model();
  for (int i = 0; i < model.num_params; ++i)
    initParameter(model.params[i], seed, store.data(i));
}

} // namespace mtc
