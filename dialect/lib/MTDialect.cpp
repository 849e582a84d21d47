//===- MTDialect.cpp - the mt dialect -------------------------------------===//

#include "mt/Dialect/MTDialect.h"
#include "mt/Dialect/MTOps.h"

#include "mt/Dialect/MTOpsDialect.cpp.inc"

void mt::MTDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mt/Dialect/MTOps.cpp.inc"
      >();
}

static mlir::LogicalResult verifyNonEmptyString(mlir::Operation *op,
                                                mlir::NamedAttribute attribute,
                                                llvm::StringRef where) {
  auto name = attribute.getValue().dyn_cast<mlir::StringAttr>();
  if (!name || name.getValue().empty())
    return op->emitError() << where << ": '" << attribute.getName().getValue()
                           << "' must be a non-empty string";
  return mlir::success();
}

// Argument attributes: `mt.input` (dataset tensor name), `mt.id_bound`
// (exclusive bound of an id argument, set by mt-prune-to-inference).
mlir::LogicalResult mt::MTDialect::verifyRegionArgAttribute(
    mlir::Operation *op, unsigned regionIndex, unsigned argIndex,
    mlir::NamedAttribute attribute) {
  std::string where = "argument #" + std::to_string(argIndex);
  if (attribute.getName() == "mt.input")
    return verifyNonEmptyString(op, attribute, where);
  if (attribute.getName() == "mt.id_bound") {
    auto bound = attribute.getValue().dyn_cast<mlir::IntegerAttr>();
    if (!bound || bound.getInt() <= 0)
      return op->emitError() << where
                             << ": 'mt.id_bound' must be a positive integer";
    return mlir::success();
  }
  return op->emitError() << where << ": unknown attribute '"
                         << attribute.getName().getValue() << "'";
}

// Result attributes of an entry point: `mt.output` (task name or what the
// result holds), `mt.task_kind` (its loss kind) and `mt.updates` (the
// parameter or training state a train step's result replaces).
mlir::LogicalResult mt::MTDialect::verifyRegionResultAttribute(
    mlir::Operation *op, unsigned regionIndex, unsigned resultIndex,
    mlir::NamedAttribute attribute) {
  std::string where = "result #" + std::to_string(resultIndex);
  if (attribute.getName() == "mt.output" ||
      attribute.getName() == "mt.task_kind" ||
      attribute.getName() == "mt.updates")
    return verifyNonEmptyString(op, attribute, where);
  return op->emitError() << where << ": unknown attribute '"
                         << attribute.getName().getValue() << "'";
}
