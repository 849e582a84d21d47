// RUN: mt-opt %s -split-input-file --mt-decompose -verify-diagnostics

// Tests that decomposition needs materialized parameters.
func @no_params(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{parameter 'p.weight' is not materialized; run mt-materialize-params first}}
  %0 = mt.dense %x {out_features = 2, path = "p"} : (tensor<?x4xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// Tests that decomposition needs inferred shapes.
func @no_shapes(%x: tensor<?x4xf32>) -> tensor<*xf32> {
  %0 = mt.relu %x : (tensor<?x4xf32>) -> tensor<*xf32>
  // expected-error @+1 {{needs inferred shapes; run mt-infer-shapes first}}
  %1 = mt.dense %0 {out_features = 2, path = "p"} : (tensor<*xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}
