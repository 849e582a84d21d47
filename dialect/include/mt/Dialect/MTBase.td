//===- MTBase.td - mt dialect, types, enums, base op class -*- tablegen -*-===//
//
// The `mt` dialect describes a multitask Transformer at two levels: model ops
// (dense, attention, encoder, task attention, multitask loss, ...) that own
// their parameters implicitly, and primitive tensor ops that model ops
// decompose into. See DESIGN.md §2 and §3.
//
//===----------------------------------------------------------------------===//

#ifndef MT_BASE_TD
#define MT_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mt/Dialect/MTInterfaces.td"

def MT_Dialect : Dialect {
  let name = "mt";
  let cppNamespace = "::mt";
  let summary = "Multitask Transformer models and the tensor primitives they lower to";
  let description = [{
    Tensors are batch-first builtin tensors of f32 (i32 for ids, i1 for
    masks). The batch dimension is the only dynamic extent: every `?` in a
    function stands for the same batch size, so an op may create a `?`
    dimension (for example `mt.broadcast_in_dim`) without a shape operand.
    Result types may be written unranked (`tensor<*xf32>`);
    `mt-infer-shapes` refines them.
  }];
  let emitAccessorPrefix = kEmitAccessorPrefix_Prefixed;
  // `mt.input` names an entry-point argument after its dataset tensor.
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def MT_F32Tensor : TensorOf<[F32]>;
def MT_I32Tensor : TensorOf<[I32]>;
def MT_MaskTensor : TensorOf<[I1]>;
def MT_NumericTensor : TensorOf<[F32, I32]>;
def MT_AnyTensor : TensorOf<[F32, I32, I1]>;
def MT_RankedF32Tensor : RankedTensorOf<[F32]>;
def MT_RankedNumericTensor : RankedTensorOf<[F32, I32]>;
def MT_RankedAnyTensor : RankedTensorOf<[F32, I32, I1]>;
def MT_SeedTensor : 0DTensorOf<[I64]>;
// What flows into and out of kernels: activations, ids, masks and seeds.
def MT_KernelTensor : TensorOf<[F32, I32, I1, I64]>;

//===----------------------------------------------------------------------===//
// Attribute constraints and enums
//===----------------------------------------------------------------------===//

def MT_PositiveI64 : Confined<I64Attr, [IntPositive]>;
def MT_NonNegativeI64 : Confined<I64Attr, [IntNonNegative]>;

def MT_Activation : StrEnumAttr<"Activation", "activation function",
    [StrEnumAttrCase<"none">, StrEnumAttrCase<"relu">,
     StrEnumAttrCase<"gelu">, StrEnumAttrCase<"tanh">,
     StrEnumAttrCase<"sigmoid">]>;
def MT_FFActivation : StrEnumAttr<"FFActivation",
    "feed-forward activation ('relu' or 'gelu', as PyTorch's encoder layer)",
    [StrEnumAttrCase<"relu">, StrEnumAttrCase<"gelu">]>;
def MT_PositionalKind : StrEnumAttr<"PositionalKind",
    "positional encoding kind",
    [StrEnumAttrCase<"sinusoidal">, StrEnumAttrCase<"learned">]>;
def MT_Pooling : StrEnumAttr<"Pooling", "task head input selection",
    [StrEnumAttrCase<"token">, StrEnumAttrCase<"mean">,
     StrEnumAttrCase<"first">, StrEnumAttrCase<"none">]>;
def MT_Balance : StrEnumAttr<"Balance", "multitask loss balancing strategy",
    [StrEnumAttrCase<"static">, StrEnumAttrCase<"uncertainty">,
     StrEnumAttrCase<"dwa">, StrEnumAttrCase<"gradnorm">]>;
def MT_Surgery : StrEnumAttr<"Surgery", "gradient surgery",
    [StrEnumAttrCase<"none">, StrEnumAttrCase<"pcgrad">]>;
def MT_Init : StrEnumAttr<"Init", "parameter initialisation rule",
    [StrEnumAttrCase<"zeros">, StrEnumAttrCase<"ones">,
     StrEnumAttrCase<"uniform">, StrEnumAttrCase<"normal">]>;
def MT_ComparePredicate : StrEnumAttr<"ComparePredicate", "comparison",
    [StrEnumAttrCase<"eq">, StrEnumAttrCase<"ne">, StrEnumAttrCase<"lt">,
     StrEnumAttrCase<"le">, StrEnumAttrCase<"gt">, StrEnumAttrCase<"ge">]>;

//===----------------------------------------------------------------------===//
// Fusion kinds (TVM's ordered op pattern): declared on every op and read by
// the fusion pass through `mt::getFusionKind`.
//===----------------------------------------------------------------------===//

def MT_ElementwiseKind : NativeOpTrait<"ElementwiseKind"> {
  let cppNamespace = "::mt::OpTrait";
}
def MT_BroadcastKind : NativeOpTrait<"BroadcastKind"> {
  let cppNamespace = "::mt::OpTrait";
}
def MT_InjectiveKind : NativeOpTrait<"InjectiveKind"> {
  let cppNamespace = "::mt::OpTrait";
}
def MT_ReductionKind : NativeOpTrait<"ReductionKind"> {
  let cppNamespace = "::mt::OpTrait";
}
// A matmul-like root that absorbs its elementwise epilogue (TVM's
// kOutEWiseFusable).
def MT_OutEWiseFusableKind : NativeOpTrait<"OutEWiseFusableKind"> {
  let cppNamespace = "::mt::OpTrait";
}
def MT_OpaqueKind : NativeOpTrait<"OpaqueKind"> {
  let cppNamespace = "::mt::OpTrait";
}

//===----------------------------------------------------------------------===//
// Base op classes
//===----------------------------------------------------------------------===//

// Every tensor op infers its result types; the shared verifier checks the
// declared types against the inferred ones once the operands are ranked.
// `overrides` names the optional interface methods the op defines (for
// example "verifyAttributes").
class MT_Op<string mnemonic, list<Trait> traits = [],
            list<string> overrides = []>
    : Op<MT_Dialect, mnemonic,
         !listconcat(traits, [NoSideEffect,
             DeclareOpInterfaceMethods<MT_ShapeInference, overrides>])> {
  let verifier = [{ return ::mt::verifyShapedOp(getOperation()); }];
}

// A model-level op: owns named parameters (`path` is its dotted prefix, as in
// a PyTorch state_dict) and is rewritten into primitives by `mt-decompose`.
class MT_ModelOp<string mnemonic, list<Trait> traits = [],
                 list<string> overrides = []>
    : MT_Op<mnemonic, !listconcat(traits, [MT_OpaqueKind,
        DeclareOpInterfaceMethods<MT_ParameterizedOp>]), overrides>;

class MT_UnaryOp<string mnemonic, string math>
    : MT_Op<mnemonic, [MT_ElementwiseKind]> {
  let summary = "elementwise " # math;
  let description = "Applies `" # math # "` to every element. Example:\n\n"
      "```mlir\n%y = mt." # mnemonic #
      " %x : (tensor<?x8xf32>) -> tensor<?x8xf32>\n```";
  let arguments = (ins MT_F32Tensor:$input);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

class MT_BinaryOp<string mnemonic, string math>
    : MT_Op<mnemonic, [MT_ElementwiseKind]> {
  let summary = "elementwise " # math # " with broadcasting";
  let description = "Computes `" # math # "` elementwise. Shapes broadcast "
      "as in NumPy (right-aligned; a static 1 stretches); a dynamic batch "
      "dimension only meets another dynamic dimension or 1. Example:\n\n"
      "```mlir\n%z = mt." # mnemonic # " %x, %b : (tensor<?x8x4xf32>, "
      "tensor<4xf32>) -> tensor<?x8x4xf32>\n```";
  let arguments = (ins MT_F32Tensor:$lhs, MT_F32Tensor:$rhs);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

class MT_ReduceOp<string mnemonic, string what>
    : MT_Op<mnemonic, [MT_ReductionKind]> {
  let summary = what # " over one axis";
  let description = "Reduces `axis` with " # what # "; `keep_dims` keeps "
      "it with extent 1. Example:\n\n```mlir\n%s = mt." # mnemonic #
      " %x {axis = 2} : (tensor<?x8x4xf32>) -> tensor<?x8xf32>\n```";
  let arguments = (ins MT_F32Tensor:$input, MT_NonNegativeI64:$axis,
                   DefaultValuedAttr<BoolAttr, "false">:$keep_dims);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

#endif // MT_BASE_TD
