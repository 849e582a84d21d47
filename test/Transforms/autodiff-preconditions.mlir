// RUN: mt-opt %s -split-input-file --mt-autodiff -verify-diagnostics

// Tests that the loss's own parameters must be materialized first.
func @forward(%x: tensor<?x2xf32> {mt.input = "x"}, %y: tensor<?xi32> {mt.input = "y.a"})
    -> (tensor<f32>, tensor<1xf32>) {
  // expected-error @+1 {{parameter 'loss.log_vars' is not materialized; run mt-materialize-params first}}
  %l, %pt = mt.multitask_loss (%x) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0], balance = "uncertainty", path = "loss"}
      : (tensor<?x2xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<1xf32>)
  return %l, %pt : tensor<f32>, tensor<1xf32>
}

// -----

// Tests that labels carry their dataset names.
mt.param @w : tensor<2x2xf32> {init = "zeros"}
// expected-error @+1 {{label argument #1 of @forward needs a dataset name, e.g. {mt.input = "y.<task>"}}}
func @forward(%x: tensor<?x2xf32> {mt.input = "x"}, %y: tensor<?xi32>)
    -> (tensor<f32>, tensor<1xf32>) {
  %w = mt.param_ref @w : tensor<2x2xf32>
  %h = mt.matmul %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  %l, %pt = mt.multitask_loss (%h) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0]}
      : (tensor<?x2xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<1xf32>)
  return %l, %pt : tensor<f32>, tensor<1xf32>
}

// -----

// Tests that the training entry points are built once.
// expected-error @+1 {{the training entry points exist already (mt-autodiff ran before)}}
module {
  func @eval_step() { return }
  func @forward(%x: tensor<?x2xf32> {mt.input = "x"}, %y: tensor<?xi32> {mt.input = "y.a"})
      -> (tensor<f32>, tensor<1xf32>) {
    %l, %pt = mt.multitask_loss (%x) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0]}
        : (tensor<?x2xf32>, tensor<?xi32>) -> (tensor<f32>, tensor<1xf32>)
    return %l, %pt : tensor<f32>, tensor<1xf32>
  }
}
