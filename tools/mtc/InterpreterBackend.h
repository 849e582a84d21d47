//===- InterpreterBackend.h - mtc --backend=interpreter ---------*- C++ -*-===//
//
// Runs a primitive-level entry point through the reference interpreter on
// a dataset and writes its results: `@forward`'s predictions as the compiled
// binary's `predict` would, or a training step's updated parameters and
// losses. The oracle that compiled models are checked against.
//
//===----------------------------------------------------------------------===//

#ifndef MTC_TOOLS_INTERPRETERBACKEND_H
#define MTC_TOOLS_INTERPRETERBACKEND_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mt {

/// Returns the process exit code (0, or 1 after printing the error).
/// Arguments are read from the dataset by their `mt.input` names (a train
/// step also needs `hyper` (F32) and `seed` (I64) there); parameters from
/// the weights file (training state missing there starts at zero). Results
/// are named by `mt.output` or `mt.updates`.
int runInterpreterBackend(mlir::ModuleOp module, const std::string &entry,
                          const std::string &dataPath,
                          const std::string &weightsPath,
                          const std::string &outputPath);

} // namespace mt

#endif // MTC_TOOLS_INTERPRETERBACKEND_H
