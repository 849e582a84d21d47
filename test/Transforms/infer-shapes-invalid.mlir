// RUN: mt-opt %s -split-input-file --mt-infer-shapes -verify-diagnostics

// Tests that an inconsistency found only once shapes are known is reported
// on the op, and stops the pass.
func @late_error(%x: tensor<?x4x6xf32>) -> tensor<*xf32> {
  %0 = mt.dense %x {out_features = 10, path = "p"} : (tensor<?x4x6xf32>) -> tensor<*xf32>
  // expected-error @+1 {{width 10 is not divisible by 4 heads}}
  %1 = mt.encoder %0 {num_layers = 1, num_heads = 4, ff_dim = 8, path = "e"} : (tensor<*xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// -----

// Tests that function arguments must be ranked.
// expected-error @+1 {{argument #0 of @unranked_arg must have a ranked type, got 'tensor<*xf32>'}}
func @unranked_arg(%x: tensor<*xf32>) -> tensor<*xf32> {
  %0 = mt.relu %x : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}
