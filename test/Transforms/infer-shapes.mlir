// RUN: mt-opt %s -split-input-file --mt-infer-shapes | FileCheck %s

// Tests that shapes flow through a model and into the function signature,
// keeping the batch dimension dynamic.

// CHECK-LABEL: func @model
// CHECK-SAME: -> (tensor<f32>, tensor<2xf32>)
func @model(%x: tensor<?x16x8xf32>, %task: tensor<?xi32>, %y: tensor<?xi32>, %r: tensor<?x1xf32>)
    -> (tensor<*xf32>, tensor<*xf32>) {
  // CHECK: [[H:%.+]] = mt.dense %{{.+}} {{.+}} : (tensor<?x16x8xf32>) -> tensor<?x16x32xf32>
  %h = mt.dense %x {out_features = 32, activation = "relu", path = "input_proj"}
      : (tensor<?x16x8xf32>) -> tensor<*xf32>
  // CHECK: [[T:%.+]] = mt.task_encoder [[H]], %{{.+}} {{.+}} : (tensor<?x16x32xf32>, tensor<?xi32>) -> tensor<?x16x32xf32>
  %t = mt.task_encoder %h, %task {num_tasks = 2, path = "task_encoder"}
      : (tensor<*xf32>, tensor<?xi32>) -> tensor<*xf32>
  // CHECK: [[E:%.+]] = mt.encoder [[T]] {{.+}} : (tensor<?x16x32xf32>) -> tensor<?x16x32xf32>
  %e = mt.encoder %t {num_layers = 1, num_heads = 4, ff_dim = 64, path = "encoder"}
      : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: [[Z:%.+]] = mt.task_attention [[E]] {{.+}} : (tensor<?x16x32xf32>) -> tensor<?x2x32xf32>
  %z = mt.task_attention %e {num_tasks = 2, num_heads = 4, path = "ta"}
      : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: [[P0:%.+]] = mt.task_head [[Z]] {{.+}} : (tensor<?x2x32xf32>) -> tensor<?x5xf32>
  %p0 = mt.task_head %z {task = 0, out_features = 5, pooling = "token", path = "h0"}
      : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: [[P1:%.+]] = mt.task_head [[Z]] {{.+}} : (tensor<?x2x32xf32>) -> tensor<?x1xf32>
  %p1 = mt.task_head %z {task = 1, out_features = 1, pooling = "token", path = "h1"}
      : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: [[L:%.+]], [[PT:%.+]] = mt.multitask_loss([[P0]], [[P1]]) {{.+}} -> (tensor<f32>, tensor<2xf32>)
  %l, %pt = mt.multitask_loss (%p0, %p1) labels (%y, %r)
      {tasks = ["a", "b"], kinds = ["cross_entropy", "mse"], weights = [1.0, 1.0]}
      : (tensor<*xf32>, tensor<*xf32>, tensor<?xi32>, tensor<?x1xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  // CHECK: return [[L]], [[PT]] : tensor<f32>, tensor<2xf32>
  return %l, %pt : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that primitives infer too: broadcasting, reductions, data movement.

// CHECK-LABEL: func @primitives
// CHECK-SAME: -> tensor<?x4x1xf32>
func @primitives(%x: tensor<?x8x4xf32>, %b: tensor<4xf32>, %i: tensor<?x3xi32>) -> tensor<*xf32> {
  // CHECK: mt.add %{{.+}}, %{{.+}} : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<?x8x4xf32>
  %0 = mt.add %x, %b : (tensor<?x8x4xf32>, tensor<4xf32>) -> tensor<*xf32>
  // CHECK: mt.transpose %{{.+}} {permutation = [0, 2, 1]} : (tensor<?x8x4xf32>) -> tensor<?x4x8xf32>
  %1 = mt.transpose %0 {permutation = [0, 2, 1]} : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: mt.batch_matmul %{{.+}}, %{{.+}} : (tensor<?x4x8xf32>, tensor<?x8x4xf32>) -> tensor<?x4x4xf32>
  %2 = mt.batch_matmul %1, %0 : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  // CHECK: mt.reduce_max %{{.+}} {axis = 2 : i64, keep_dims = true} : (tensor<?x4x4xf32>) -> tensor<?x4x1xf32>
  %3 = mt.reduce_max %2 {axis = 2, keep_dims = true} : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: mt.one_hot %{{.+}} {depth = 7 : i64} : (tensor<?x3xi32>) -> tensor<?x3x7xi1>
  %4 = mt.one_hot %i {depth = 7} : (tensor<?x3xi32>) -> tensor<*xi1>
  // CHECK: mt.compare %{{.+}}, %{{.+}} {predicate = "lt"} : (tensor<?x4x1xf32>, tensor<4xf32>) -> tensor<?x4x4xi1>
  %5 = mt.compare %3, %b {predicate = "lt"} : (tensor<*xf32>, tensor<4xf32>) -> tensor<*xi1>
  // CHECK: mt.slice %{{.+}} {{.+}} : (tensor<?x4x4xf32>) -> tensor<?x4x1xf32>
  %6 = mt.slice %2 {axis = 2, start = 3, size = 1} : (tensor<*xf32>) -> tensor<*xf32>
  return %6 : tensor<*xf32>
}

// -----

// Tests that ops already fully typed are left as they are.

// CHECK-LABEL: func @typed
// CHECK: mt.relu %{{.+}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
func @typed(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = mt.relu %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
