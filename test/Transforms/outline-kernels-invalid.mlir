// RUN: mt-opt %s --mt-outline-kernels -verify-diagnostics

// Tests that model ops must be decomposed first.
func @model_op(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{is not a primitive; run mt-decompose and mt-prune-to-inference before mt-outline-kernels}}
  %0 = mt.dropout %x {rate = 0.1} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}
