//===- MTOps.h - mt dialect operations --------------------------*- C++ -*-===//

#ifndef MT_DIALECT_MTOPS_H
#define MT_DIALECT_MTOPS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "mt/Dialect/FusionKind.h"
#include "mt/Dialect/MTDialect.h"
#include "mt/Dialect/Parameters.h"

#include "mt/Dialect/MTInterfaces.h.inc"

namespace mt {
class ParamOp;
class KernelOp;
/// The verifier shared by every tensor op: attribute rules first, then, once
/// every operand is ranked, declared result types against inferred ones.
mlir::LogicalResult verifyShapedOp(mlir::Operation *op);
mlir::LogicalResult verifyParamOp(ParamOp op);
mlir::LogicalResult verifyKernelOp(KernelOp op);
} // namespace mt

#define GET_OP_CLASSES
#include "mt/Dialect/MTOps.h.inc"

#endif // MT_DIALECT_MTOPS_H
