// RUN: mt-opt %s -split-input-file --mt-infer-shapes --mt-materialize-params --mt-decompose --mt-autodiff | FileCheck %s

// Tests that mt-autodiff builds the training entry points from @forward:
// optimizer state for every parameter (zeros, marked as state), train steps
// taking the hyperparameter vector, the dropout seed and the rank's first
// row, drawing dropout masks from them, summing the labelled counts and the
// gradients over the data-parallel ranks, returning every updated tensor by
// name and the losses, and an eval step returning the per-task sums.

// CHECK: mt.param @p.weight : tensor<3x4xf32>
// CHECK: mt.param @p.bias : tensor<3xf32>
// CHECK: mt.param @optimizer.m.p.weight : tensor<3x4xf32> {init = "zeros", mt.role = "optimizer_state"}
// CHECK: mt.param @optimizer.m.p.bias : tensor<3xf32> {init = "zeros", mt.role = "optimizer_state"}
// CHECK: mt.param @optimizer.v.p.weight : tensor<3x4xf32> {init = "zeros", mt.role = "optimizer_state"}
// CHECK: mt.param @optimizer.v.p.bias : tensor<3xf32> {init = "zeros", mt.role = "optimizer_state"}

// CHECK-LABEL: func @forward
// CHECK: mt.multitask_loss

// CHECK-LABEL: func @eval_step
// CHECK-SAME: (%{{.+}}: tensor<?x4xf32> {mt.input = "x"}, %{{.+}}: tensor<?xi32> {mt.input = "y.a"})
// CHECK-SAME: -> (tensor<1x5xf32> {mt.output = "eval_sums"})
// CHECK-SAME: mt.labels = ["y.a"]
// CHECK-NOT: mt.dropout
// CHECK-NOT: mt.multitask_loss
// CHECK: return

// CHECK-LABEL: func @train_step_sgd
// CHECK-SAME: %{{.+}}: tensor<12xf32> {mt.input = "hyper"}, %[[SEED:arg[0-9]+]]: tensor<i64> {mt.input = "seed"}, %[[ROW:arg[0-9]+]]: tensor<i64> {mt.input = "first_row"}
// CHECK-SAME: tensor<3x4xf32> {mt.updates = "p.weight"}
// CHECK-SAME: tensor<3xf32> {mt.updates = "p.bias"}
// CHECK-SAME: tensor<3x4xf32> {mt.updates = "optimizer.m.p.weight"}
// CHECK-SAME: tensor<3xf32> {mt.updates = "optimizer.m.p.bias"}
// CHECK-SAME: tensor<2xf32> {mt.output = "losses"}
// CHECK-SAME: mt.hyper = ["lr", "step", "beta1", "beta2", "eps", "weight_decay", "decoupled", "momentum", "dampening", "nesterov", "clip_norm", "task_weight.a"]
// CHECK: mt.dropout_mask %{{.+}}, %[[SEED]], %[[ROW]] {rate = 5.000000e-01 : f64, stream = 0 : i64}
// The labelled counts, then the losses and gradients, summed over the ranks.
// CHECK: mt.all_reduce %{{.+}} : (tensor<1xf32>) -> tensor<1xf32>
// CHECK: mt.all_reduce %{{.+}}, %{{.+}}, %{{.+}} : (tensor<1xf32>, tensor<3x4xf32>, tensor<3xf32>) -> (tensor<1xf32>, tensor<3x4xf32>, tensor<3xf32>)
// CHECK-NOT: mt.multitask_loss

// CHECK-LABEL: func @train_step_adam
// CHECK-SAME: tensor<3x4xf32> {mt.updates = "optimizer.v.p.weight"}
func @forward(%x: tensor<?x4xf32> {mt.input = "x"}, %y: tensor<?xi32> {mt.input = "y.a"})
    -> (tensor<*xf32>, tensor<*xf32>) {
  %d = mt.dropout %x {rate = 0.5} : (tensor<?x4xf32>) -> tensor<*xf32>
  %h = mt.dense %d {out_features = 3, path = "p"} : (tensor<*xf32>) -> tensor<*xf32>
  %l, %pt = mt.multitask_loss (%h) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0]}
      : (tensor<*xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %l, %pt : tensor<*xf32>, tensor<*xf32>
}
