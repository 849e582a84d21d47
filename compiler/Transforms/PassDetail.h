//===- PassDetail.h - generated pass base classes (private) -----*- C++ -*-===//

#ifndef MT_TRANSFORMS_PASSDETAIL_H
#define MT_TRANSFORMS_PASSDETAIL_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mt {
#define GEN_PASS_CLASSES
#include "Transforms/Passes.h.inc"
} // namespace mt

#endif // MT_TRANSFORMS_PASSDETAIL_H
