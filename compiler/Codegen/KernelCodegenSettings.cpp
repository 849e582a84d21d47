//===- KernelCodegenSettings.cpp - how LLVM builds the kernels ------------===//

#include "Codegen/KernelCodegenSettings.h"

#include "llvm/Support/CommandLine.h"

#include <mutex>

namespace mt {
namespace {

/// Turns on LLVM's `-disable-lsr`, unless the command line gave it a value.
void disableLoopStrengthReduction() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::StringMap<llvm::cl::Option *> &options =
        llvm::cl::getRegisteredOptions();
    auto it = options.find("disable-lsr");
    if (it != options.end() && it->second->getNumOccurrences() == 0)
      it->second->addOccurrence(0, "disable-lsr", "true");
  });
}

} // namespace

Halide::Target kernelCodegenTarget(Halide::Target target) {
  if (target.has_feature(Halide::Target::CUDA))
    return target;
  disableLoopStrengthReduction();
  return target.with_feature(Halide::Target::DisableLLVMLoopOpt);
}

Halide::Target kernelJitTarget() {
  return kernelCodegenTarget(Halide::get_jit_target_from_environment());
}

} // namespace mt
