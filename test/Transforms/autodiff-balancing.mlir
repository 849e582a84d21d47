// RUN: mt-opt %s -split-input-file --mt-infer-shapes --mt-materialize-params --mt-decompose --mt-autodiff | FileCheck %s

// Tests the IR mt-autodiff builds for the balancing rules that need
// per-task gradients, on a shared layer (`shared`, read by both tasks) and
// one head per task.

// PCGrad: the shared weight's gradient is taken once per task (L_0, then
// L_1, sliced from the per-task losses), the task order is drawn from the
// seed (the task-order stream of mt.dropout_mask, 16 bits per task), and
// each task pair is tested for a conflict (a negative dot product).

// CHECK-LABEL: func @train_step_sgd
// CHECK-SAME: %[[SEED:arg[0-9]+]]: tensor<i64> {mt.input = "seed"}
// CHECK-SAME: mt.surgery = "pcgrad"
// CHECK: mt.all_reduce %{{.+}} : (tensor<2xf32>) -> tensor<2xf32>
// CHECK: %[[PT:.+]] = mt.div %{{.+}}, %{{.+}} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK: mt.slice %[[PT]] {axis = 0 : i64, size = 1 : i64, start = 0 : i64}
// CHECK: mt.contract_leading %{{.+}}, %{{.+}} : (tensor<?x3xf32>, tensor<?x4xf32>) -> tensor<3x4xf32>
// CHECK: mt.slice %[[PT]] {axis = 0 : i64, size = 1 : i64, start = 1 : i64}
// CHECK: mt.contract_leading %{{.+}}, %{{.+}} : (tensor<?x3xf32>, tensor<?x4xf32>) -> tensor<3x4xf32>
// CHECK-NOT: mt.contract_leading {{.+}} -> tensor<3x4xf32>
// Summed over the ranks before PCGrad projects them: the per-task losses,
// the heads' gradients and both tasks' weighted shared gradients.
// CHECK: mt.all_reduce %[[PT]], {{.+}} : (tensor<2xf32>, tensor<2x3xf32>, tensor<2xf32>, tensor<1x3xf32>, tensor<1xf32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x4xf32>, tensor<3xf32>)
// CHECK: mt.dropout_mask %{{.+}}, %[[SEED]] {rate = 5.000000e-01 : f64, stream = 1099511627776 : i64} : (tensor<2x16xf32>, tensor<i64>) -> tensor<2x16xf32>
// CHECK: mt.compare %{{.+}}, %{{.+}} {predicate = "lt"} : (tensor<f32>, tensor<f32>) -> tensor<i1>
// CHECK: return
func @forward(%x: tensor<?x4xf32> {mt.input = "x"}, %ya: tensor<?xi32> {mt.input = "y.a"}, %yb: tensor<?x1xf32> {mt.input = "y.b"})
    -> (tensor<*xf32>, tensor<*xf32>) {
  %h = mt.dense %x {out_features = 3, path = "shared"} : (tensor<?x4xf32>) -> tensor<*xf32>
  %pa = mt.dense %h {out_features = 2, path = "heads.a"} : (tensor<*xf32>) -> tensor<*xf32>
  %pb = mt.dense %h {out_features = 1, path = "heads.b"} : (tensor<*xf32>) -> tensor<*xf32>
  %l, %pt = mt.multitask_loss (%pa, %pb) labels (%ya, %yb) {tasks = ["a", "b"], kinds = ["cross_entropy", "mse"], weights = [1.0, 1.0], surgery = "pcgrad"}
      : (tensor<*xf32>, tensor<*xf32>, tensor<?xi32>, tensor<?x1xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %l, %pt : tensor<*xf32>, tensor<*xf32>
}

// -----

// GradNorm: L_j(0) is balancing state; the task weights have no optimizer
// state and are returned by GradNorm's own update; the per-task gradients
// are taken at the last shared layer (shared.weight, not its bias), their
// norms feed the weights' update with r_j^alpha (alpha 1.25 here).

// CHECK: mt.param @loss.initial_losses : tensor<2xf32> {init = "zeros", mt.role = "balance_state"}
// CHECK-NOT: optimizer.{{[mv]}}.loss.task_weights
// CHECK-LABEL: func @train_step_sgd
// CHECK-SAME: tensor<2xf32> {mt.updates = "loss.task_weights"}, tensor<2xf32> {mt.updates = "loss.initial_losses"}, tensor<3xf32> {mt.output = "losses"}
// CHECK-SAME: mt.balance = "gradnorm"
// CHECK: %[[W:.+]] = mt.param_ref @loss.task_weights : tensor<2xf32>
// CHECK: %[[PT:.+]] = mt.div %{{.+}}, %{{.+}} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK: mt.slice %[[PT]] {axis = 0 : i64, size = 1 : i64, start = 0 : i64}
// CHECK: mt.contract_leading %{{.+}}, %{{.+}} : (tensor<?x3xf32>, tensor<?x4xf32>) -> tensor<3x4xf32>
// CHECK: mt.slice %[[PT]] {axis = 0 : i64, size = 1 : i64, start = 1 : i64}
// CHECK: mt.contract_leading %{{.+}}, %{{.+}} : (tensor<?x3xf32>, tensor<?x4xf32>) -> tensor<3x4xf32>
// Summed over the ranks before their norms: the losses, the gradients and
// both tasks' gradients of shared.weight.
// CHECK: %[[SUMS:.+]]:9 = mt.all_reduce %[[PT]], {{.+}} -> (tensor<2xf32>, {{.+}}, tensor<3x4xf32>, tensor<3x4xf32>)
// CHECK: mt.sqrt
// CHECK: mt.sqrt
// CHECK: %[[NORMS:.+]] = mt.concat %{{.+}}, %{{.+}} {axis = 0 : i64} : (tensor<1xf32>, tensor<1xf32>) -> tensor<2xf32>
// CHECK: %[[L0:.+]] = mt.param_ref @loss.initial_losses : tensor<2xf32>
// CHECK: mt.select %{{.+}}, %[[SUMS]]#0, %[[L0]]
// CHECK: mt.mul %[[W]], %[[NORMS]]
// CHECK: %[[ALPHA:.+]] = mt.constant dense<1.250000e+00> : tensor<f32>
// CHECK: mt.pow %{{.+}}, %[[ALPHA]] : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
// CHECK: mt.max %{{.+}}, %{{.+}} : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
// CHECK: return
func @forward(%x: tensor<?x4xf32> {mt.input = "x"}, %ya: tensor<?xi32> {mt.input = "y.a"}, %yb: tensor<?x1xf32> {mt.input = "y.b"})
    -> (tensor<*xf32>, tensor<*xf32>) {
  %h = mt.dense %x {out_features = 3, path = "shared"} : (tensor<?x4xf32>) -> tensor<*xf32>
  %pa = mt.dense %h {out_features = 2, path = "heads.a"} : (tensor<*xf32>) -> tensor<*xf32>
  %pb = mt.dense %h {out_features = 1, path = "heads.b"} : (tensor<*xf32>) -> tensor<*xf32>
  %l, %pt = mt.multitask_loss (%pa, %pb) labels (%ya, %yb) {tasks = ["a", "b"], kinds = ["cross_entropy", "mse"], weights = [1.0, 1.0], balance = "gradnorm", gradnorm_alpha = 1.25, path = "loss"}
      : (tensor<*xf32>, tensor<*xf32>, tensor<?xi32>, tensor<?x1xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %l, %pt : tensor<*xf32>, tensor<*xf32>
}
