//===- MTInterfaces.td - mt op interfaces ------------------*- tablegen -*-===//

#ifndef MT_INTERFACES_TD
#define MT_INTERFACES_TD

include "mlir/IR/OpBase.td"

def MT_ShapeInference : OpInterface<"ShapeInference"> {
  let description = [{
    Computes an op's result types from its operand types and attributes.
    Used by the verifier (declared ranked results must equal the inferred
    ones) and by `mt-infer-shapes` (unranked results are replaced).
  }];
  let cppNamespace = "::mt";
  let methods = [
    InterfaceMethod<[{
        Checks the attributes on their own (operands may still be unranked).
      }], "::mlir::LogicalResult", "verifyAttributes", (ins), [{}],
      [{ return ::mlir::success(); }]>,
    InterfaceMethod<[{
        Appends the result types; called only when every tensor operand is
        ranked. Emits a located, specific error and fails when the operand
        types do not fit the op.
      }], "::mlir::LogicalResult", "inferResultTypes",
      (ins "::llvm::SmallVectorImpl<::mlir::Type> &":$resultTypes)>,
  ];
}

def MT_ParameterizedOp : OpInterface<"ParameterizedOp"> {
  let description = [{
    A model op that owns parameters. Lists them with their PyTorch
    state_dict names, shapes and PyTorch's initialisation rule; needs ranked
    operands.
  }];
  let cppNamespace = "::mt";
  let methods = [
    InterfaceMethod<"Appends the op's parameters in PyTorch's order.",
      "void", "getParameterSpecs",
      (ins "::llvm::SmallVectorImpl<::mt::ParameterSpec> &":$specs)>,
  ];
}

#endif // MT_INTERFACES_TD
