//===- Pipeline.cpp - the pass pipelines mtc runs -------------------------===//
//
// Every pipeline is built here, each addPass with the reason it runs where
// it does.
//
//===----------------------------------------------------------------------===//

#include "Pipeline/Pipeline.h"

#include "EntryPoints/BuildTrainingSteps.h"
#include "Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

void mt::buildPrimitivePipeline(mlir::OpPassManager &pm, bool withTraining) {
  // Every later pass needs static shapes (the batch stays dynamic).
  pm.addPass(createInferShapesPass());
  // Parameters become named symbols: decomposition reads them by name.
  pm.addPass(createMaterializeParamsPass());
  // Composite semantics are expanded once, into primitives.
  pm.addPass(createDecomposePass());
  // Training steps are built from the full model function (with its loss),
  // before it is pruned for inference.
  if (withTraining)
    pm.addPass(createAutodiffPass());
  // Inference needs the predictions only: the loss, dropout and label
  // arguments go; after decomposition, so decomposed dropout goes too.
  pm.addPass(createPruneToInferencePass());
  // Folding and deduplication on primitives, before kernels are formed.
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

void mt::buildKernelPipeline(mlir::OpPassManager &pm, bool fuse) {
  // Decides the groups on the final primitives (after canonicalize and CSE,
  // so no dead or duplicate op joins a group); without fusion every op is a
  // group of its own.
  pm.addPass(createFusePass(/*oneOpGroups=*/!fuse));
  // Forms one kernel per group.
  pm.addPass(createOutlineKernelsPass());
  // Needs the final kernels: it places their results.
  pm.addPass(createPlanMemoryPass());
}
