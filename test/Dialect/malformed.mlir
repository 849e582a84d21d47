// RUN: not mt-opt %s -split-input-file 2>&1 | FileCheck %s
// RUN: mt-opt %s -split-input-file -verify-diagnostics
// RUN: head -c 700 %mt_src_root/examples/multitask_small.mlir | not mt-opt 2>&1 | FileCheck %s --check-prefix=TRUNCATED

// Tests that malformed model files end in a located diagnostic and exit 1
// (`not` also fails on a crash or an assertion). The second RUN line checks
// that each diagnostic is reported on the line expected; the third feeds a
// truncated model file.

// TRUNCATED: <stdin>:{{[0-9]+}}:{{[0-9]+}}: error:

// Tests that a syntax error is reported where it is.
func @syntax(%x: tensor<?x4xf32>) {
  // CHECK: malformed.mlir:{{[0-9]+}} offset :{{[0-9]+}}:{{[0-9]+}}: error: expected ':'
  // expected-error @+1 {{expected ':'}}
  %0 = mt.relu %x (tensor<?x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

// Tests that an unknown op is rejected.
func @unknown_op(%x: tensor<?x4xf32>) {
  // CHECK: malformed.mlir:{{[0-9]+}} offset :{{[0-9]+}}:{{[0-9]+}}: error: custom op 'mt.softplus' is unknown
  // expected-error @+1 {{custom op 'mt.softplus' is unknown}}
  %0 = mt.softplus %x : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

// Tests that a missing required attribute is named.
func @missing_attribute(%x: tensor<?x4xf32>) {
  // CHECK: malformed.mlir:{{[0-9]+}} offset :{{[0-9]+}}:{{[0-9]+}}: error: 'mt.dense' op requires attribute 'out_features'
  // expected-error @+1 {{'mt.dense' op requires attribute 'out_features'}}
  %0 = mt.dense %x {path = "p"} : (tensor<?x4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that an attribute of the wrong kind is rejected.
func @attribute_kind(%x: tensor<?x4xf32>) {
  // CHECK: error: 'mt.dense' op attribute 'out_features' failed to satisfy constraint
  // expected-error @+1 {{'mt.dense' op attribute 'out_features' failed to satisfy constraint}}
  %0 = mt.dense %x {out_features = "many", path = "p"} : (tensor<?x4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that a wrong element type is rejected.
func @element_type(%x: tensor<?x4xf64>) {
  // CHECK: error: 'mt.relu' op operand #0 must be tensor of 32-bit float values, but got 'tensor<?x4xf64>'
  // expected-error @+1 {{'mt.relu' op operand #0 must be tensor of 32-bit float values, but got 'tensor<?x4xf64>'}}
  %0 = mt.relu %x : (tensor<?x4xf64>) -> tensor<?x4xf64>
  return
}

// -----

// Tests that a non-tensor operand is rejected.
func @not_a_tensor(%x: f32) {
  // CHECK: error: 'mt.exp' op operand #0 must be tensor of 32-bit float values, but got 'f32'
  // expected-error @+1 {{'mt.exp' op operand #0 must be tensor of 32-bit float values, but got 'f32'}}
  %0 = mt.exp %x : (f32) -> tensor<*xf32>
  return
}

// -----

// Tests that an undefined value is reported.
func @undefined(%x: tensor<?x4xf32>) {
  // CHECK: error: use of undeclared SSA value name
  // expected-error @+1 {{use of undeclared SSA value name}}
  %0 = mt.relu %y : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

// Tests that a type list of the wrong length is reported.
func @operand_count(%x: tensor<?x4xf32>) {
  // CHECK: error: custom op 'mt.add' 2 operands present, but expected 1
  // expected-error @+1 {{2 operands present, but expected 1}}
  %0 = mt.add %x, %x : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

// Tests that an unknown enum string in a model op is located.
func @bad_pooling(%x: tensor<?x4x8xf32>) {
  // CHECK: error: 'mt.task_head' op attribute 'pooling' failed to satisfy constraint: task head input selection
  // expected-error @+1 {{'mt.task_head' op attribute 'pooling' failed to satisfy constraint: task head input selection}}
  %0 = mt.task_head %x {out_features = 2, pooling = "max", path = "h"} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}
