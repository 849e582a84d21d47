//===- FuzzModelIR.cpp - libFuzzer target: mt model files -----------------===//
//
// The compiler's front door: MLIR text parsed with the mt dialect, verified
// (every op's verifier), then mt-infer-shapes. Any input must end in a
// diagnostic or a verified module; a crash or a sanitizer report is a
// finding. The dictionary (mt.dict) supplies op names, attribute names and
// type syntax, so mutations stay near well-formed models.
//
//===----------------------------------------------------------------------===//

#include "Transforms/Passes.h"
#include "mt/Dialect/MTDialect.h"

#include "mlir/Dialect/Arithmetic/IR/Arithmetic.h"
#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <string>

namespace {

mlir::MLIRContext &context() {
  static mlir::MLIRContext *ctx = [] {
    auto *c = new mlir::MLIRContext(mlir::MLIRContext::Threading::DISABLED);
    c->loadDialect<mt::MTDialect, mlir::StandardOpsDialect,
                   mlir::arith::ArithmeticDialect>();
    // Diagnostics are expected; they are not findings.
    c->getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
    return c;
  }();
  return *ctx;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &context());
  if (!module || mlir::failed(mlir::verify(*module)))
    return 0;
  mlir::PassManager pm(&context());
  pm.addPass(mt::createInferShapesPass());
  (void)pm.run(*module);
  return 0;
}
