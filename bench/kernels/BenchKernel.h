//===- BenchKernel.h - one op as a scheduled kernel, for the benches ------===//
//
// The benches time single ops the way mtc compiles them: the op formed into
// its own mt.kernel by mt-outline-kernels, lowered by lowerKernel and
// scheduled by scheduleKernel.
//
//===----------------------------------------------------------------------===//

#ifndef MT_BENCH_BENCHKERNEL_H
#define MT_BENCH_BENCHKERNEL_H

#include "Conversion/MTToHalide/LowerKernel.h"
#include "Schedules/Schedule.h"
#include "mt/Dialect/MTOps.h"

#include "Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"

#include <cstdio>
#include <cstdlib>

namespace mt {
namespace bench {

/// Forms the kernels of `module` with mt-outline-kernels (one per op, as
/// mtc --no-fuse) and returns the primitive op of @k's first kernel; exits
/// on failure, since a bench has nobody to report to.
inline mlir::Operation *outlineFirstKernel(mlir::ModuleOp module) {
  mlir::PassManager pm(module.getContext());
  pm.addPass(createOutlineKernelsPass());
  KernelOp kernel;
  if (mlir::succeeded(pm.run(module)))
    module.lookupSymbol<mlir::FuncOp>("k").walk([&](KernelOp k) {
      if (!kernel)
        kernel = k;
    });
  if (!kernel) {
    std::fprintf(stderr, "cannot form the kernel\n");
    std::exit(1);
  }
  return &kernel.getBody().front().front();
}

/// The kernel around `op`, lowered and (if `scheduled`) scheduled; exits on
/// failure, since a bench has nobody to report to.
inline LoweredKernel lowerOneOp(mlir::Operation *op,
                                const Halide::Target &target, bool scheduled) {
  mlir::FailureOr<LoweredKernel> lowered =
      lowerKernel(llvm::cast<KernelOp>(op->getParentOp()));
  if (mlir::failed(lowered) ||
      (scheduled && mlir::failed(scheduleKernel(*lowered, target)))) {
    std::fprintf(stderr, "cannot lower the kernel\n");
    std::exit(1);
  }
  return *lowered;
}

} // namespace bench
} // namespace mt

#endif // MT_BENCH_BENCHKERNEL_H
