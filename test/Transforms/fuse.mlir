// RUN: mt-opt %s -split-input-file --mt-fuse | FileCheck %s
// RUN: mt-opt %s -split-input-file --mt-fuse --mt-outline-kernels | FileCheck %s --check-prefix=FORM
// RUN: mt-opt %s -split-input-file --mt-fuse=one-op-groups | FileCheck %s --check-prefix=ONE

mt.param @w : tensor<4x3xf32> {init = "zeros"}
mt.param @b : tensor<4xf32> {init = "zeros"}

// Tests that a matmul absorbs its elementwise epilogue (bias, activation)
// into one group, formed into one kernel with the parameters as inputs, and
// that one-op-groups gives each op a group of its own.

// CHECK-LABEL: func @epilogue
// CHECK: mt.matmul {{.*}}mt.fusion_group = [[G:[0-9]+]] : i64
// CHECK: mt.add {{.*}}mt.fusion_group = [[G]] : i64
// CHECK: mt.relu {{.*}}mt.fusion_group = [[G]] : i64
// FORM-LABEL: func @epilogue
// FORM: [[W:%.+]] = mt.param_ref @w
// FORM: [[B:%.+]] = mt.param_ref @b
// FORM: [[K:%.+]] = mt.kernel "k0_matmul"(%arg0, [[W]], [[B]]) : (tensor<?x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<?x4xf32> {
// FORM-NEXT: ^bb0([[X:%.+]]: tensor<?x3xf32>, [[KW:%.+]]: tensor<4x3xf32>, [[KB:%.+]]: tensor<4xf32>):
// FORM-NEXT: [[M:%.+]] = mt.matmul [[X]], [[KW]] {transpose_rhs = true}
// FORM-NEXT: [[A:%.+]] = mt.add [[M]], [[KB]]
// FORM-NEXT: [[R:%.+]] = mt.relu [[A]]
// FORM-NEXT: mt.yield [[R]] : tensor<?x4xf32>
// FORM-NOT: mt.fusion_group
// FORM: return [[K]]
// ONE-LABEL: func @epilogue
// ONE: mt.matmul {{.*}}mt.fusion_group = 0 : i64
// ONE: mt.add {{.*}}mt.fusion_group = 1 : i64
// ONE: mt.relu {{.*}}mt.fusion_group = 2 : i64
func @epilogue(%x: tensor<?x3xf32>) -> tensor<?x4xf32> {
  %w = mt.param_ref @w : tensor<4x3xf32>
  %b = mt.param_ref @b : tensor<4xf32>
  %0 = mt.matmul %x, %w {transpose_rhs = true} : (tensor<?x3xf32>, tensor<4x3xf32>) -> tensor<?x4xf32>
  %1 = mt.add %0, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %2 = mt.relu %1 : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %2 : tensor<?x4xf32>
}

// -----

// Tests that a reduction does not join, that a value of the group read
// outside becomes a second kernel result, and that an elementwise chain
// with an in-kernel constant forms its own group.

// CHECK-LABEL: func @multi_use
// CHECK: mt.matmul {{.*}}mt.fusion_group = [[G:[0-9]+]] : i64
// CHECK: mt.mul {{.*}}mt.fusion_group = [[G]] : i64
// CHECK: mt.reduce_sum {{.*}}mt.fusion_group = [[R:[0-9]+]] : i64
// CHECK-NOT: mt.fusion_group = [[G]] :
// FORM-LABEL: func @multi_use
// FORM: [[K:%.+]]:2 = mt.kernel "k0_matmul"(%arg0, %arg1) : (tensor<?x3xf32>, tensor<3x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>)
// FORM: mt.constant dense<2.000000e+00>
// FORM: mt.yield %{{.+}}, %{{.+}} : tensor<?x4xf32>, tensor<?x4xf32>
// FORM: mt.kernel "k1_reduce_sum"([[K]]#0)
// FORM: return [[K]]#1, %{{.+}}
func @multi_use(%x: tensor<?x3xf32>, %w: tensor<3x4xf32>) -> (tensor<?x4xf32>, tensor<?xf32>) {
  %two = mt.constant dense<2.0> : tensor<f32>
  %0 = mt.matmul %x, %w : (tensor<?x3xf32>, tensor<3x4xf32>) -> tensor<?x4xf32>
  %1 = mt.mul %0, %two : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  %2 = mt.reduce_sum %0 {axis = 1} : (tensor<?x4xf32>) -> tensor<?xf32>
  return %1, %2 : tensor<?x4xf32>, tensor<?xf32>
}

// -----

// Tests that an op does not join when an op outside the group reads a group
// value before it (the kernel could not be placed), that a matmul does not
// join a memory-bound group, and that a matmul's epilogue must have its
// shape: the reduction of the sum and what follows it form a row kernel
// of their own.

// CHECK-LABEL: func @not_formable
// CHECK: mt.matmul {{.*}}mt.fusion_group = [[G:[0-9]+]] : i64
// CHECK: mt.reduce_sum {{.*}}mt.fusion_group = [[R:[0-9]+]] : i64
// CHECK: mt.sub {{.*}}mt.fusion_group = [[R]] : i64
// CHECK: mt.exp {{.*}}mt.fusion_group = [[R]] : i64
// CHECK: mt.matmul {{.*}}mt.fusion_group = [[M:[0-9]+]] : i64
// CHECK: mt.neg {{.*}}mt.fusion_group = [[N:[0-9]+]] : i64
// CHECK-NOT: mt.fusion_group = [[R]] :
// FORM-LABEL: func @not_formable
// FORM-COUNT-4: mt.kernel
func @not_formable(%x: tensor<?x3xf32>, %w: tensor<3x4xf32>, %v: tensor<4x2xf32>) -> (tensor<?x2xf32>, tensor<?x4xf32>) {
  %0 = mt.matmul %x, %w : (tensor<?x3xf32>, tensor<3x4xf32>) -> tensor<?x4xf32>
  %1 = mt.reduce_sum %0 {axis = 1, keep_dims = true} : (tensor<?x4xf32>) -> tensor<?x1xf32>
  %2 = mt.sub %0, %1 : (tensor<?x4xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>
  %3 = mt.exp %2 : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %4 = mt.matmul %3, %v : (tensor<?x4xf32>, tensor<4x2xf32>) -> tensor<?x2xf32>
  %5 = mt.neg %3 : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %4, %5 : tensor<?x2xf32>, tensor<?x4xf32>
}

// -----

// Tests the row kernels: a softmax (max, shift, exp, sum, divide) is one
// kernel with one result, and so is data movement with the elementwise op
// that reads it (slice, reshape, transpose, scale).

// CHECK-LABEL: func @softmax
// CHECK: mt.reduce_max {{.*}}mt.fusion_group = [[S:[0-9]+]] : i64
// CHECK: mt.sub {{.*}}mt.fusion_group = [[S]] : i64
// CHECK: mt.exp {{.*}}mt.fusion_group = [[S]] : i64
// CHECK: mt.reduce_sum {{.*}}mt.fusion_group = [[S]] : i64
// CHECK: mt.div {{.*}}mt.fusion_group = [[S]] : i64
// FORM-LABEL: func @softmax
// FORM: mt.kernel "k0_reduce_max"(%arg0) : (tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
// FORM-NOT: mt.kernel
// FORM: return
func @softmax(%x: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %0 = mt.reduce_max %x {axis = 2, keep_dims = true} : (tensor<?x4x8xf32>) -> tensor<?x4x1xf32>
  %1 = mt.sub %x, %0 : (tensor<?x4x8xf32>, tensor<?x4x1xf32>) -> tensor<?x4x8xf32>
  %2 = mt.exp %1 : (tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
  %3 = mt.reduce_sum %2 {axis = 2, keep_dims = true} : (tensor<?x4x8xf32>) -> tensor<?x4x1xf32>
  %4 = mt.div %2, %3 : (tensor<?x4x8xf32>, tensor<?x4x1xf32>) -> tensor<?x4x8xf32>
  return %4 : tensor<?x4x8xf32>
}

// CHECK-LABEL: func @data_movement
// CHECK: mt.slice {{.*}}mt.fusion_group = [[D:[0-9]+]] : i64
// CHECK: mt.reshape {{.*}}mt.fusion_group = [[D]] : i64
// CHECK: mt.transpose {{.*}}mt.fusion_group = [[D]] : i64
// CHECK: mt.mul {{.*}}mt.fusion_group = [[D]] : i64
// FORM-LABEL: func @data_movement
// FORM-COUNT-1: mt.kernel
// FORM-NOT: mt.kernel
func @data_movement(%x: tensor<?x6x8xf32>) -> tensor<?x2x6x2xf32> {
  %half = mt.constant dense<0.5> : tensor<f32>
  %0 = mt.slice %x {axis = 2, start = 4, size = 4} : (tensor<?x6x8xf32>) -> tensor<?x6x4xf32>
  %1 = mt.reshape %0 : (tensor<?x6x4xf32>) -> tensor<?x6x2x2xf32>
  %2 = mt.transpose %1 {permutation = [0, 2, 1, 3]} : (tensor<?x6x2x2xf32>) -> tensor<?x2x6x2xf32>
  %3 = mt.mul %2, %half : (tensor<?x2x6x2xf32>, tensor<f32>) -> tensor<?x2x6x2xf32>
  return %3 : tensor<?x2x6x2xf32>
}
