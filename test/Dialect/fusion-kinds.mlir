// RUN: mt-opt %s --mt-test-fusion-kinds -verify-diagnostics

// Tests that every op declares the fusion kind the fusion pass will read:
// elementwise < broadcast < injective < reduction < out-elementwise-fusable
// (matmul-like roots that absorb their epilogue) < opaque.

mt.param @w : tensor<4x8xf32> {init = "zeros"} // expected-remark {{fusion kind: injective}}

func @kinds(%x: tensor<?x8x4xf32>, %v: tensor<4xf32>, %i: tensor<?x8xi32>, %seed: tensor<i64>,
            %task: tensor<?xi32>, %h: tensor<?x8x8xf32>) {
  %w = mt.param_ref @w : tensor<4x8xf32> // expected-remark {{fusion kind: injective}}
  %mm = mt.matmul %x, %w : (tensor<?x8x4xf32>, tensor<4x8xf32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: out-elementwise-fusable}}
  %bm = mt.batch_matmul %x, %x {transpose_rhs = true} : (tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: out-elementwise-fusable}}
  %0 = mt.add %x, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %1 = mt.sub %x, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %2 = mt.mul %x, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %3 = mt.div %x, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %4 = mt.max %x, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %5 = mt.min %x, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %6 = mt.pow %x, %v : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %7 = mt.exp %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %8 = mt.log %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %9 = mt.tanh %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %10 = mt.erf %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %11 = mt.sqrt %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %12 = mt.rsqrt %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %13 = mt.neg %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %14 = mt.abs %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %15 = mt.sin %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %16 = mt.cos %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %17 = mt.relu %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %18 = mt.gelu %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %19 = mt.sigmoid %x : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %c = mt.compare %x, %x {predicate = "gt"} : (tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x8x4xi1> // expected-remark {{fusion kind: elementwise}}
  %s = mt.select %c, %x, %x : (tensor<?x8x4xi1>, tensor<?x8x4xf32>, tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %cf = mt.cast %c : (tensor<?x8x4xi1>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %dm = mt.dropout_mask %x, %seed {rate = 0.1, stream = 0} : (tensor<?x8x4xf32>, tensor<i64>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %d = mt.dropout %x {rate = 0.1} : (tensor<?x8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: elementwise}}
  %rs = mt.reduce_sum %x {axis = 2} : (tensor<?x8x4xf32>) -> tensor<?x8xf32> // expected-remark {{fusion kind: reduction}}
  %rx = mt.reduce_max %x {axis = 2} : (tensor<?x8x4xf32>) -> tensor<?x8xf32> // expected-remark {{fusion kind: reduction}}
  %rm = mt.reduce_mean %x {axis = 0} : (tensor<?x8x4xf32>) -> tensor<8x4xf32> // expected-remark {{fusion kind: reduction}}
  %bc = mt.broadcast_in_dim %rm {broadcast_dimensions = [1, 2]} : (tensor<8x4xf32>) -> tensor<?x8x4xf32> // expected-remark {{fusion kind: broadcast}}
  %tr = mt.transpose %x {permutation = [0, 2, 1]} : (tensor<?x8x4xf32>) -> tensor<?x4x8xf32> // expected-remark {{fusion kind: injective}}
  %rh = mt.reshape %x : (tensor<?x8x4xf32>) -> tensor<?x32xf32> // expected-remark {{fusion kind: injective}}
  %sl = mt.slice %rh {axis = 1, start = 0, size = 8} : (tensor<?x32xf32>) -> tensor<?x8xf32> // expected-remark {{fusion kind: injective}}
  %pd = mt.pad %sl {axis = 1, low = 0, high = 24} : (tensor<?x8xf32>) -> tensor<?x32xf32> // expected-remark {{fusion kind: injective}}
  %cc = mt.concat %pd, %rh {axis = 1} : (tensor<?x32xf32>, tensor<?x32xf32>) -> tensor<?x64xf32> // expected-remark {{fusion kind: injective}}
  %g = mt.gather %w, %i : (tensor<4x8xf32>, tensor<?x8xi32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: injective}}
  %sa = mt.scatter_add %i, %g {num_rows = 4} : (tensor<?x8xi32>, tensor<?x8x8xf32>) -> tensor<4x8xf32> // expected-remark {{fusion kind: opaque}}
  %oh = mt.one_hot %i {depth = 5} : (tensor<?x8xi32>) -> tensor<?x8x5xf32> // expected-remark {{fusion kind: injective}}
  %k = mt.constant dense<1.0> : tensor<4xf32> // expected-remark {{fusion kind: injective}}
  %io = mt.iota {dimension = 0} : () -> tensor<16xi32> // expected-remark {{fusion kind: injective}}
  %de = mt.dense %h {out_features = 8, path = "d"} : (tensor<?x8x8xf32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: opaque}}
  %em = mt.embedding %i {num_embeddings = 10, embedding_dim = 8, path = "e"} : (tensor<?x8xi32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: opaque}}
  %pe = mt.positional_encoding %h {kind = "sinusoidal", max_len = 8} : (tensor<?x8x8xf32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: opaque}}
  %te = mt.task_encoder %h, %task {num_tasks = 2, path = "t"} : (tensor<?x8x8xf32>, tensor<?xi32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: opaque}}
  %at = mt.attention %h, %h, %h {num_heads = 2, path = "a"} : (tensor<?x8x8xf32>, tensor<?x8x8xf32>, tensor<?x8x8xf32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: opaque}}
  %ff = mt.feed_forward %h {hidden = 16, path = "f"} : (tensor<?x8x8xf32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: opaque}}
  %ln = mt.layer_norm %h {path = "n"} : (tensor<?x8x8xf32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: opaque}}
  %el = mt.encoder_layer %h {num_heads = 2, ff_dim = 16, path = "l"} : (tensor<?x8x8xf32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: opaque}}
  %en = mt.encoder %h {num_layers = 1, num_heads = 2, ff_dim = 16, path = "enc"} : (tensor<?x8x8xf32>) -> tensor<?x8x8xf32> // expected-remark {{fusion kind: opaque}}
  %ta = mt.task_attention %h {num_tasks = 2, num_heads = 2, path = "ta"} : (tensor<?x8x8xf32>) -> tensor<?x2x8xf32> // expected-remark {{fusion kind: opaque}}
  %th = mt.task_head %ta {task = 0, out_features = 3, pooling = "token", path = "th"} : (tensor<?x2x8xf32>) -> tensor<?x3xf32> // expected-remark {{fusion kind: opaque}}
  %l, %pt = mt.multitask_loss (%th) labels (%task) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0]} : (tensor<?x3xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<1xf32>) // expected-remark {{fusion kind: opaque}}
  return
}
