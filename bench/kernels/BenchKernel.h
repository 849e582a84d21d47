//===- BenchKernel.h - one op as a scheduled kernel, for the benches ------===//
//
// The benches time single ops the way mtc compiles them: the op wrapped in
// its own mt.kernel (as mt-outline-kernels does), lowered by lowerKernel and
// scheduled by scheduleKernel.
//
//===----------------------------------------------------------------------===//

#ifndef MT_BENCH_BENCHKERNEL_H
#define MT_BENCH_BENCHKERNEL_H

#include "Conversion/MTToHalide/LowerKernel.h"
#include "Schedules/Schedule.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/IR/BlockAndValueMapping.h"
#include "mlir/IR/Builders.h"

#include <cstdio>
#include <cstdlib>

namespace mt {
namespace bench {

/// Moves `op` into a new mt.kernel (its operands become the kernel's
/// inputs) and returns the op inside.
inline mlir::Operation *wrapInKernel(mlir::Operation *op) {
  mlir::OpBuilder builder(op);
  auto kernel = builder.create<KernelOp>(op->getLoc(), op->getResultTypes(),
                                         op->getOperands(),
                                         builder.getStringAttr("bench"));
  mlir::Block *body = new mlir::Block();
  kernel.getBody().push_back(body);
  mlir::BlockAndValueMapping mapping;
  for (mlir::Value operand : op->getOperands())
    mapping.map(operand, body->addArgument(operand.getType(), op->getLoc()));
  mlir::OpBuilder inside = mlir::OpBuilder::atBlockEnd(body);
  mlir::Operation *clone = inside.clone(*op, mapping);
  inside.create<YieldOp>(op->getLoc(), clone->getResults());
  op->replaceAllUsesWith(kernel.getResults());
  op->erase();
  return clone;
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
