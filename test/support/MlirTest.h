//===- MlirTest.h - a GoogleTest fixture with an MLIR context ---*- C++ -*-===//
//
// The base of the test suites that parse mt IR: a context with the mt and
// std dialects loaded, every diagnostic collected in `diagnostics` (so a
// failed parse or pass can be printed with the assertion), and a `module`
// slot for the IR under test.
//
//===----------------------------------------------------------------------===//

#ifndef MT_TEST_SUPPORT_MLIRTEST_H
#define MT_TEST_SUPPORT_MLIRTEST_H

#include "mt/Dialect/MTDialect.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <string>

namespace mt::testing {

class MlirTest : public ::testing::Test {
protected:
  MlirTest()
      : handler(&context, [this](mlir::Diagnostic &diagnostic) {
          diagnostics += diagnostic.str() + "\n";
          return mlir::success();
        }) {
    context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
  }

  mlir::MLIRContext context;
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

} // namespace mt::testing

#endif // MT_TEST_SUPPORT_MLIRTEST_H
