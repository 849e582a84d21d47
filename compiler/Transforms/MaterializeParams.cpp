//===- MaterializeParams.cpp - the mt-materialize-params pass -------------===//
//
// Every model op owns parameters implicitly (Keras-like files); this pass
// makes each one an explicit `mt.param` symbol at the top of the module,
// with its PyTorch state_dict name, shape and init rule, in program order,
// and records the total count as `mt.num_parameters` on the module.
//
// Preconditions: shapes inferred (mt-infer-shapes). Two ops claiming the
// same name is an error; an `mt.param` already present with the same name
// and type is kept (the pass is idempotent).
//
//===----------------------------------------------------------------------===//

#include "PassDetail.h"
#include "Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mt/Dialect/MTOps.h"

using namespace mlir;

namespace {
struct MaterializeParamsPass
    : public mt::MaterializeParamsBase<MaterializeParamsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    OpBuilder builder(module.getBodyRegion());
    // New parameters go after the ones already materialized, in order.
    mt::ParamOp last;
    for (mt::ParamOp param : module.getOps<mt::ParamOp>())
      last = param;
    if (last)
      builder.setInsertionPointAfter(last);

    llvm::StringMap<Operation *> owners;
    WalkResult walk = module.walk([&](mt::ParameterizedOp op) {
      for (Type type : op->getOperandTypes())
        if (!type.isa<RankedTensorType>()) {
          op->emitOpError("needs inferred shapes; run mt-infer-shapes before "
                          "mt-materialize-params");
          return WalkResult::interrupt();
        }
      SmallVector<mt::ParameterSpec, 8> specs;
      op.getParameterSpecs(specs);
      for (const mt::ParameterSpec &spec : specs)
        if (failed(materialize(op, spec, symbols, owners, builder)))
          return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    int64_t total = 0;
    for (mt::ParamOp param : module.getOps<mt::ParamOp>())
      total += param.type().cast<RankedTensorType>().getNumElements();
    module->setAttr("mt.num_parameters", builder.getI64IntegerAttr(total));
  }

  LogicalResult materialize(Operation *owner, const mt::ParameterSpec &spec,
                            SymbolTable &symbols,
                            llvm::StringMap<Operation *> &owners,
                            OpBuilder &builder) {
    auto type = RankedTensorType::get(spec.shape, builder.getF32Type());
    auto [it, inserted] = owners.try_emplace(spec.name, owner);
    if (!inserted) {
      InFlightDiagnostic diag = owner->emitOpError()
                                << "parameter '" << spec.name
                                << "' is already owned by another op; give "
                                   "each op its own 'path'";
      diag.attachNote(it->second->getLoc()) << "first owner";
      return failure();
    }
    if (auto found = symbols.lookup<mt::ParamOp>(spec.name)) {
      if (found.type() == type)
        return success();
      return owner->emitOpError()
             << "parameter '" << spec.name << "' already exists with type "
             << found.type() << ", but this op needs " << type;
    }
    if (symbols.lookup(spec.name))
      return owner->emitOpError() << "parameter name '" << spec.name
                                  << "' is taken by another symbol";
    FloatAttr scale;
    if (spec.init == mt::InitRule::Uniform || spec.init == mt::InitRule::Normal)
      scale = builder.getF64FloatAttr(spec.scale);
    auto param = builder.create<mt::ParamOp>(
        owner->getLoc(), builder.getStringAttr(spec.name), TypeAttr::get(type),
        builder.getStringAttr(mt::stringifyInitRule(spec.init)), scale);
    symbols.insert(param);
    return success();
  }
};
} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mt::createMaterializeParamsPass() {
  return std::make_unique<MaterializeParamsPass>();
}
