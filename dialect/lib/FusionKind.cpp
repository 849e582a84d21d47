//===- FusionKind.cpp - reading an op's declared fusion kind --------------===//

#include "mt/Dialect/FusionKind.h"

#include "mt/Dialect/MTOps.h"

#include "mlir/IR/Operation.h"

using namespace mt;

FusionKind mt::getFusionKind(mlir::Operation *op) {
  if (op->hasTrait<OpTrait::ElementwiseKind>())
    return FusionKind::Elementwise;
  if (op->hasTrait<OpTrait::BroadcastKind>())
    return FusionKind::Broadcast;
  if (op->hasTrait<OpTrait::InjectiveKind>())
    return FusionKind::Injective;
  if (op->hasTrait<OpTrait::ReductionKind>())
    return FusionKind::Reduction;
  if (op->hasTrait<OpTrait::OutEWiseFusableKind>())
    return FusionKind::OutEWiseFusable;
  return FusionKind::Opaque;
}

bool mt::readsOperandValues(mlir::Operation *op, unsigned index) {
  return !(llvm::isa<DropoutMaskOp>(op) && index == 0);
}

llvm::StringRef mt::stringifyFusionKind(FusionKind kind) {
  switch (kind) {
  case FusionKind::Elementwise:
    return "elementwise";
  case FusionKind::Broadcast:
    return "broadcast";
  case FusionKind::Injective:
    return "injective";
  case FusionKind::Reduction:
    return "reduction";
  case FusionKind::OutEWiseFusable:
    return "out-elementwise-fusable";
  case FusionKind::Opaque:
    return "opaque";
  }
  llvm_unreachable("unknown fusion kind");
}
