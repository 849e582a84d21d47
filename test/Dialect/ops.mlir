// RUN: mt-opt %s | mt-opt | FileCheck %s
// RUN: mt-opt %s --mlir-print-op-generic | mt-opt | FileCheck %s

// Tests that every model op prints and parses back unchanged.

// CHECK-LABEL: func @model_ops
func @model_ops(%x: tensor<?x16x32xf32>, %task: tensor<?xi32>,
                %tokens: tensor<?x16xi32>, %pad: tensor<?x16xi1>,
                %y: tensor<?xi32>, %b: tensor<?xf32>, %r: tensor<?x1xf32>,
                %m: tensor<?x3xi1>) -> tensor<f32> {
  // CHECK: [[D:%.+]] = mt.dense %{{.+}} {activation = "gelu", out_features = 64 : i64, path = "proj", use_bias = false} : (tensor<?x16x32xf32>) -> tensor<?x16x64xf32>
  %d = mt.dense %x {out_features = 64, activation = "gelu", use_bias = false, path = "proj"}
      : (tensor<?x16x32xf32>) -> tensor<?x16x64xf32>
  // CHECK: mt.embedding %{{.+}} {embedding_dim = 64 : i64, num_embeddings = 100 : i64, path = "embed"} : (tensor<?x16xi32>) -> tensor<?x16x64xf32>
  %e = mt.embedding %tokens {num_embeddings = 100, embedding_dim = 64, path = "embed"}
      : (tensor<?x16xi32>) -> tensor<?x16x64xf32>
  // CHECK: [[P:%.+]] = mt.positional_encoding [[D]] {kind = "sinusoidal", max_len = 16 : i64}
  %p = mt.positional_encoding %d {kind = "sinusoidal", max_len = 16}
      : (tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: mt.positional_encoding %{{.+}} {kind = "learned", max_len = 32 : i64, path = "pos"}
  %pl = mt.positional_encoding %e {kind = "learned", max_len = 32, path = "pos"}
      : (tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: [[T:%.+]] = mt.task_encoder [[P]], %{{.+}} {num_tasks = 3 : i64, path = "task_encoder"} : (tensor<?x16x64xf32>, tensor<?xi32>) -> tensor<?x16x64xf32>
  %t = mt.task_encoder %p, %task {num_tasks = 3, path = "task_encoder"}
      : (tensor<?x16x64xf32>, tensor<?xi32>) -> tensor<?x16x64xf32>
  // CHECK: mt.attention [[T]], [[T]], [[T]] mask %{{.+}} {dropout = 1.000000e-01 : f64, num_heads = 4 : i64, path = "attn"}
  %a = mt.attention %t, %t, %t mask %pad {num_heads = 4, dropout = 0.1, path = "attn"}
      : (tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<?x16xi1>) -> tensor<?x16x64xf32>
  // CHECK: mt.attention %{{.+}}, [[T]], [[T]] {num_heads = 2 : i64, path = "cross"} : (tensor<?x4x64xf32>
  %q = mt.slice %t {axis = 1, start = 0, size = 4} : (tensor<?x16x64xf32>) -> tensor<?x4x64xf32>
  %c = mt.attention %q, %t, %t {num_heads = 2, path = "cross"}
      : (tensor<?x4x64xf32>, tensor<?x16x64xf32>, tensor<?x16x64xf32>) -> tensor<?x4x64xf32>
  // CHECK: mt.feed_forward %{{.+}} {activation = "gelu", hidden = 128 : i64, path = "ffn"}
  %f = mt.feed_forward %a {hidden = 128, activation = "gelu", path = "ffn"}
      : (tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: mt.layer_norm %{{.+}} {eps = 1.000000e-03 : f64, path = "norm"}
  %n = mt.layer_norm %f {eps = 1.0e-3, path = "norm"} : (tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: mt.dropout %{{.+}} {rate = 5.000000e-01 : f64}
  %dr = mt.dropout %n {rate = 0.5} : (tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: mt.add %{{.+}}, %{{.+}} : (tensor<?x16x64xf32>, tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  %res = mt.add %dr, %t : (tensor<?x16x64xf32>, tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: mt.encoder_layer %{{.+}} mask %{{.+}} {ff_dim = 128 : i64, norm_first = true, num_heads = 4 : i64, path = "layer"}
  %l = mt.encoder_layer %res mask %pad {num_heads = 4, ff_dim = 128, norm_first = true, path = "layer"}
      : (tensor<?x16x64xf32>, tensor<?x16xi1>) -> tensor<?x16x64xf32>
  // CHECK: [[ENC:%.+]] = mt.encoder %{{.+}} {activation = "gelu", dropout = 0.000000e+00 : f64, eps = 1.000000e-03 : f64, ff_dim = 128 : i64, final_norm = true, num_heads = 4 : i64, num_layers = 2 : i64, path = "encoder"}
  %enc = mt.encoder %l {num_layers = 2, num_heads = 4, ff_dim = 128, dropout = 0.0,
                        activation = "gelu", eps = 1.0e-3, final_norm = true, path = "encoder"}
      : (tensor<?x16x64xf32>) -> tensor<?x16x64xf32>
  // CHECK: [[Z:%.+]] = mt.task_attention [[ENC]] mask %{{.+}} {num_heads = 4 : i64, num_tasks = 3 : i64, path = "task_attn"} : (tensor<?x16x64xf32>, tensor<?x16xi1>) -> tensor<?x3x64xf32>
  %z = mt.task_attention %enc mask %pad {num_tasks = 3, num_heads = 4, path = "task_attn"}
      : (tensor<?x16x64xf32>, tensor<?x16xi1>) -> tensor<?x3x64xf32>
  // CHECK: [[H0:%.+]] = mt.task_head [[Z]] {out_features = 10 : i64, path = "heads.digit", pooling = "token", task = 0 : i64} : (tensor<?x3x64xf32>) -> tensor<?x10xf32>
  %h0 = mt.task_head %z {task = 0, out_features = 10, pooling = "token", path = "heads.digit"}
      : (tensor<?x3x64xf32>) -> tensor<?x10xf32>
  // CHECK: [[H1:%.+]] = mt.task_head [[ENC]] {out_features = 1 : i64, path = "heads.parity", pooling = "mean"} : (tensor<?x16x64xf32>) -> tensor<?x1xf32>
  %h1 = mt.task_head %enc {out_features = 1, pooling = "mean", path = "heads.parity"}
      : (tensor<?x16x64xf32>) -> tensor<?x1xf32>
  // CHECK: [[H2:%.+]] = mt.task_head [[ENC]] {out_features = 1 : i64, path = "heads.value", pooling = "first"}
  %h2 = mt.task_head %enc {out_features = 1, pooling = "first", path = "heads.value"}
      : (tensor<?x16x64xf32>) -> tensor<?x1xf32>
  // CHECK: mt.task_head [[ENC]] {out_features = 2 : i64, path = "heads.tags", pooling = "none"} : (tensor<?x16x64xf32>) -> tensor<?x16x2xf32>
  %h3 = mt.task_head %enc {out_features = 2, pooling = "none", path = "heads.tags"}
      : (tensor<?x16x64xf32>) -> tensor<?x16x2xf32>
  // CHECK: [[LOSS:%.+]], %{{.+}} = mt.multitask_loss([[H0]], [[H1]], [[H2]]) labels(%{{.+}}, %{{.+}}, %{{.+}}) mask(%{{.+}}) {balance = "gradnorm", gradnorm_alpha = 1.000000e+00 : f64, kinds = ["cross_entropy", "binary_cross_entropy", "mse"], path = "loss", surgery = "pcgrad", tasks = ["digit", "parity", "value"], weights = [1.000000e+00, 5.000000e-01, 2.000000e+00]} : (tensor<?x10xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?xi32>, tensor<?xf32>, tensor<?x1xf32>, tensor<?x3xi1>) -> (tensor<f32>, tensor<3xf32>)
  %loss, %per_task = mt.multitask_loss (%h0, %h1, %h2) labels (%y, %b, %r) mask (%m)
      {tasks = ["digit", "parity", "value"],
       kinds = ["cross_entropy", "binary_cross_entropy", "mse"],
       weights = [1.0, 0.5, 2.0], balance = "gradnorm", gradnorm_alpha = 1.0,
       surgery = "pcgrad", path = "loss"}
      : (tensor<?x10xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?xi32>,
         tensor<?xf32>, tensor<?x1xf32>, tensor<?x3xi1>) -> (tensor<f32>, tensor<3xf32>)
  // CHECK: return [[LOSS]]
  return %loss : tensor<f32>
}

// CHECK: mt.param @w : tensor<4x8xf32> {init = "uniform", scale = 5.000000e-01 : f64}
mt.param @w : tensor<4x8xf32> {init = "uniform", scale = 0.5}
// CHECK: mt.param @layer.0.norm.weight : tensor<8xf32> {init = "ones"}
mt.param @"layer.0.norm.weight" : tensor<8xf32> {init = "ones"}

// Tests that every primitive op prints and parses back unchanged.

// CHECK-LABEL: func @primitive_ops
func @primitive_ops(%x: tensor<?x8x4xf32>, %v: tensor<4xf32>, %i: tensor<?x8xi32>,
                    %seed: tensor<i64>) -> tensor<?x8x4xf32> {
  // CHECK: [[W:%.+]] = mt.param_ref @w : tensor<4x8xf32>
  %w = mt.param_ref @w : tensor<4x8xf32>
  // CHECK: mt.matmul %{{.+}}, [[W]] : (tensor<?x8x4xf32>, tensor<4x8xf32>) -> tensor<?x8x8xf32>
  %mm = mt.matmul %x, %w : (tensor<?x8x4xf32>, tensor<4x8xf32>) -> tensor<?x8x8xf32>
  // CHECK: mt.matmul %{{.+}}, [[W]] {transpose_rhs = true} : (tensor<?x8x8xf32>, tensor<4x8xf32>) -> tensor<?x8x4xf32>
  %mt = mt.matmul %mm, %w {transpose_rhs = true} : (tensor<?x8x8xf32>, tensor<4x8xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.batch_matmul %{{.+}}, %{{.+}} {transpose_rhs = true} : (tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x8x8xf32>
  %bm = mt.batch_matmul %x, %x {transpose_rhs = true} : (tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x8x8xf32>
  // CHECK: mt.batch_matmul %{{.+}}, %{{.+}} {transpose_lhs = true} : (tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x4x4xf32>
  %bt = mt.batch_matmul %x, %x {transpose_lhs = true} : (tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x4x4xf32>
  // CHECK: mt.contract_leading %{{.+}}, %{{.+}} : (tensor<?x8x4xf32>, tensor<?x8x8xf32>) -> tensor<4x8xf32>
  %cl = mt.contract_leading %x, %mm : (tensor<?x8x4xf32>, tensor<?x8x8xf32>) -> tensor<4x8xf32>
  // CHECK: mt.add %{{.+}}, %{{.+}} : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32>
  %0 = mt.add %x, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.sub
  %1 = mt.sub %0, %x : (tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.mul
  %2 = mt.mul %1, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.div
  %3 = mt.div %2, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.max
  %4 = mt.max %3, %x : (tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.min
  %5 = mt.min %4, %x : (tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.pow
  %6 = mt.pow %5, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.exp %{{.+}} : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  %7 = mt.exp %6 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.log
  %8 = mt.log %7 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.tanh
  %9 = mt.tanh %8 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.erf
  %10 = mt.erf %9 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.sqrt
  %11 = mt.sqrt %10 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.rsqrt
  %12 = mt.rsqrt %11 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.neg
  %13 = mt.neg %12 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.abs
  %14 = mt.abs %13 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.sin
  %15 = mt.sin %14 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.cos
  %16 = mt.cos %15 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.relu
  %17 = mt.relu %16 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.gelu
  %18 = mt.gelu %17 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.sigmoid
  %19 = mt.sigmoid %18 : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: [[C:%.+]] = mt.compare %{{.+}}, %{{.+}} {predicate = "gt"} : (tensor<?x8x4xf32>, tensor<f32>) -> tensor<?x8x4xi1>
  %zero = mt.constant dense<0.0> : tensor<f32>
  %c = mt.compare %19, %zero {predicate = "gt"} : (tensor<?x8x4xf32>, tensor<f32>) -> tensor<?x8x4xi1>
  // CHECK: mt.compare %{{.+}}, %{{.+}} {predicate = "eq"} : (tensor<?x8xi32>, tensor<?x8xi32>) -> tensor<?x8xi1>
  %ci = mt.compare %i, %i {predicate = "eq"} : (tensor<?x8xi32>, tensor<?x8xi32>) -> tensor<?x8xi1>
  // CHECK: mt.select [[C]], %{{.+}}, %{{.+}} : (tensor<?x8x4xi1>, tensor<?x8x4xf32>, tensor<f32>) -> tensor<?x8x4xf32>
  %s = mt.select %c, %19, %zero : (tensor<?x8x4xi1>, tensor<?x8x4xf32>, tensor<f32>) -> tensor<?x8x4xf32>
  // CHECK: mt.cast [[C]] : (tensor<?x8x4xi1>) -> tensor<?x8x4xf32>
  %cf = mt.cast %c : (tensor<?x8x4xi1>) -> tensor<?x8x4xf32>
  // CHECK: mt.dropout_mask %{{.+}}, %{{.+}} {rate = 1.000000e-01 : f64, stream = 3 : i64} : (tensor<?x8x4xf32>, tensor<i64>) -> tensor<?x8x4xf32>
  %dm = mt.dropout_mask %s, %seed {rate = 0.1, stream = 3} : (tensor<?x8x4xf32>, tensor<i64>) -> tensor<?x8x4xf32>
  // CHECK: mt.reduce_sum %{{.+}} {axis = 2 : i64} : (tensor<?x8x4xf32>) -> tensor<?x8xf32>
  %rs = mt.reduce_sum %dm {axis = 2} : (tensor<?x8x4xf32>) -> tensor<?x8xf32>
  // CHECK: mt.reduce_max %{{.+}} {axis = 2 : i64, keep_dims = true} : (tensor<?x8x4xf32>) -> tensor<?x8x1xf32>
  %rx = mt.reduce_max %dm {axis = 2, keep_dims = true} : (tensor<?x8x4xf32>) -> tensor<?x8x1xf32>
  // CHECK: mt.reduce_mean %{{.+}} {axis = 0 : i64} : (tensor<?x8x4xf32>) -> tensor<8x4xf32>
  %rm = mt.reduce_mean %dm {axis = 0} : (tensor<?x8x4xf32>) -> tensor<8x4xf32>
  // CHECK: mt.broadcast_in_dim %{{.+}} {broadcast_dimensions = [1, 2]} : (tensor<8x4xf32>) -> tensor<?x8x4xf32>
  %bc = mt.broadcast_in_dim %rm {broadcast_dimensions = [1, 2]} : (tensor<8x4xf32>) -> tensor<?x8x4xf32>
  // CHECK: mt.transpose %{{.+}} {permutation = [0, 2, 1]} : (tensor<?x8x4xf32>) -> tensor<?x4x8xf32>
  %tr = mt.transpose %bc {permutation = [0, 2, 1]} : (tensor<?x8x4xf32>) -> tensor<?x4x8xf32>
  // CHECK: mt.reshape %{{.+}} : (tensor<?x4x8xf32>) -> tensor<?x32xf32>
  %rh = mt.reshape %tr : (tensor<?x4x8xf32>) -> tensor<?x32xf32>
  // CHECK: mt.slice %{{.+}} {axis = 1 : i64, size = 8 : i64, start = 4 : i64} : (tensor<?x32xf32>) -> tensor<?x8xf32>
  %sl = mt.slice %rh {axis = 1, start = 4, size = 8} : (tensor<?x32xf32>) -> tensor<?x8xf32>
  // CHECK: mt.pad %{{.+}} {axis = 1 : i64, high = 20 : i64, low = 4 : i64} : (tensor<?x8xf32>) -> tensor<?x32xf32>
  %pd = mt.pad %sl {axis = 1, low = 4, high = 20} : (tensor<?x8xf32>) -> tensor<?x32xf32>
  // CHECK: mt.concat %{{.+}}, %{{.+}} {axis = 1 : i64} : (tensor<?x32xf32>, tensor<?x8xf32>) -> tensor<?x40xf32>
  %cc = mt.concat %pd, %sl {axis = 1} : (tensor<?x32xf32>, tensor<?x8xf32>) -> tensor<?x40xf32>
  // CHECK: [[G:%.+]] = mt.gather %{{.+}}, %{{.+}} : (tensor<4x8xf32>, tensor<?x8xi32>) -> tensor<?x8x8xf32>
  %g = mt.gather %w, %i : (tensor<4x8xf32>, tensor<?x8xi32>) -> tensor<?x8x8xf32>
  // CHECK: mt.scatter_add %{{.+}}, [[G]] {num_rows = 4 : i64} : (tensor<?x8xi32>, tensor<?x8x8xf32>) -> tensor<4x8xf32>
  %sa = mt.scatter_add %i, %g {num_rows = 4} : (tensor<?x8xi32>, tensor<?x8x8xf32>) -> tensor<4x8xf32>
  // CHECK: mt.one_hot %{{.+}} {depth = 5 : i64} : (tensor<?x8xi32>) -> tensor<?x8x5xf32>
  %oh = mt.one_hot %i {depth = 5} : (tensor<?x8xi32>) -> tensor<?x8x5xf32>
  // CHECK: mt.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
  %k = mt.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  // CHECK: mt.iota {dimension = 1 : i64} : () -> tensor<?x8x4xf32>
  %io = mt.iota {dimension = 1} : () -> tensor<?x8x4xf32>
  // CHECK: mt.iota {dimension = 0 : i64} : () -> tensor<16xi32>
  %ii = mt.iota {dimension = 0} : () -> tensor<16xi32>
  return %io : tensor<?x8x4xf32>
}
