//===- Passes.h - mt compiler passes ----------------------------*- C++ -*-===//

#ifndef MT_TRANSFORMS_PASSES_H
#define MT_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace mt {

std::unique_ptr<mlir::OperationPass<mlir::ModuleOp>> createInferShapesPass();
std::unique_ptr<mlir::OperationPass<mlir::ModuleOp>>
createMaterializeParamsPass();
std::unique_ptr<mlir::OperationPass<mlir::ModuleOp>> createDecomposePass();
/// mt-fuse; `oneOpGroups` makes every op its own group (mtc --no-fuse).
std::unique_ptr<mlir::OperationPass<mlir::ModuleOp>>
createFusePass(bool oneOpGroups = false);
std::unique_ptr<mlir::OperationPass<mlir::ModuleOp>> createOutlineKernelsPass();
std::unique_ptr<mlir::OperationPass<mlir::ModuleOp>> createPlanMemoryPass();
std::unique_ptr<mlir::OperationPass<mlir::ModuleOp>>
createPruneToInferencePass();
std::unique_ptr<mlir::OperationPass<mlir::ModuleOp>>
createTestFusionKindsPass();

#define GEN_PASS_REGISTRATION
#include "Transforms/Passes.h.inc"

} // namespace mt

#endif // MT_TRANSFORMS_PASSES_H
