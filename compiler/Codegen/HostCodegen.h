//===- HostCodegen.h - the host side of a compiled model --------*- C++ -*-===//
//
// Writes the C++ source that defines `mtc_model_get()` (runtime/include/mtc/
// model_abi.h): the model's tables (inputs, outputs, tasks, parameters,
// training state, arena sizes, kernels) and one ABI function per entry
// point (`forward`, and when mt-autodiff ran `train_step_adam`,
// `train_step_sgd`, `eval_step`), each running a table of kernel calls whose
// operands are bound to the planned arena slots, inputs, labels, parameters
// and outputs. Plain text generation: no MLIR types leak
// into the generated code.
//
// Preconditions: `@forward` pruned to inference (mt-prune-to-inference);
// every entry point outlined into kernels and planned (mt-outline-kernels,
// mt-plan-memory).
//
//===----------------------------------------------------------------------===//

#ifndef MT_CODEGEN_HOSTCODEGEN_H
#define MT_CODEGEN_HOSTCODEGEN_H

#include "Codegen/KernelCompiler.h"

#include "llvm/Support/raw_ostream.h"

namespace mt {

struct HostCodegenOptions {
  std::string modelName;
  std::string fingerprint;
  std::string halideTarget;
  std::vector<std::string> requiredCpuFeatures;
};

mlir::LogicalResult emitHostCode(mlir::ModuleOp module,
                                 const KernelLibrary &kernels,
                                 const HostCodegenOptions &options,
                                 llvm::raw_ostream &os);

} // namespace mt

#endif // MT_CODEGEN_HOSTCODEGEN_H
