// RUN: mt-opt %s -split-input-file --mt-infer-shapes --mt-prune-to-inference | FileCheck %s

// Tests that the entry point returns the predictions in task order, named
// by task, drops the loss, dropout and label arguments, and records id
// bounds for the runtime's checks.

// CHECK-LABEL: func @forward
// CHECK-SAME: (%[[X:.+]]: tensor<?x4x8xf32> {mt.input = "x"}, %[[T:.+]]: tensor<?xi32> {mt.id_bound = 2 : i64, mt.input = "task"})
// CHECK-SAME: -> (tensor<?x5xf32> {mt.output = "digit", mt.task_kind = "cross_entropy"}, tensor<?x1xf32> {mt.output = "value", mt.task_kind = "mse"})
// CHECK-NOT: mt.dropout
// CHECK: [[H:%.+]] = mt.task_encoder %[[X]], %[[T]]
// CHECK: [[P0:%.+]] = mt.task_head [[H]] {{.+}}path = "h0"
// CHECK: [[P1:%.+]] = mt.task_head [[H]] {{.+}}path = "h1"
// CHECK-NOT: mt.multitask_loss
// CHECK: return [[P0]], [[P1]] : tensor<?x5xf32>, tensor<?x1xf32>
func @forward(%x: tensor<?x4x8xf32> {mt.input = "x"}, %task: tensor<?xi32> {mt.input = "task"},
              %y0: tensor<?xi32> {mt.input = "y.digit"}, %y1: tensor<?x1xf32> {mt.input = "y.value"})
    -> (tensor<*xf32>, tensor<*xf32>) {
  %h = mt.task_encoder %x, %task {num_tasks = 2, path = "te"} : (tensor<?x4x8xf32>, tensor<?xi32>) -> tensor<*xf32>
  %d = mt.dropout %h {rate = 0.1} : (tensor<*xf32>) -> tensor<*xf32>
  %p0 = mt.task_head %d {out_features = 5, pooling = "mean", path = "h0"} : (tensor<*xf32>) -> tensor<*xf32>
  %p1 = mt.task_head %d {out_features = 1, pooling = "first", path = "h1"} : (tensor<*xf32>) -> tensor<*xf32>
  %l, %pt = mt.multitask_loss (%p0, %p1) labels (%y0, %y1)
      {tasks = ["digit", "value"], kinds = ["cross_entropy", "mse"], weights = [1.0, 1.0]}
      : (tensor<*xf32>, tensor<*xf32>, tensor<?xi32>, tensor<?x1xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %l, %pt : tensor<*xf32>, tensor<*xf32>
}
