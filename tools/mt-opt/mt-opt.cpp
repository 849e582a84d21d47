//===- mt-opt.cpp - run mt passes over a model file -----------------------===//
//
// mlir-opt for the mt dialect: parses, verifies, runs the requested passes
// and prints the IR. Registers only the dialects a model file uses (the full
// InitAllDialects costs ~30 s of compile time, TOOLCHAIN §4).
//
//===----------------------------------------------------------------------===//

#include "EntryPoints/BuildTrainingSteps.h"
#include "Transforms/Passes.h"
#include "mt/Dialect/MTDialect.h"

#include "mlir/Dialect/Arithmetic/IR/Arithmetic.h"
#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Dialect.h"
#include "mlir/Support/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mt::MTDialect, mlir::StandardOpsDialect,
                  mlir::arith::ArithmeticDialect>();
  mt::registerMTPasses();
  mt::registerAutodiffPass();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "mt optimizer: runs mt passes over a model file\n",
      registry));
}
