//===- KernelCodegenSettings.h - how LLVM builds the kernels ----*- C++ -*-===//
//
// What mtc changes in Halide's and LLVM's code generation of its CPU
// kernels, in one place, so that mtc, the kernel benchmarks and the kernel
// tests all compile the same machine code:
//  - Halide's `disable_llvm_loop_opt` feature: LLVM neither unrolls nor
//    vectorizes loops itself. The schedules already vectorize and unroll
//    what pays; LLVM's loop passes re-examined every loop of every kernel.
//  - LLVM's `-disable-lsr`: no loop strength reduction in the back end.
//    It was the costliest single code generation pass (1.8 s of 23 s on
//    the small config's kernels), and the kernels' hot loops address
//    through few base pointers that need none.
// Measured (2 vCPUs of an AMD EPYC Zen 4, mtc with training steps, best of
// 3 interleaved compiles against the build before): small config 12.7 ->
// 10.6 s, examples/digits.mlir 11.6 -> 8.9 s, seed-size 15.5 -> 11.9 s,
// the token model 8.8 -> 6.3 s. Interleaved A/B runs of the seed-size and
// small train steps and predictions moved by no more than their run-to-run
// noise (about 5%); the seed FFN's inner loop keeps its 24 FMAs and 11
// loads, and computes a few more addresses with integer adds.
// LSR off leaves every result bit-identical; without LLVM's loop passes a
// few kernels contract other multiply-adds into FMAs, so results move in
// the last bits (seed-size predictions by at most 8e-7).
//
// CUDA targets are left as Halide makes them: nothing there is measured.
//
//===----------------------------------------------------------------------===//

#ifndef MT_CODEGEN_KERNELCODEGENSETTINGS_H
#define MT_CODEGEN_KERNELCODEGENSETTINGS_H

#include <Halide.h>

namespace mt {

/// `target` as kernels are compiled for it. For a CPU target this also sets
/// LLVM's process-wide `-disable-lsr` (once, unless the command line set
/// it), which Halide's code generation sees because both use the one shared
/// libLLVM.
Halide::Target kernelCodegenTarget(Halide::Target target);

/// This machine's JIT target (HL_JIT_TARGET if set) as kernels are compiled
/// for it: what the kernel benches and tests JIT-compile.
Halide::Target kernelJitTarget();

} // namespace mt

#endif // MT_CODEGEN_KERNELCODEGENSETTINGS_H
