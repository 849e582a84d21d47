// RUN: mt-opt %s -split-input-file --mt-infer-shapes --mt-materialize-params --mt-decompose | FileCheck %s

// Tests that a dense layer is x W^T + b followed by its activation.

// CHECK-LABEL: func @dense
// CHECK-DAG: [[W:%.+]] = mt.param_ref @p.weight : tensor<8x4xf32>
// CHECK-DAG: [[B:%.+]] = mt.param_ref @p.bias : tensor<8xf32>
// CHECK: [[M:%.+]] = mt.matmul %arg0, [[W]] {transpose_rhs = true} : (tensor<?x3x4xf32>, tensor<8x4xf32>) -> tensor<?x3x8xf32>
// CHECK: [[A:%.+]] = mt.add [[M]], [[B]]
// CHECK: [[G:%.+]] = mt.gelu [[A]]
// CHECK: return [[G]]
func @dense(%x: tensor<?x3x4xf32>) -> tensor<*xf32> {
  %0 = mt.dense %x {out_features = 8, activation = "gelu", path = "p"} : (tensor<?x3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that layer norm uses the biased variance with eps inside the root.

// CHECK-LABEL: func @layer_norm
// CHECK: [[MEAN:%.+]] = mt.reduce_mean %arg0 {axis = 2 : i64, keep_dims = true}
// CHECK: [[C:%.+]] = mt.sub %arg0, [[MEAN]]
// CHECK: [[SQ:%.+]] = mt.mul [[C]], [[C]]
// CHECK: [[VAR:%.+]] = mt.reduce_mean [[SQ]] {axis = 2 : i64, keep_dims = true}
// CHECK: [[EPS:%.+]] = mt.constant dense<9.99999974E-6> : tensor<f32>
// CHECK: [[VE:%.+]] = mt.add [[VAR]], [[EPS]]
// CHECK: [[INV:%.+]] = mt.rsqrt [[VE]]
// CHECK: [[N:%.+]] = mt.mul [[C]], [[INV]]
// CHECK: [[W:%.+]] = mt.param_ref @n.weight
// CHECK: [[NW:%.+]] = mt.mul [[N]], [[W]]
// CHECK: [[B:%.+]] = mt.param_ref @n.bias
// CHECK: mt.add [[NW]], [[B]]
func @layer_norm(%x: tensor<?x3x4xf32>) -> tensor<*xf32> {
  %0 = mt.layer_norm %x {path = "n"} : (tensor<?x3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that attention splits the packed projection, scales q by
// 1/sqrt(D/H) = 1/sqrt(4), masks padded keys with -inf and takes a
// max-shifted softmax per head.

// CHECK-LABEL: func @attention
// CHECK-DAG: [[W:%.+]] = mt.param_ref @a.in_proj_weight : tensor<24x8xf32>
// CHECK-DAG: [[WQ:%.+]] = mt.slice [[W]] {axis = 0 : i64, size = 8 : i64, start = 0 : i64}
// CHECK-DAG: [[WK:%.+]] = mt.slice [[W]] {axis = 0 : i64, size = 8 : i64, start = 8 : i64}
// CHECK-DAG: [[WV:%.+]] = mt.slice [[W]] {axis = 0 : i64, size = 8 : i64, start = 16 : i64}
// CHECK-DAG: mt.constant dense<5.000000e-01> : tensor<f32>
// CHECK: mt.reshape %{{.+}} : (tensor<?x5x8xf32>) -> tensor<?x5x2x4xf32>
// CHECK: mt.transpose %{{.+}} {permutation = [0, 2, 1, 3]} : (tensor<?x5x2x4xf32>) -> tensor<?x2x5x4xf32>
// CHECK: [[S:%.+]] = mt.batch_matmul %{{.+}}, %{{.+}} {transpose_rhs = true} : (tensor<?x2x5x4xf32>, tensor<?x2x5x4xf32>) -> tensor<?x2x5x5xf32>
// CHECK: [[MASK:%.+]] = mt.reshape %arg1 : (tensor<?x5xi1>) -> tensor<?x1x1x5xi1>
// CHECK: [[NEG:%.+]] = mt.constant dense<0xFF800000> : tensor<f32>
// CHECK: [[SEL:%.+]] = mt.select [[MASK]], [[NEG]], %{{.+}} : (tensor<?x1x1x5xi1>, tensor<f32>, tensor<f32>) -> tensor<?x1x1x5xf32>
// CHECK: [[MS:%.+]] = mt.add [[S]], [[SEL]]
// CHECK: [[MAX:%.+]] = mt.reduce_max [[MS]] {axis = 3 : i64, keep_dims = true}
// CHECK: [[SH:%.+]] = mt.sub [[MS]], [[MAX]]
// CHECK: [[E:%.+]] = mt.exp [[SH]]
// CHECK: [[SUM:%.+]] = mt.reduce_sum [[E]] {axis = 3 : i64, keep_dims = true}
// CHECK: [[P:%.+]] = mt.div [[E]], [[SUM]]
// CHECK: [[CTX:%.+]] = mt.batch_matmul [[P]], %{{.+}} : (tensor<?x2x5x5xf32>, tensor<?x2x5x4xf32>) -> tensor<?x2x5x4xf32>
// CHECK: [[T:%.+]] = mt.transpose [[CTX]] {permutation = [0, 2, 1, 3]}
// CHECK: [[R:%.+]] = mt.reshape [[T]] : (tensor<?x5x2x4xf32>) -> tensor<?x5x8xf32>
// CHECK: mt.param_ref @a.out_proj.weight
// CHECK: mt.matmul [[R]], %{{.+}} {transpose_rhs = true}
func @attention(%x: tensor<?x5x8xf32>, %pad: tensor<?x5xi1>) -> tensor<*xf32> {
  %0 = mt.attention %x, %x, %x mask %pad {num_heads = 2, path = "a"}
      : (tensor<?x5x8xf32>, tensor<?x5x8xf32>, tensor<?x5x8xf32>, tensor<?x5xi1>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that a post-LN encoder layer is norm1(x + SA(x)), norm2(. + FF(.))
// and keeps dropout as an op for the entry points to lower.

// CHECK-LABEL: func @encoder_layer
// CHECK: mt.param_ref @l.self_attn.in_proj_weight
// CHECK: mt.dropout %{{.+}} {rate = 1.000000e-01 : f64} : (tensor<?x2x5x5xf32>)
// CHECK: [[SA:%.+]] = mt.dropout %{{.+}} {rate = 1.000000e-01 : f64} : (tensor<?x5x8xf32>)
// CHECK: [[R1:%.+]] = mt.add %arg0, [[SA]]
// CHECK: mt.reduce_mean [[R1]]
// CHECK: mt.param_ref @l.norm1.weight
// CHECK: mt.param_ref @l.linear1.weight
// CHECK: mt.relu
// CHECK: mt.param_ref @l.linear2.weight
// CHECK: mt.param_ref @l.norm2.weight
// CHECK-NOT: mt.encoder_layer
func @encoder_layer(%x: tensor<?x5x8xf32>) -> tensor<*xf32> {
  %0 = mt.encoder_layer %x {num_heads = 2, ff_dim = 16, path = "l"} : (tensor<?x5x8xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that a pre-LN encoder normalises before each block and the stack
// ends with its final norm.

// CHECK-LABEL: func @pre_ln
// CHECK: [[M:%.+]] = mt.reduce_mean %arg0 {axis = 2 : i64, keep_dims = true}
// CHECK: mt.param_ref @e.layers.0.norm1.weight
// CHECK: mt.param_ref @e.layers.0.self_attn.in_proj_weight
// CHECK: mt.param_ref @e.layers.0.norm2.weight
// CHECK: mt.param_ref @e.layers.0.linear1.weight
// CHECK: mt.param_ref @e.norm.weight
func @pre_ln(%x: tensor<?x5x8xf32>) -> tensor<*xf32> {
  %0 = mt.encoder %x {num_layers = 1, num_heads = 2, ff_dim = 16, dropout = 0.0,
                      norm_first = true, final_norm = true, path = "e"} : (tensor<?x5x8xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests the task encoder (one-hot, linear, broadcast over positions), task
// attention's broadcast task tokens, and token / mean pooling heads.

// CHECK-LABEL: func @tasks
// CHECK: [[OH:%.+]] = mt.one_hot %arg1 {depth = 2 : i64} : (tensor<?xi32>) -> tensor<?x2xf32>
// CHECK: [[TE:%.+]] = mt.matmul [[OH]], %{{.+}} {transpose_rhs = true} : (tensor<?x2xf32>, tensor<8x2xf32>) -> tensor<?x8xf32>
// CHECK: [[TB:%.+]] = mt.add [[TE]]
// CHECK: [[TR:%.+]] = mt.reshape [[TB]] : (tensor<?x8xf32>) -> tensor<?x1x8xf32>
// CHECK: [[H:%.+]] = mt.add %arg0, [[TR]] : (tensor<?x5x8xf32>, tensor<?x1x8xf32>) -> tensor<?x5x8xf32>
// CHECK: [[TOK:%.+]] = mt.param_ref @ta.task_tokens : tensor<2x8xf32>
// CHECK: mt.broadcast_in_dim [[TOK]] {broadcast_dimensions = [1, 2]} : (tensor<2x8xf32>) -> tensor<?x2x8xf32>
// CHECK: mt.param_ref @ta.norm2.weight
// CHECK: [[ROW:%.+]] = mt.slice %{{.+}} {axis = 1 : i64, size = 1 : i64, start = 1 : i64} : (tensor<?x2x8xf32>) -> tensor<?x1x8xf32>
// CHECK: mt.reshape [[ROW]] : (tensor<?x1x8xf32>) -> tensor<?x8xf32>
// CHECK: mt.reduce_mean [[H]] {axis = 1 : i64{{.*}}} : (tensor<?x5x8xf32>) -> tensor<?x8xf32>
func @tasks(%x: tensor<?x5x8xf32>, %task: tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %h = mt.task_encoder %x, %task {num_tasks = 2, path = "te"} : (tensor<?x5x8xf32>, tensor<?xi32>) -> tensor<*xf32>
  %z = mt.task_attention %h {num_tasks = 2, num_heads = 2, path = "ta"} : (tensor<*xf32>) -> tensor<*xf32>
  %p = mt.task_head %z {task = 1, out_features = 3, pooling = "token", path = "h1"} : (tensor<*xf32>) -> tensor<*xf32>
  %q = mt.task_head %h {out_features = 3, pooling = "mean", path = "h2"} : (tensor<*xf32>) -> tensor<*xf32>
  return %p, %q : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests sinusoidal positions as a folded constant (sin at even columns, cos
// at odd ones: row 0 is [0, 1, 0, 1]), learned positions as a slice of the
// table, and embeddings as a gather.

// CHECK-LABEL: func @positions
// CHECK: [[PE:%.+]] = mt.constant dense<{{\[\[}}0.000000e+00, 1.000000e+00, 0.000000e+00, 1.000000e+00], [0.841470957, 0.540302277, 0.00999983306, 0.999949991]]> : tensor<2x4xf32>
// CHECK: mt.add %arg0, [[PE]] : (tensor<?x2x4xf32>, tensor<2x4xf32>) -> tensor<?x2x4xf32>
// CHECK: [[TABLE:%.+]] = mt.param_ref @pos.weight : tensor<6x4xf32>
// CHECK: mt.slice [[TABLE]] {axis = 0 : i64, size = 2 : i64, start = 0 : i64} : (tensor<6x4xf32>) -> tensor<2x4xf32>
// CHECK: [[E:%.+]] = mt.param_ref @emb.weight : tensor<7x4xf32>
// CHECK: mt.gather [[E]], %arg1 : (tensor<7x4xf32>, tensor<?x2xi32>) -> tensor<?x2x4xf32>
func @positions(%x: tensor<?x2x4xf32>, %ids: tensor<?x2xi32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = mt.positional_encoding %x {kind = "sinusoidal", max_len = 8} : (tensor<?x2x4xf32>) -> tensor<*xf32>
  %1 = mt.positional_encoding %x {kind = "learned", max_len = 6, path = "pos"} : (tensor<?x2x4xf32>) -> tensor<*xf32>
  %2 = mt.embedding %ids {num_embeddings = 7, embedding_dim = 4, path = "emb"} : (tensor<?x2xi32>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}
