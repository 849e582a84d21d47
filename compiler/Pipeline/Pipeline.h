//===- Pipeline.h - the pass pipelines mtc runs -----------------*- C++ -*-===//

#ifndef MT_PIPELINE_PIPELINE_H
#define MT_PIPELINE_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace mt {

/// From a model file to the primitives of its entry points (the level the
/// reference interpreter runs): `@forward`, and with `withTraining` the
/// training steps of mt-autodiff. Each step's reason is in Pipeline.cpp.
void buildPrimitivePipeline(mlir::OpPassManager &pm, bool withTraining);

/// From primitives to planned kernels (what code generation needs);
/// `fuse` false gives one primitive per kernel (mtc --no-fuse).
void buildKernelPipeline(mlir::OpPassManager &pm, bool fuse);

} // namespace mt

#endif // MT_PIPELINE_PIPELINE_H
