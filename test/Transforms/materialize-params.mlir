// RUN: mt-opt %s -split-input-file --mt-infer-shapes --mt-materialize-params | FileCheck %s
// RUN: mt-opt %s -split-input-file --mt-infer-shapes --mt-materialize-params --mt-materialize-params | FileCheck %s

// Tests that each model op's parameters become mt.param symbols named as in
// PyTorch, in program order, with PyTorch's init rules; the second RUN line
// shows the pass is idempotent.

// 80 (proj) + 1088 (attn: 4*16*16 + 4*16) + 32 (norm) + 160 (embed) + 34 (head) + 1 (loss)
// CHECK-LABEL: module attributes {mt.num_parameters = 1395 : i64}
// CHECK-NEXT: mt.param @proj.weight : tensor<16x4xf32> {init = "uniform", scale = 5.000000e-01 : f64}
// CHECK-NEXT: mt.param @proj.bias : tensor<16xf32> {init = "uniform", scale = 5.000000e-01 : f64}
// CHECK-NEXT: mt.param @attn.in_proj_weight : tensor<48x16xf32> {init = "uniform", scale = 0.30618621784789724 : f64}
// CHECK-NEXT: mt.param @attn.in_proj_bias : tensor<48xf32> {init = "zeros"}
// CHECK-NEXT: mt.param @attn.out_proj.weight : tensor<16x16xf32> {init = "uniform", scale = 2.500000e-01 : f64}
// CHECK-NEXT: mt.param @attn.out_proj.bias : tensor<16xf32> {init = "zeros"}
// CHECK-NEXT: mt.param @norm.weight : tensor<16xf32> {init = "ones"}
// CHECK-NEXT: mt.param @norm.bias : tensor<16xf32> {init = "zeros"}
// CHECK-NEXT: mt.param @embed.weight : tensor<10x16xf32> {init = "normal", scale = 1.000000e+00 : f64}
// CHECK-NEXT: mt.param @head.weight : tensor<2x16xf32> {init = "uniform", scale = 2.500000e-01 : f64}
// CHECK-NEXT: mt.param @head.bias : tensor<2xf32> {init = "uniform", scale = 2.500000e-01 : f64}
// CHECK-NEXT: mt.param @loss.task_weights : tensor<1xf32> {init = "ones"}
// CHECK-NOT: mt.param
// CHECK-LABEL: func @layers
func @layers(%x: tensor<?x3x4xf32>, %ids: tensor<?x3xi32>, %y: tensor<?xi32>) -> tensor<*xf32> {
  // CHECK: mt.dense %{{.+}} {{.+}}path = "proj"
  %0 = mt.dense %x {out_features = 16, path = "proj"} : (tensor<?x3x4xf32>) -> tensor<*xf32>
  %1 = mt.attention %0, %0, %0 {num_heads = 2, path = "attn"} : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %2 = mt.layer_norm %1 {path = "norm"} : (tensor<*xf32>) -> tensor<*xf32>
  %3 = mt.embedding %ids {num_embeddings = 10, embedding_dim = 16, path = "embed"} : (tensor<?x3xi32>) -> tensor<*xf32>
  %4 = mt.add %2, %3 : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %5 = mt.task_head %4 {out_features = 2, pooling = "first", path = "head"} : (tensor<*xf32>) -> tensor<*xf32>
  %l, %pt = mt.multitask_loss (%5) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0],
                                                  balance = "gradnorm", path = "loss"}
      : (tensor<*xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %l : tensor<*xf32>
}

// -----

// Tests the composite ops' nested names: encoder layers, pre-LN with a final
// norm, learned positions, feed-forward, task attention, the task encoder.

// CHECK-LABEL: module attributes
// CHECK-NEXT: mt.param @pos.weight : tensor<8x8xf32> {init = "normal"
// CHECK-NEXT: mt.param @te.weight : tensor<8x3xf32> {init = "uniform", scale = 0.57735026918962584 : f64}
// CHECK-NEXT: mt.param @te.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @enc.layers.0.self_attn.in_proj_weight : tensor<24x8xf32>
// CHECK-NEXT: mt.param @enc.layers.0.self_attn.in_proj_bias : tensor<24xf32>
// CHECK-NEXT: mt.param @enc.layers.0.self_attn.out_proj.weight : tensor<8x8xf32>
// CHECK-NEXT: mt.param @enc.layers.0.self_attn.out_proj.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @enc.layers.0.linear1.weight : tensor<32x8xf32>
// CHECK-NEXT: mt.param @enc.layers.0.linear1.bias : tensor<32xf32>
// CHECK-NEXT: mt.param @enc.layers.0.linear2.weight : tensor<8x32xf32>
// CHECK-NEXT: mt.param @enc.layers.0.linear2.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @enc.layers.0.norm1.weight : tensor<8xf32>
// CHECK-NEXT: mt.param @enc.layers.0.norm1.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @enc.layers.0.norm2.weight : tensor<8xf32>
// CHECK-NEXT: mt.param @enc.layers.0.norm2.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @enc.layers.1.self_attn.in_proj_weight : tensor<24x8xf32>
// CHECK:      mt.param @enc.layers.1.norm2.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @enc.norm.weight : tensor<8xf32> {init = "ones"}
// CHECK-NEXT: mt.param @enc.norm.bias : tensor<8xf32> {init = "zeros"}
// CHECK-NEXT: mt.param @ffn.linear1.weight : tensor<16x8xf32>
// CHECK-NEXT: mt.param @ffn.linear1.bias : tensor<16xf32>
// CHECK-NEXT: mt.param @ffn.linear2.weight : tensor<8x16xf32> {init = "uniform", scale = 2.500000e-01 : f64}
// CHECK-NEXT: mt.param @ffn.linear2.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @ta.task_tokens : tensor<3x8xf32> {init = "normal", scale = 1.000000e+00 : f64}
// CHECK-NEXT: mt.param @ta.cross_attn.in_proj_weight : tensor<24x8xf32>
// CHECK-NEXT: mt.param @ta.cross_attn.in_proj_bias : tensor<24xf32>
// CHECK-NEXT: mt.param @ta.cross_attn.out_proj.weight : tensor<8x8xf32>
// CHECK-NEXT: mt.param @ta.cross_attn.out_proj.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @ta.norm1.weight : tensor<8xf32>
// CHECK-NEXT: mt.param @ta.norm1.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @ta.self_attn.in_proj_weight : tensor<24x8xf32>
// CHECK-NEXT: mt.param @ta.self_attn.in_proj_bias : tensor<24xf32>
// CHECK-NEXT: mt.param @ta.self_attn.out_proj.weight : tensor<8x8xf32>
// CHECK-NEXT: mt.param @ta.self_attn.out_proj.bias : tensor<8xf32>
// CHECK-NEXT: mt.param @ta.norm2.weight : tensor<8xf32>
// CHECK-NEXT: mt.param @ta.norm2.bias : tensor<8xf32>
// CHECK-NOT: mt.param
// CHECK-LABEL: func @composites
func @composites(%x: tensor<?x4x8xf32>, %task: tensor<?xi32>) -> tensor<*xf32> {
  %0 = mt.positional_encoding %x {kind = "learned", max_len = 8, path = "pos"} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  %1 = mt.task_encoder %0, %task {num_tasks = 3, path = "te"} : (tensor<*xf32>, tensor<?xi32>) -> tensor<*xf32>
  %2 = mt.encoder %1 {num_layers = 2, num_heads = 2, ff_dim = 32, norm_first = true, final_norm = true, path = "enc"}
      : (tensor<*xf32>) -> tensor<*xf32>
  %3 = mt.feed_forward %2 {hidden = 16, path = "ffn"} : (tensor<*xf32>) -> tensor<*xf32>
  %4 = mt.task_attention %3 {num_tasks = 3, num_heads = 2, path = "ta"} : (tensor<*xf32>) -> tensor<*xf32>
  return %4 : tensor<*xf32>
}
