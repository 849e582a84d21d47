//===- InterpreterBackend.h - mtc --backend=interpreter ---------*- C++ -*-===//
//
// Runs the primitive-level `@forward` through the reference interpreter on
// a dataset and writes the predictions as the compiled binary's `predict`
// would: the oracle that compiled models are checked against.
//
//===----------------------------------------------------------------------===//

#ifndef MTC_TOOLS_INTERPRETERBACKEND_H
#define MTC_TOOLS_INTERPRETERBACKEND_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mt {

/// Returns the process exit code (0, or 1 after printing the error).
int runInterpreterBackend(mlir::ModuleOp module, const std::string &dataPath,
                          const std::string &weightsPath,
                          const std::string &outputPath);

} // namespace mt

#endif // MTC_TOOLS_INTERPRETERBACKEND_H
