//===- KernelCodegenSettingsTest.cpp - the code generation mtc asks for ---===//
//
// Kernels are compiled with Halide's disable_llvm_loop_opt and LLVM's
// -disable-lsr on CPU targets (Codegen/KernelCodegenSettings.h); CUDA
// targets are left alone.

#include "Codegen/KernelCodegenSettings.h"

#include "llvm/Support/CommandLine.h"

#include <gtest/gtest.h>

namespace {

TEST(KernelCodegenSettings, CpuTargetsSkipLLVMsLoopPassesAndLSR) {
  Halide::Target target =
      mt::kernelCodegenTarget(Halide::Target("x86-64-linux-avx2-fma"));
  EXPECT_TRUE(target.has_feature(Halide::Target::DisableLLVMLoopOpt));
  EXPECT_TRUE(target.has_feature(Halide::Target::AVX2));
  llvm::StringMap<llvm::cl::Option *> &options =
      llvm::cl::getRegisteredOptions();
  ASSERT_EQ(options.count("disable-lsr"), 1u)
      << "LLVM no longer has -disable-lsr: the setting would be lost";
  EXPECT_EQ(options["disable-lsr"]->getNumOccurrences(), 1);
  // Asking again sets nothing twice (LLVM rejects a second occurrence).
  mt::kernelCodegenTarget(Halide::Target("x86-64-linux-avx2-fma"));
  EXPECT_EQ(options["disable-lsr"]->getNumOccurrences(), 1);
}

TEST(KernelCodegenSettings, CudaTargetsAreLeftAsHalideMakesThem) {
  Halide::Target cuda("x86-64-linux-cuda-cuda_capability_80");
  EXPECT_EQ(mt::kernelCodegenTarget(cuda), cuda);
}

} // namespace
