//===- cpu_features.cpp - Does this CPU run the model's kernels? ----------===//

#include "mtc/cpu_features.h"
#include "mtc/error.h"

#include <fmt/format.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace mtc {

#if defined(__x86_64__) || defined(__i386__)
namespace {

// Clang 14's __builtin_cpu_supports does not know "f16c", so read CPUID.
// F16C instructions are VEX-encoded: they also need the OS to save the AVX
// state, which the "avx" query checks.
bool hasF16C() {
  unsigned eax, ebx, ecx, edx;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) &&
         __builtin_cpu_supports("avx");
}

} // namespace
#endif

std::optional<bool> cpuSupports(std::string_view feature) {
#if defined(__x86_64__) || defined(__i386__)
  // __builtin_cpu_supports only takes string literals, hence the table of
  // calls rather than a table of names.
  struct Entry {
    std::string_view name;
    bool (*query)();
  };
  static const Entry table[] = {
      {"sse2", [] { return bool(__builtin_cpu_supports("sse2")); }},
      {"sse3", [] { return bool(__builtin_cpu_supports("sse3")); }},
      {"ssse3", [] { return bool(__builtin_cpu_supports("ssse3")); }},
      {"sse41", [] { return bool(__builtin_cpu_supports("sse4.1")); }},
      {"sse42", [] { return bool(__builtin_cpu_supports("sse4.2")); }},
      {"popcnt", [] { return bool(__builtin_cpu_supports("popcnt")); }},
      {"avx", [] { return bool(__builtin_cpu_supports("avx")); }},
      {"avx2", [] { return bool(__builtin_cpu_supports("avx2")); }},
      {"fma", [] { return bool(__builtin_cpu_supports("fma")); }},
      {"fma4", [] { return bool(__builtin_cpu_supports("fma4")); }},
      {"f16c", hasF16C},
      {"bmi", [] { return bool(__builtin_cpu_supports("bmi")); }},
      {"bmi2", [] { return bool(__builtin_cpu_supports("bmi2")); }},
      {"avx512f", [] { return bool(__builtin_cpu_supports("avx512f")); }},
      {"avx512bw", [] { return bool(__builtin_cpu_supports("avx512bw")); }},
      {"avx512dq", [] { return bool(__builtin_cpu_supports("avx512dq")); }},
      {"avx512vl", [] { return bool(__builtin_cpu_supports("avx512vl")); }},
      {"avx512cd", [] { return bool(__builtin_cpu_supports("avx512cd")); }},
      {"avx512vnni", [] { return bool(__builtin_cpu_supports("avx512vnni")); }},
      {"avx512bf16", [] { return bool(__builtin_cpu_supports("avx512bf16")); }},
  };
  for (const Entry &e : table)
    if (e.name == feature)
      return e.query();
#endif
  return std::nullopt;
}

std::optional<std::string> firstMissingCpuFeature(
    const mtc_model &model,
    const std::function<std::optional<bool>(std::string_view)> &supports) {
  for (int i = 0; i < model.num_required_cpu_features; ++i) {
    const char *feature = model.required_cpu_features[i];
    if (supports(feature) == std::optional<bool>(false))
      return std::string(feature);
  }
  return std::nullopt;
}

void checkCpuFeatures(const mtc_model &model) {
  if (std::optional<std::string> missing = firstMissingCpuFeature(model))
    throw Error(fmt::format("this binary was built for target {}, but this "
                            "CPU lacks {}",
                            model.target, *missing));
}

} // namespace mtc
