//===- FusionKind.h - how an op may fuse ------------------------*- C++ -*-===//
//
// TVM's ordered op pattern: an op of a lower kind fuses into more contexts.
// OutEWiseFusable is TVM's kOutEWiseFusable: a matmul-like root that
// absorbs the elementwise ops consuming its result (its epilogue).
// Each op declares its kind as a trait in MTOps.td; passes read it with
// `getFusionKind`, never by matching op names.
//
//===----------------------------------------------------------------------===//

#ifndef MT_DIALECT_FUSIONKIND_H
#define MT_DIALECT_FUSIONKIND_H

#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/StringRef.h"

namespace mt {

enum class FusionKind {
  Elementwise,
  Broadcast,
  Injective,
  Reduction,
  OutEWiseFusable,
  Opaque
};

namespace OpTrait {
template <typename ConcreteType>
class ElementwiseKind
    : public mlir::OpTrait::TraitBase<ConcreteType, ElementwiseKind> {};
template <typename ConcreteType>
class BroadcastKind
    : public mlir::OpTrait::TraitBase<ConcreteType, BroadcastKind> {};
template <typename ConcreteType>
class InjectiveKind
    : public mlir::OpTrait::TraitBase<ConcreteType, InjectiveKind> {};
template <typename ConcreteType>
class ReductionKind
    : public mlir::OpTrait::TraitBase<ConcreteType, ReductionKind> {};
template <typename ConcreteType>
class OutEWiseFusableKind
    : public mlir::OpTrait::TraitBase<ConcreteType, OutEWiseFusableKind> {};
template <typename ConcreteType>
class OpaqueKind : public mlir::OpTrait::TraitBase<ConcreteType, OpaqueKind> {};
} // namespace OpTrait

/// The declared kind; ops from other dialects are opaque.
FusionKind getFusionKind(mlir::Operation *op);

/// Whether `op` reads the values of its operand `index`, not only its shape
/// (mt.dropout_mask reads only the shape of `like`): a fusion edge needs a
/// value read.
bool readsOperandValues(mlir::Operation *op, unsigned index);
llvm::StringRef stringifyFusionKind(FusionKind kind);

} // namespace mt

#endif // MT_DIALECT_FUSIONKIND_H
