//===- MTOps.td - mt dialect operations --------------------*- tablegen -*-===//
//
// Model ops first (DESIGN.md §2), then the primitive tensor ops they
// decompose into (DESIGN.md §3 step 3). MTOps.cpp and ShapeInference.cpp
// follow the same order.
//
//===----------------------------------------------------------------------===//

#ifndef MT_OPS_TD
#define MT_OPS_TD

include "mt/Dialect/MTBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Model ops
//===----------------------------------------------------------------------===//

def MT_DenseOp : MT_ModelOp<"dense"> {
  let summary = "fully connected layer: act(x W^T + b)";
  let description = [{
    PyTorch `nn.Linear(in, out_features)` over the last dimension, followed
    by `activation` (GELU is the exact erf form). Parameters:
    `<path>.weight` `[out, in]`, `<path>.bias` `[out]` (when `use_bias`).

    ```mlir
    %h = mt.dense %x {out_features = 128, activation = "relu", path = "input_proj"}
        : (tensor<?x8x8xf32>) -> tensor<?x8x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input, MT_PositiveI64:$out_features,
                   DefaultValuedAttr<MT_Activation, "\"none\"">:$activation,
                   DefaultValuedAttr<BoolAttr, "true">:$use_bias,
                   StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_EmbeddingOp : MT_ModelOp<"embedding"> {
  let summary = "token embedding (row lookup)";
  let description = [{
    PyTorch `nn.Embedding(num_embeddings, embedding_dim)`: `result[..., :] =
    weight[ids[...], :]`. An id outside `[0, num_embeddings)` is a runtime
    error. Parameter: `<path>.weight` `[num_embeddings, embedding_dim]`.

    ```mlir
    %e = mt.embedding %tokens {num_embeddings = 1000, embedding_dim = 64, path = "embed"}
        : (tensor<?x16xi32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins MT_I32Tensor:$ids, MT_PositiveI64:$num_embeddings,
                   MT_PositiveI64:$embedding_dim, StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$ids attr-dict `:` functional-type(operands, results)";
}

def MT_PositionalEncodingOp
    : MT_ModelOp<"positional_encoding", [], ["verifyAttributes"]> {
  let summary = "adds a positional encoding to a [B, S, D] sequence";
  let description = [{
    `sinusoidal`: `PE[p, 2i] = sin(p / 10000^(2i/D))`,
    `PE[p, 2i+1] = cos(p / 10000^(2i/D))` (D must be even, no parameters).
    `learned`: `<path>.weight` `[max_len, D]`, initialised as `nn.Embedding`.
    The sequence length must not exceed `max_len`.

    ```mlir
    %p = mt.positional_encoding %h {kind = "sinusoidal", max_len = 512}
        : (tensor<?x16x128xf32>) -> tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input, MT_PositionalKind:$kind,
                   MT_PositiveI64:$max_len, OptionalAttr<StrAttr>:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_TaskEncoderOp : MT_ModelOp<"task_encoder"> {
  let summary = "adds a learned task feature: h + onehot(task, T) W^T + b";
  let description = [{
    The seed's task encoder (`T = Dense(T0)`): a `nn.Linear(num_tasks, D)`
    applied to the one-hot task id, broadcast over the sequence. Input
    `[B, S, D]` or `[B, D]`, task ids `[B]` in `[0, num_tasks)` (checked at
    run time). Parameters: `<path>.weight` `[D, T]`, `<path>.bias` `[D]`.

    ```mlir
    %t = mt.task_encoder %h, %task {num_tasks = 3, path = "task_encoder"}
        : (tensor<?x16x128xf32>, tensor<?xi32>) -> tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input, MT_I32Tensor:$task,
                   MT_PositiveI64:$num_tasks, StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat =
      "$input `,` $task attr-dict `:` functional-type(operands, results)";
}

def MT_AttentionOp : MT_ModelOp<"attention", [], ["verifyAttributes"]> {
  let summary = "multi-head attention, exactly nn.MultiheadAttention";
  let description = [{
    PyTorch `nn.MultiheadAttention(D, num_heads, dropout, batch_first=True)`:
    packed in-projection, `softmax(Q K^T / sqrt(D / H) + mask) V` per head,
    out-projection. `key_padding_mask` `[B, Sk]` is true where a key is
    padding. Parameters: `<path>.in_proj_weight` `[3D, D]`,
    `<path>.in_proj_bias` `[3D]`, `<path>.out_proj.weight` `[D, D]`,
    `<path>.out_proj.bias` `[D]`.

    ```mlir
    %a = mt.attention %q, %k, %v {num_heads = 4, path = "attn"}
        : (tensor<?x4x64xf32>, tensor<?x16x64xf32>, tensor<?x16x64xf32>) -> tensor<?x4x64xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$query, MT_F32Tensor:$key,
                   MT_F32Tensor:$value, Optional<MT_MaskTensor>:$key_padding_mask,
                   MT_PositiveI64:$num_heads,
                   DefaultValuedAttr<F64Attr, "0.0">:$dropout, StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $key_padding_mask^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def MT_FeedForwardOp : MT_ModelOp<"feed_forward", [], ["verifyAttributes"]> {
  let summary = "position-wise feed-forward: W2 act(W1 x + b1) + b2";
  let description = [{
    The feed-forward block of `nn.TransformerEncoderLayer` (dropout between
    the two linears). Parameters: `<path>.linear1.weight` `[hidden, D]`,
    `<path>.linear1.bias`, `<path>.linear2.weight` `[D, hidden]`,
    `<path>.linear2.bias`.

    ```mlir
    %f = mt.feed_forward %h {hidden = 512, activation = "gelu", path = "ffn"}
        : (tensor<?x16x128xf32>) -> tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input, MT_PositiveI64:$hidden,
                   DefaultValuedAttr<MT_FFActivation, "\"relu\"">:$activation,
                   DefaultValuedAttr<F64Attr, "0.0">:$dropout, StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_LayerNormOp : MT_ModelOp<"layer_norm", [], ["verifyAttributes"]> {
  let summary = "layer normalisation over the last dimension";
  let description = [{
    PyTorch `nn.LayerNorm(D, eps)`: biased variance, `eps` inside the square
    root. Parameters: `<path>.weight` `[D]` (ones), `<path>.bias` `[D]`
    (zeros).

    ```mlir
    %n = mt.layer_norm %h {eps = 1.0e-05, path = "norm"}
        : (tensor<?x16x128xf32>) -> tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input,
                   DefaultValuedAttr<F64Attr, "1e-5">:$eps, StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_DropoutOp : MT_Op<"dropout", [MT_ElementwiseKind], ["verifyAttributes"]> {
  let summary = "inverted dropout (identity outside training)";
  let description = [{
    In training, zeroes each element with probability `rate` and scales the
    rest by `1 / (1 - rate)`, with masks reproducible from the seed and the
    step; identity in `forward` and `eval_step`.

    ```mlir
    %d = mt.dropout %h {rate = 1.0e-01} : (tensor<?x16x128xf32>) -> tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input, F64Attr:$rate);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_EncoderLayerOp : MT_ModelOp<"encoder_layer", [], ["verifyAttributes"]> {
  let summary = "one Transformer encoder layer, exactly nn.TransformerEncoderLayer";
  let description = [{
    PyTorch `nn.TransformerEncoderLayer(D, num_heads, ff_dim, dropout,
    activation, eps, batch_first=True, norm_first)`. Post-LN (default):
    `x = norm1(x + SA(x)); x = norm2(x + FF(x))`; pre-LN:
    `x = x + SA(norm1(x)); x = x + FF(norm2(x))`. Parameters under `<path>.`:
    `self_attn.{in_proj_weight, in_proj_bias, out_proj.weight,
    out_proj.bias}`, `linear1.{weight, bias}`, `linear2.{weight, bias}`,
    `norm1.{weight, bias}`, `norm2.{weight, bias}`.

    ```mlir
    %y = mt.encoder_layer %h {num_heads = 4, ff_dim = 512, dropout = 1.0e-01, path = "layer"}
        : (tensor<?x16x128xf32>) -> tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input,
                   Optional<MT_MaskTensor>:$key_padding_mask,
                   MT_PositiveI64:$num_heads, MT_PositiveI64:$ff_dim,
                   DefaultValuedAttr<F64Attr, "0.1">:$dropout,
                   DefaultValuedAttr<MT_FFActivation, "\"relu\"">:$activation,
                   DefaultValuedAttr<BoolAttr, "false">:$norm_first,
                   DefaultValuedAttr<F64Attr, "1e-5">:$eps, StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = [{
    $input (`mask` $key_padding_mask^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def MT_EncoderOp : MT_ModelOp<"encoder", [], ["verifyAttributes"]> {
  let summary = "a stack of identical encoder layers, as nn.TransformerEncoder";
  let description = [{
    `num_layers` copies of `mt.encoder_layer` with the same configuration,
    parameters under `<path>.layers.<i>.`, and with `final_norm` a last
    `nn.LayerNorm` (`<path>.norm.{weight, bias}`).

    ```mlir
    %e = mt.encoder %h {num_layers = 6, num_heads = 8, ff_dim = 2048, path = "encoder"}
        : (tensor<?x16x512xf32>) -> tensor<?x16x512xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input,
                   Optional<MT_MaskTensor>:$key_padding_mask,
                   MT_PositiveI64:$num_layers,
                   MT_PositiveI64:$num_heads, MT_PositiveI64:$ff_dim,
                   DefaultValuedAttr<F64Attr, "0.1">:$dropout,
                   DefaultValuedAttr<MT_FFActivation, "\"relu\"">:$activation,
                   DefaultValuedAttr<BoolAttr, "false">:$norm_first,
                   DefaultValuedAttr<F64Attr, "1e-5">:$eps,
                   DefaultValuedAttr<BoolAttr, "false">:$final_norm,
                   StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = [{
    $input (`mask` $key_padding_mask^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def MT_TaskAttentionOp : MT_ModelOp<"task_attention", [], ["verifyAttributes"]> {
  let summary = "learned task tokens that attend to the sequence and to each other";
  let description = [{
    `z = task_tokens` `[T, D]` broadcast to `[B, T, D]`;
    `z = norm1(z + cross_attn(z, h, h))` (each task queries the shared
    sequence); `z = norm2(z + self_attn(z, z, z))` (tasks attend to each
    other). Result `[B, T, D]`. Parameters under `<path>.`: `task_tokens`
    `[T, D]` (normal(0, 1), as `nn.Embedding`), `cross_attn.*`, `norm1.*`,
    `self_attn.*`, `norm2.*` (attention and layer norm as their PyTorch
    modules).

    ```mlir
    %z = mt.task_attention %h {num_tasks = 3, num_heads = 4, path = "task_attn"}
        : (tensor<?x16x128xf32>) -> tensor<?x3x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input,
                   Optional<MT_MaskTensor>:$key_padding_mask,
                   MT_PositiveI64:$num_tasks, MT_PositiveI64:$num_heads,
                   DefaultValuedAttr<F64Attr, "0.0">:$dropout,
                   DefaultValuedAttr<F64Attr, "1e-5">:$eps, StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = [{
    $input (`mask` $key_padding_mask^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def MT_TaskHeadOp : MT_ModelOp<"task_head", [], ["verifyAttributes"]> {
  let summary = "a task's output layer";
  let description = [{
    A `nn.Linear(D, out_features)` on the features selected by `pooling`:
    `token`: row `task` of a task-attention output `[B, T, D]` -> `[B, out]`;
    `mean` / `first`: the mean / the first position of `[B, S, D]` ->
    `[B, out]`; `none`: every position, `[B, S, D]` -> `[B, S, out]` (the
    seed's per-position outputs). Parameters: `<path>.weight` `[out, D]`,
    `<path>.bias` `[out]`.

    ```mlir
    %p = mt.task_head %z {task = 0, out_features = 10, pooling = "token", path = "heads.digit"}
        : (tensor<?x3x128xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input, MT_PositiveI64:$out_features,
                   MT_Pooling:$pooling, OptionalAttr<MT_NonNegativeI64>:$task,
                   StrAttr:$path);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_MultitaskLossOp
    : MT_ModelOp<"multitask_loss", [AttrSizedOperandSegments],
                 ["verifyAttributes"]> {
  let summary = "weighted multitask loss over the task heads";
  let description = [{
    `loss = sum_j w_j L_j`; `L_j` is the mean, over the examples labelled
    for task `j` (column `j` of `mask`, all examples without a mask), of
    the per-task loss named in `kinds`:
    - `cross_entropy`: logits `[B, ..., C]`, labels i32 `[B, ...]`;
    - `binary_cross_entropy`: logits `[B, ..., 1]`, labels f32 `[B, ...]`;
    - `mse`: predictions and f32 labels of the same shape.
    `balance` picks how `w_j` is set (`static` uses `weights`;
    `uncertainty` learns `<path>.log_vars` `[T]`; `gradnorm` learns
    `<path>.task_weights` `[T]` with asymmetry `gradnorm_alpha`; `dwa` uses
    temperature `dwa_temperature`), `surgery = "pcgrad"` projects
    conflicting per-task gradients. Results: the total loss and the
    per-task losses `[T]`.

    ```mlir
    %loss, %per_task = mt.multitask_loss (%p0, %p1) labels (%y0, %y1)
        {tasks = ["digit", "parity"], kinds = ["cross_entropy", "binary_cross_entropy"],
         weights = [1.0, 0.5]}
        : (tensor<?x10xf32>, tensor<?x1xf32>, tensor<?xi32>, tensor<?xf32>) -> (tensor<f32>, tensor<2xf32>)
    ```
  }];
  let arguments = (ins Variadic<MT_F32Tensor>:$predictions,
                   Variadic<MT_NumericTensor>:$labels,
                   Optional<MT_MaskTensor>:$mask,
                   StrArrayAttr:$tasks, StrArrayAttr:$kinds,
                   F64ArrayAttr:$weights,
                   DefaultValuedAttr<MT_Balance, "\"static\"">:$balance,
                   DefaultValuedAttr<MT_Surgery, "\"none\"">:$surgery,
                   DefaultValuedAttr<F64Attr, "1.5">:$gradnorm_alpha,
                   DefaultValuedAttr<F64Attr, "2.0">:$dwa_temperature,
                   OptionalAttr<StrAttr>:$path);
  let results = (outs MT_F32Tensor:$loss, MT_F32Tensor:$task_losses);
  let assemblyFormat = [{
    `(` $predictions `)` `labels` `(` $labels `)` (`mask` `(` $mask^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def MT_ParamOp : Op<MT_Dialect, "param", [Symbol, HasParent<"::mlir::ModuleOp">,
                                           MT_InjectiveKind]> {
  let summary = "a named, trainable model parameter";
  let description = [{
    Made explicit by `mt-materialize-params`, one per parameter of the
    model ops, named as in PyTorch's state_dict. `init` is PyTorch's rule:
    `uniform` draws from `U(-scale, scale)`, `normal` from `N(0, scale^2)`.

    ```mlir
    mt.param @"encoder.layers.0.norm1.weight" : tensor<512xf32> {init = "ones"}
    mt.param @"input_proj.weight" : tensor<512x32xf32> {init = "uniform", scale = 0.17677669529663687}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                   TypeAttr:$type, MT_Init:$init,
                   OptionalAttr<F64Attr>:$scale);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let verifier = [{ return ::mt::verifyParamOp(*this); }];
}

def MT_ParamRefOp : Op<MT_Dialect, "param_ref", [NoSideEffect,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>, MT_InjectiveKind]> {
  let summary = "reads a parameter's current value";
  let description = [{
    ```mlir
    %w = mt.param_ref @"input_proj.weight" : tensor<512x32xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$parameter);
  let results = (outs MT_RankedF32Tensor:$result);
  let assemblyFormat = "$parameter attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Primitive ops: linear algebra
//===----------------------------------------------------------------------===//

def MT_MatmulOp : MT_Op<"matmul", [MT_OutEWiseFusableKind]> {
  let summary = "matrix product with a 2-D right-hand side";
  let description = [{
    `lhs [..., M, K]` times `rhs [K, N]` (or `rhs [N, K]` with
    `transpose_rhs`, PyTorch's `[out, in]` weight layout) -> `[..., M, N]`;
    leading dimensions of `lhs` are batch dimensions.

    ```mlir
    %y = mt.matmul %x, %w {transpose_rhs = true}
        : (tensor<?x16x64xf32>, tensor<128x64xf32>) -> tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$lhs, MT_F32Tensor:$rhs,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def MT_BatchMatmulOp : MT_Op<"batch_matmul", [MT_OutEWiseFusableKind]> {
  let summary = "batched matrix product";
  let description = [{
    `lhs [b..., M, K]` times `rhs [b..., K, N]` -> `[b..., M, N]` with equal
    batch dimensions; `transpose_lhs` / `transpose_rhs` swap the last two
    dimensions of an operand first.

    ```mlir
    %s = mt.batch_matmul %q, %k {transpose_rhs = true}
        : (tensor<?x4x16x32xf32>, tensor<?x4x16x32xf32>) -> tensor<?x4x16x16xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$lhs, MT_F32Tensor:$rhs,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def MT_ContractLeadingOp : MT_Op<"contract_leading", [MT_OutEWiseFusableKind]> {
  let summary = "lhs^T rhs summed over every leading dimension";
  let description = [{
    `lhs [d..., M]` and `rhs [d..., N]` with equal leading dimensions ->
    `[M, N]`, `result[m, n] = sum over d... of lhs[d..., m] * rhs[d..., n]`:
    one matrix product whose contraction runs over the batch and every other
    leading dimension. mt-autodiff writes a matmul's weight gradient this
    way, so that no per-example product is ever materialized.

    ```mlir
    %dw = mt.contract_leading %dy, %x
        : (tensor<?x16x128xf32>, tensor<?x16x64xf32>) -> tensor<128x64xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$lhs, MT_F32Tensor:$rhs);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Primitive ops: elementwise
//===----------------------------------------------------------------------===//

def MT_AddOp : MT_BinaryOp<"add", "lhs + rhs">;
def MT_SubOp : MT_BinaryOp<"sub", "lhs - rhs">;
def MT_MulOp : MT_BinaryOp<"mul", "lhs * rhs">;
def MT_DivOp : MT_BinaryOp<"div", "lhs / rhs">;
def MT_MaxOp : MT_BinaryOp<"max", "max(lhs, rhs)">;
def MT_MinOp : MT_BinaryOp<"min", "min(lhs, rhs)">;
def MT_PowOp : MT_BinaryOp<"pow", "lhs ^ rhs">;

def MT_ExpOp : MT_UnaryOp<"exp", "exp(x)">;
def MT_LogOp : MT_UnaryOp<"log", "log(x)">;
def MT_TanhOp : MT_UnaryOp<"tanh", "tanh(x)">;
def MT_ErfOp : MT_UnaryOp<"erf", "erf(x)">;
def MT_SqrtOp : MT_UnaryOp<"sqrt", "sqrt(x)">;
def MT_RsqrtOp : MT_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def MT_NegOp : MT_UnaryOp<"neg", "-x">;
def MT_AbsOp : MT_UnaryOp<"abs", "|x|">;
def MT_SinOp : MT_UnaryOp<"sin", "sin(x)">;
def MT_CosOp : MT_UnaryOp<"cos", "cos(x)">;
def MT_ReluOp : MT_UnaryOp<"relu", "max(x, 0)">;
def MT_GeluOp : MT_UnaryOp<"gelu", "x * (1 + erf(x / sqrt(2))) / 2">;
def MT_SigmoidOp : MT_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;

def MT_CompareOp : MT_Op<"compare", [MT_ElementwiseKind]> {
  let summary = "elementwise comparison with broadcasting";
  let description = [{
    ```mlir
    %m = mt.compare %a, %b {predicate = "gt"}
        : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xi1>
    ```
  }];
  let arguments = (ins MT_NumericTensor:$lhs, MT_NumericTensor:$rhs,
                   MT_ComparePredicate:$predicate);
  let results = (outs MT_MaskTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def MT_SelectOp : MT_Op<"select", [MT_ElementwiseKind]> {
  let summary = "elementwise choice: condition ? on_true : on_false";
  let description = [{
    The three operands broadcast together.

    ```mlir
    %y = mt.select %m, %x, %zero
        : (tensor<?x8xi1>, tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xf32>
    ```
  }];
  let arguments = (ins MT_MaskTensor:$condition, MT_NumericTensor:$on_true,
                   MT_NumericTensor:$on_false);
  let results = (outs MT_NumericTensor:$result);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:`
    functional-type(operands, results)
  }];
}

def MT_CastOp : MT_Op<"cast", [MT_ElementwiseKind]> {
  let summary = "element type conversion";
  let description = [{
    Converts between f32, i32 and i1 (float to int truncates toward zero;
    to i1 is `x != 0`); the shape is kept, the element type is the result's.

    ```mlir
    %f = mt.cast %mask : (tensor<?x3xi1>) -> tensor<?x3xf32>
    ```
  }];
  let arguments = (ins MT_AnyTensor:$input);
  let results = (outs MT_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_DropoutMaskOp : MT_Op<"dropout_mask", [MT_ElementwiseKind],
                             ["verifyAttributes"]> {
  let summary = "reproducible inverted-dropout scale factors";
  let description = [{
    A tensor shaped like `like` holding `0` with probability `rate` and
    `1 / (1 - rate)` otherwise, drawn from a counter-based hash of `seed`,
    `stream` (one per dropout site) and the element's index, so a step can
    be replayed exactly.

    The optional `first_row` (an i64 scalar) numbers the rows of `like`
    from there: a data-parallel rank that holds rows [r, r + n) of a global
    batch passes r and draws the mask one process would draw for those rows.

    ```mlir
    %m = mt.dropout_mask %h, %seed {rate = 1.0e-01, stream = 3}
        : (tensor<?x16x128xf32>, tensor<i64>) -> tensor<?x16x128xf32>
    %r = mt.dropout_mask %h, %seed, %first_row {rate = 1.0e-01, stream = 3}
        : (tensor<?x16x128xf32>, tensor<i64>, tensor<i64>) -> tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$like, MT_SeedTensor:$seed,
                   Optional<MT_SeedTensor>:$first_row, F64Attr:$rate,
                   MT_NonNegativeI64:$stream);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$like `,` $seed (`,` $first_row^)? attr-dict `:` "
                       "functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Primitive ops: reductions
//===----------------------------------------------------------------------===//

def MT_ReduceSumOp : MT_ReduceOp<"reduce_sum", "the sum">;
def MT_ReduceMaxOp : MT_ReduceOp<"reduce_max", "the maximum">;
def MT_ReduceMeanOp : MT_ReduceOp<"reduce_mean", "the mean">;

//===----------------------------------------------------------------------===//
// Primitive ops: data movement
//===----------------------------------------------------------------------===//

def MT_BroadcastInDimOp : MT_Op<"broadcast_in_dim", [MT_BroadcastKind]> {
  let summary = "broadcasts a tensor into a larger shape";
  let description = [{
    Operand dimension `i` becomes result dimension
    `broadcast_dimensions[i]` (increasing), where it must equal the
    result's extent or be 1; the other result dimensions are new. A new
    dynamic dimension is the batch size.

    ```mlir
    %z = mt.broadcast_in_dim %tokens {broadcast_dimensions = [1, 2]}
        : (tensor<3x128xf32>) -> tensor<?x3x128xf32>
    ```
  }];
  let arguments = (ins MT_AnyTensor:$input, I64ArrayAttr:$broadcast_dimensions);
  let results = (outs MT_RankedAnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_TransposeOp : MT_Op<"transpose", [MT_InjectiveKind]> {
  let summary = "permutes dimensions";
  let description = [{
    Result dimension `i` is operand dimension `permutation[i]`.

    ```mlir
    %t = mt.transpose %x {permutation = [0, 2, 1, 3]}
        : (tensor<?x16x4x32xf32>) -> tensor<?x4x16x32xf32>
    ```
  }];
  let arguments = (ins MT_AnyTensor:$input, I64ArrayAttr:$permutation);
  let results = (outs MT_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_ReshapeOp : MT_Op<"reshape", [MT_InjectiveKind]> {
  let summary = "reinterprets the row-major elements in a new shape";
  let description = [{
    The element count is kept. A dynamic batch dimension must stay the
    leading dimension of both shapes, so `?` keeps meaning the batch size.

    ```mlir
    %r = mt.reshape %x : (tensor<?x16x128xf32>) -> tensor<?x16x4x32xf32>
    ```
  }];
  let arguments = (ins MT_AnyTensor:$input);
  let results = (outs MT_RankedAnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_SliceOp : MT_Op<"slice", [MT_InjectiveKind]> {
  let summary = "takes `size` consecutive entries of one axis";
  let description = [{
    ```mlir
    %q = mt.slice %w {axis = 0, start = 0, size = 128}
        : (tensor<384x128xf32>) -> tensor<128x128xf32>
    ```
  }];
  let arguments = (ins MT_AnyTensor:$input, MT_NonNegativeI64:$axis,
                   MT_NonNegativeI64:$start, MT_PositiveI64:$size);
  let results = (outs MT_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_PadOp : MT_Op<"pad", [MT_InjectiveKind]> {
  let summary = "zero-pads one axis (the gradient of mt.slice)";
  let description = [{
    ```mlir
    %p = mt.pad %g {axis = 0, low = 128, high = 128}
        : (tensor<128x128xf32>) -> tensor<384x128xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$input, MT_NonNegativeI64:$axis,
                   MT_NonNegativeI64:$low, MT_NonNegativeI64:$high);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def MT_ConcatOp : MT_Op<"concat", [MT_InjectiveKind]> {
  let summary = "joins tensors along one axis";
  let description = [{
    ```mlir
    %c = mt.concat %a, %b {axis = 2}
        : (tensor<?x16x64xf32>, tensor<?x16x64xf32>) -> tensor<?x16x128xf32>
    ```
  }];
  let arguments = (ins Variadic<MT_AnyTensor>:$inputs, MT_NonNegativeI64:$axis);
  let results = (outs MT_AnyTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
}

def MT_GatherOp : MT_Op<"gather", [MT_InjectiveKind]> {
  let summary = "gathers rows of a table";
  let description = [{
    `result[i..., j...] = table[indices[i...], j...]`; an index outside the
    table is a runtime error.

    ```mlir
    %e = mt.gather %table, %ids : (tensor<1000x64xf32>, tensor<?x16xi32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins MT_F32Tensor:$table, MT_I32Tensor:$indices);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat =
      "$table `,` $indices attr-dict `:` functional-type(operands, results)";
}

def MT_ScatterAddOp : MT_Op<"scatter_add", [MT_OpaqueKind]> {
  let summary = "sums rows into a table (the gradient of mt.gather)";
  let description = [{
    `result = zeros([num_rows, j...])`, then
    `result[indices[i...], j...] += updates[i..., j...]`.

    ```mlir
    %g = mt.scatter_add %ids, %dy {num_rows = 1000}
        : (tensor<?x16xi32>, tensor<?x16x64xf32>) -> tensor<1000x64xf32>
    ```
  }];
  let arguments = (ins MT_I32Tensor:$indices, MT_F32Tensor:$updates,
                   MT_PositiveI64:$num_rows);
  let results = (outs MT_F32Tensor:$result);
  let assemblyFormat =
      "$indices `,` $updates attr-dict `:` functional-type(operands, results)";
}

def MT_OneHotOp : MT_Op<"one_hot", [MT_InjectiveKind]> {
  let summary = "one-hot encodes integer ids";
  let description = [{
    `result[i..., k] = (indices[i...] == k)` as f32 or i1 (the result's
    element type); an id outside `[0, depth)` gives a zero row.

    ```mlir
    %m = mt.one_hot %task {depth = 3} : (tensor<?xi32>) -> tensor<?x3xf32>
    ```
  }];
  let arguments = (ins MT_I32Tensor:$indices, MT_PositiveI64:$depth);
  let results = (outs TensorOf<[F32, I1]>:$result);
  let assemblyFormat = "$indices attr-dict `:` functional-type(operands, results)";
}

def MT_ConstantOp : MT_Op<"constant", [MT_InjectiveKind, ConstantLike,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a constant tensor";
  let description = [{
    ```mlir
    %c = mt.constant dense<1.0e-05> : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs MT_RankedAnyTensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

def MT_IotaOp : MT_Op<"iota", [MT_InjectiveKind]> {
  let summary = "the index along one dimension";
  let description = [{
    `result[i_0, ..., i_n] = i_dimension`.

    ```mlir
    %p = mt.iota {dimension = 0} : () -> tensor<16x128xf32>
    ```
  }];
  let arguments = (ins MT_NonNegativeI64:$dimension);
  let results = (outs MT_RankedNumericTensor:$result);
  let assemblyFormat = "attr-dict `:` functional-type(operands, results)";
}


//===----------------------------------------------------------------------===//
// Data parallelism
//===----------------------------------------------------------------------===//

// Not NoSideEffect: it is communication, which passes must neither drop,
// merge nor move.
def MT_AllReduceOp : Op<MT_Dialect, "all_reduce", [MT_OpaqueKind,
    DeclareOpInterfaceMethods<MT_ShapeInference>]> {
  let summary = "sums each tensor over the data-parallel ranks";
  let description = [{
    Result i is the element-wise sum of operand i over every rank of a
    data-parallel run; in one process it is operand i. A train step sums
    its per-task labelled counts and its gradients this way, between the
    backward pass and the update (mt-autodiff). It is its own kernel,
    which the generated host code runs by calling the runtime's reduction
    hook (mtc_training.set_all_reduce) instead of a Halide pipeline.

    ```mlir
    %c, %g = mt.all_reduce %counts, %grad
        : (tensor<3xf32>, tensor<16x4xf32>) -> (tensor<3xf32>, tensor<16x4xf32>)
    ```
  }];
  let arguments = (ins Variadic<MT_F32Tensor>:$inputs);
  let results = (outs Variadic<MT_F32Tensor>:$results);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let verifier = [{ return ::mt::verifyShapedOp(getOperation()); }];
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

def MT_KernelOp : Op<MT_Dialect, "kernel", [IsolatedFromAbove,
    SingleBlockImplicitTerminator<"YieldOp">, MT_OpaqueKind]> {
  let summary = "a group of primitives compiled into one Halide pipeline";
  let description = [{
    Made by `mt-outline-kernels`, one per `mt-fuse` group: the body computes
    the results from the block arguments (one per input); constants are
    cloned in, parameters and activations come in as inputs.
    `mt-plan-memory` adds `mt.result_slots`, one `[space, offset]` pair per
    result: space 0 is the static arena, 1 the per-example arena (offset in
    bytes per example), 2 an entry-point output (offset = its index).

    ```mlir
    %y = mt.kernel "k3_matmul" (%x, %w) : (tensor<?x8x4xf32>, tensor<16x4xf32>) -> tensor<?x8x16xf32> {
    ^bb0(%a: tensor<?x8x4xf32>, %b: tensor<16x4xf32>):
      %0 = mt.matmul %a, %b {transpose_rhs = true} : (tensor<?x8x4xf32>, tensor<16x4xf32>) -> tensor<?x8x16xf32>
      mt.yield %0 : tensor<?x8x16xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<MT_KernelTensor>:$inputs, StrAttr:$kernel_name);
  let results = (outs Variadic<MT_KernelTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kernel_name `(` $inputs `)` attr-dict `:` functional-type($inputs, results) $body
  }];
  let verifier = [{ return ::mt::verifyKernelOp(*this); }];
}

def MT_YieldOp : Op<MT_Dialect, "yield", [NoSideEffect, ReturnLike, Terminator,
                                           HasParent<"KernelOp">]> {
  let summary = "returns a kernel's results";
  let arguments = (ins Variadic<MT_KernelTensor>:$values);
  let builders = [OpBuilder<(ins), [{ /* empty yield */ }]>];
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // MT_OPS_TD
