//===- cpu_features.h - Does this CPU run the model's kernels? --*- C++ -*-===//
//
// Kernels are compiled ahead of time for an explicit target; started on a
// CPU without one of its features they would die on an illegal
// instruction. The session checks first and reports the missing feature.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_CPU_FEATURES_H
#define MTC_CPU_FEATURES_H

#include "mtc/model_abi.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mtc {

/// Whether this CPU has `feature` (Halide spellings: "sse41", "avx2",
/// "fma", "f16c", "avx512f", ...); nullopt for a name we cannot query.
std::optional<bool> cpuSupports(std::string_view feature);

/// The first of the model's required features that `supports` says is
/// missing; unknown names are skipped (the kernels were built by a compiler
/// that knows more features than this check does).
std::optional<std::string> firstMissingCpuFeature(
    const mtc_model &model,
    const std::function<std::optional<bool>(std::string_view)> &supports =
        cpuSupports);

/// Throws Error "this binary was built for target T, but this CPU lacks F".
void checkCpuFeatures(const mtc_model &model);

} // namespace mtc

#endif // MTC_CPU_FEATURES_H
