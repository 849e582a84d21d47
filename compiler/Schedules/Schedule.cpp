//===- Schedule.cpp - the one place a kernel's schedule is chosen ---------===//

#include "Schedules/Schedule.h"

#include "Schedules/cpu/CpuSchedule.h"
#include "Schedules/cuda/CudaSchedule.h"

mlir::LogicalResult mt::scheduleKernel(LoweredKernel &kernel,
                                       const Halide::Target &target) {
  if (target.has_feature(Halide::Target::CUDA)) {
    cuda::scheduleKernel(kernel, target);
    return mlir::success();
  }
  if (target.has_gpu_feature())
    return kernel.kernel->emitOpError()
           << "has no schedule for GPU target " << target.to_string()
           << " (x86-64 CPU and CUDA schedules exist)";
  if (target.arch != Halide::Target::X86)
    return kernel.kernel->emitOpError()
           << "has no schedule for target " << target.to_string()
           << " (x86-64 CPU and CUDA schedules exist)";
  cpu::scheduleKernel(kernel, target);
  return mlir::success();
}
