// RUN: mt-opt %s -split-input-file --mt-infer-shapes --mt-materialize-params --mt-decompose --mt-autodiff -verify-diagnostics

// Tests that GradNorm is refused when no parameter is shared by two tasks:
// it has no last shared layer to measure gradient norms at.
func @forward(%x: tensor<?x4xf32> {mt.input = "x"}, %y: tensor<?xi32> {mt.input = "y.a"})
    -> (tensor<*xf32>, tensor<*xf32>) {
  %h = mt.dense %x {out_features = 3, path = "p"} : (tensor<?x4xf32>) -> tensor<*xf32>
  // expected-error @+1 {{balance 'gradnorm' needs a parameter shared by the predictions of at least two tasks (its last shared layer); this model has none}}
  %l, %pt = mt.multitask_loss (%h) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0], balance = "gradnorm", path = "loss"}
      : (tensor<*xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %l, %pt : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that a model without a loss cannot be trained.
// expected-error @+1 {{@forward has no mt.multitask_loss to train}}
func @forward(%x: tensor<?x4xf32> {mt.input = "x"}) -> tensor<*xf32> {
  %h = mt.dense %x {out_features = 3, path = "p"} : (tensor<?x4xf32>) -> tensor<*xf32>
  return %h : tensor<*xf32>
}
