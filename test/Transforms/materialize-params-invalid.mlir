// RUN: mt-opt %s -split-input-file --mt-materialize-params -verify-diagnostics

// Tests that two ops cannot own the same parameter name.
func @shared_path(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-note @+1 {{first owner}}
  %0 = mt.dense %x {out_features = 4, path = "p"} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  // expected-error @+1 {{parameter 'p.weight' is already owned by another op; give each op its own 'path'}}
  %1 = mt.dense %0 {out_features = 4, path = "p"} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// Tests that an existing parameter of another type is a conflict.
mt.param @p.weight : tensor<3x4xf32> {init = "zeros"}
func @conflict(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{parameter 'p.weight' already exists with type 'tensor<3x4xf32>', but this op needs 'tensor<4x4xf32>'}}
  %0 = mt.dense %x {out_features = 4, path = "p"} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Tests that a parameter name cannot reuse another symbol's.
func @p.weight() { return }
func @taken(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{parameter name 'p.weight' is taken by another symbol}}
  %0 = mt.dense %x {out_features = 4, path = "p"} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Tests that parameters need inferred shapes.
func @not_inferred(%x: tensor<?x4xf32>) -> tensor<*xf32> {
  %0 = mt.relu %x : (tensor<?x4xf32>) -> tensor<*xf32>
  // expected-error @+1 {{needs inferred shapes; run mt-infer-shapes before mt-materialize-params}}
  %1 = mt.dense %0 {out_features = 4, path = "p"} : (tensor<*xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}
