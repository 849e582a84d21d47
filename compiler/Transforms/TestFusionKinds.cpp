//===- TestFusionKinds.cpp - report declared fusion kinds (test pass) -----===//
//
// Emits "fusion kind: <kind>" as a remark on every mt op, so a lit test can
// check each op's declaration with -verify-diagnostics.
//
//===----------------------------------------------------------------------===//

#include "PassDetail.h"
#include "Transforms/Passes.h"

#include "mt/Dialect/MTOps.h"

using namespace mlir;

namespace {
struct TestFusionKindsPass
    : public mt::TestFusionKindsBase<TestFusionKindsPass> {
  void runOnOperation() override {
    getOperation().walk([](Operation *op) {
      if (isa<mt::MTDialect>(op->getDialect()))
        op->emitRemark() << "fusion kind: "
                         << mt::stringifyFusionKind(mt::getFusionKind(op));
    });
  }
};
} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mt::createTestFusionKindsPass() {
  return std::make_unique<TestFusionKindsPass>();
}
