//===- Schedule.h - the one place a kernel's schedule is chosen -*- C++ -*-===//
//
// Every lowered kernel (compiler/Conversion/MTToHalide/LowerKernel.h) is
// scheduled here: first by target (x86-64 CPU in Schedules/cpu; CUDA in
// Schedules/cuda), then, inside the target's schedules, by
// kernel class (the anchor op: matmul-like, reduction, gather, scatter,
// elementwise). A schedule never changes results beyond a float
// reassociation it states; tests compare against the reference interpreter.
//
//===----------------------------------------------------------------------===//

#ifndef MT_SCHEDULES_SCHEDULE_H
#define MT_SCHEDULES_SCHEDULE_H

#include "Conversion/MTToHalide/LowerKernel.h"

#include "mlir/Support/LogicalResult.h"

#include <Halide.h>

namespace mt {

/// Schedules every stage of `kernel` for `target`. A target without
/// schedules yet ends in a diagnostic on the kernel op and failure.
mlir::LogicalResult scheduleKernel(LoweredKernel &kernel,
                                   const Halide::Target &target);

} // namespace mt

#endif // MT_SCHEDULES_SCHEDULE_H
