//===- CpuSchedule.h - x86-64 CPU schedules of the mt kernels ---*- C++ -*-===//
//
// Schedules only: the stages come from compiler/Conversion/MTToHalide
// (LowerKernel.h), whose layout convention (Halide dimension 0 is the
// innermost tensor dimension) and stage roles these schedules rely on. One
// schedule per kernel class: elementwise/injective, reduction, matmul-like,
// gather/scatter. Reached through mt::scheduleKernel (Schedules/Schedule.h).
//
//===----------------------------------------------------------------------===//

#ifndef MT_SCHEDULES_CPU_CPUSCHEDULE_H
#define MT_SCHEDULES_CPU_CPUSCHEDULE_H

#include "Conversion/MTToHalide/LowerKernel.h"

#include <Halide.h>

namespace mt {
namespace cpu {

/// Schedules every stage of `kernel` for an x86-64 CPU target: vectors of
/// the target's natural f32 width (8 AVX2, 16 AVX-512), parallel outer
/// loops, register-tiled matmuls with their epilogues, estimates on every
/// output dimension.
void scheduleKernel(LoweredKernel &kernel, const Halide::Target &target);

} // namespace cpu
} // namespace mt

#endif // MT_SCHEDULES_CPU_CPUSCHEDULE_H
