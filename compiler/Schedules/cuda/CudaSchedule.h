//===- CudaSchedule.h - CUDA schedules of the mt kernels --------*- C++ -*-===//
//
// A first, correctness-first GPU mapping of every kernel class, reached
// through mt::scheduleKernel (Schedules/Schedule.h) for targets with the
// `cuda` feature. Not tuned: no shared-memory staging of matmul tiles, no
// register blocking, no cross-thread reductions yet (the issue "CUDA
// target" lists them), and not run on a GPU yet: tests check the code
// generation only.
//
//===----------------------------------------------------------------------===//

#ifndef MT_SCHEDULES_CUDA_CUDASCHEDULE_H
#define MT_SCHEDULES_CUDA_CUDASCHEDULE_H

#include "Conversion/MTToHalide/LowerKernel.h"

#include <Halide.h>

namespace mt {
namespace cuda {

/// Schedules every stage of `kernel` for a CUDA target: each materialized
/// stage (outputs, stages with updates) is one GPU launch per definition,
/// a thread per result element, its reduction loops serial inside the
/// thread; pure intermediates are inlined.
void scheduleKernel(LoweredKernel &kernel, const Halide::Target &target);

} // namespace cuda
} // namespace mt

#endif // MT_SCHEDULES_CUDA_CUDASCHEDULE_H
