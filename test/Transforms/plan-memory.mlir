// RUN: mt-opt %s -split-input-file --mt-outline-kernels --mt-plan-memory | FileCheck %s

// Tests liveness-based placement: per-example buffers (16-byte aligned
// bytes per example) are reused once their last reader ran, but never by
// that reader's own output (no aliasing), static buffers go to the static
// arena (64-byte aligned) and returned values to the outputs.

// CHECK-LABEL: func @chain
// CHECK-SAME: attributes {mt.arena_bytes_per_example = 32 : i64, mt.arena_static_bytes = 64 : i64}
// k0: [?, 4] f32 = 16 bytes per example at 0.
// CHECK: "k0_exp"{{.+}}mt.result_slots = {{\[\[}}1, 0]]
// k1: k0 dies here, but only after k1's output is placed.
// CHECK: "k1_tanh"{{.+}}mt.result_slots = {{\[\[}}1, 16]]
// k2: static [4] (no batch) -> static arena.
// CHECK: "k2_reduce_sum"{{.+}}mt.result_slots = {{\[\[}}0, 0]]
// k3: reuses k0's freed buffer.
// CHECK: "k3_add"{{.+}}mt.result_slots = {{\[\[}}1, 0]]
// k4: [?, 1, 4] reuses k1's buffer, freed after k3.
// CHECK: "k4_reshape"{{.+}}mt.result_slots = {{\[\[}}1, 16]]
// k5: the result: output 0.
// CHECK: "k5_relu"{{.+}}mt.result_slots = {{\[\[}}2, 0]]
func @chain(%x: tensor<?x4xf32>) -> tensor<?x1x4xf32> {
  %0 = mt.exp %x : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %1 = mt.tanh %0 : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %2 = mt.reduce_sum %1 {axis = 0} : (tensor<?x4xf32>) -> tensor<4xf32>
  %3 = mt.add %1, %2 : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %4 = mt.reshape %3 : (tensor<?x4xf32>) -> tensor<?x1x4xf32>
  %5 = mt.relu %4 : (tensor<?x1x4xf32>) -> tensor<?x1x4xf32>
  return %5 : tensor<?x1x4xf32>
}

// -----

// Tests that an input dying in a kernel is not reused for its output: the
// [?, 1, 4] operand dies in k1, but k1's [?, 3, 4] output gets new memory.

// CHECK-LABEL: func @broadcast_input
// CHECK: "k0_exp"{{.+}}mt.result_slots = {{\[\[}}1, 0]]
// CHECK: "k1_add"{{.+}}mt.result_slots = {{\[\[}}1, 16]]
// CHECK: "k2_neg"{{.+}}mt.result_slots = {{\[\[}}2, 0]]
func @broadcast_input(%x: tensor<?x1x4xf32>, %y: tensor<?x3x4xf32>) -> tensor<?x3x4xf32> {
  %0 = mt.exp %x : (tensor<?x1x4xf32>) -> tensor<?x1x4xf32>
  %1 = mt.add %0, %y : (tensor<?x1x4xf32>, tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  %2 = mt.neg %1 : (tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  return %2 : tensor<?x3x4xf32>
}
