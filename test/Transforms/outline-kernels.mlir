// RUN: mt-opt %s -split-input-file --mt-outline-kernels | FileCheck %s

// Tests that each primitive becomes one kernel, constants are cloned into
// their readers and parameters stay outside as inputs.

mt.param @w : tensor<4x3xf32> {init = "zeros"}

// CHECK-LABEL: func @chain
// CHECK: [[W:%.+]] = mt.param_ref @w
// CHECK: [[M:%.+]] = mt.kernel "k0_matmul"(%arg0, [[W]]) : (tensor<?x3xf32>, tensor<4x3xf32>) -> tensor<?x4xf32> {
// CHECK-NEXT: ^bb0([[A:%.+]]: tensor<?x3xf32>, [[B:%.+]]: tensor<4x3xf32>):
// CHECK-NEXT: [[R:%.+]] = mt.matmul [[A]], [[B]] {transpose_rhs = true}
// CHECK-NEXT: mt.yield [[R]] : tensor<?x4xf32>
// CHECK: [[S:%.+]] = mt.kernel "k1_mul"([[M]]) : (tensor<?x4xf32>) -> tensor<?x4xf32> {
// CHECK-NEXT: ^bb0([[X:%.+]]: tensor<?x4xf32>):
// CHECK-NEXT: [[C:%.+]] = mt.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: [[Y:%.+]] = mt.mul [[X]], [[C]]
// CHECK-NEXT: mt.yield [[Y]]
// CHECK: [[T:%.+]] = mt.kernel "k2_add"([[S]]) : (tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK: mt.add %{{.+}}, %{{.+}} : (tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK-NOT: mt.constant
// CHECK: return [[T]]
func @chain(%x: tensor<?x3xf32>) -> tensor<?x4xf32> {
  %w = mt.param_ref @w : tensor<4x3xf32>
  %two = mt.constant dense<2.0> : tensor<f32>
  %0 = mt.matmul %x, %w {transpose_rhs = true} : (tensor<?x3xf32>, tensor<4x3xf32>) -> tensor<?x4xf32>
  %1 = mt.mul %0, %two : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  %2 = mt.add %1, %1 : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %2 : tensor<?x4xf32>
}

// -----

// Tests that a returned constant gets a kernel of its own.

// CHECK-LABEL: func @returned_constant
// CHECK: [[K:%.+]] = mt.kernel "k0_constant"() : () -> tensor<2xf32>
// CHECK: return [[K]]
func @returned_constant() -> tensor<2xf32> {
  %c = mt.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
