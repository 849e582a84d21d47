//===- BuildTrainingSteps.h - the mt-autodiff pass --------------*- C++ -*-===//

#ifndef MT_ENTRYPOINTS_BUILDTRAININGSTEPS_H
#define MT_ENTRYPOINTS_BUILDTRAININGSTEPS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace mt {

/// The hyperparameters every train step reads, in the order of its `hyper`
/// argument; "task_weight.<task>" entries follow, one per task.
extern const char *const kHyperNames[];
extern const unsigned kNumHyperNames;

std::unique_ptr<mlir::OperationPass<mlir::ModuleOp>> createAutodiffPass();
void registerAutodiffPass();

} // namespace mt

#endif // MT_ENTRYPOINTS_BUILDTRAININGSTEPS_H
