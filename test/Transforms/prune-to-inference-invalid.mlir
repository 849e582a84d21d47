// RUN: mt-opt %s -split-input-file --mt-prune-to-inference -verify-diagnostics

// Tests that an entry point needs a loss to name its tasks.
// expected-error @+1 {{@forward needs exactly one mt.multitask_loss to name its tasks, found 0}}
func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}

// -----

// Tests that inputs left in the entry point carry dataset names.
// expected-error @+1 {{argument #0 of @forward needs a dataset name, e.g. {mt.input = "x"}}}
func @forward(%x: tensor<?x4xf32>, %y: tensor<?x4xf32> {mt.input = "y.a"}) -> (tensor<f32>, tensor<1xf32>) {
  %l, %pt = mt.multitask_loss (%x) labels (%y) {tasks = ["a"], kinds = ["mse"], weights = [1.0]}
      : (tensor<?x4xf32>, tensor<?x4xf32>) -> (tensor<f32>, tensor<1xf32>)
  return %l, %pt : tensor<f32>, tensor<1xf32>
}

// -----

// Tests that entry-point attributes are checked.
// expected-error @+1 {{argument #0: 'mt.input' must be a non-empty string}}
func @empty_name(%x: tensor<?x4xf32> {mt.input = ""}) {
  return
}

// -----

// expected-error @+1 {{argument #0: unknown attribute 'mt.colour'}}
func @unknown_arg_attr(%x: tensor<?x4xf32> {mt.colour = "red"}) {
  return
}
