//===- MTDialect.h - the mt dialect -----------------------------*- C++ -*-===//

#ifndef MT_DIALECT_MTDIALECT_H
#define MT_DIALECT_MTDIALECT_H

#include "mlir/IR/Dialect.h"

#include "mt/Dialect/MTOpsDialect.h.inc"

#endif // MT_DIALECT_MTDIALECT_H
