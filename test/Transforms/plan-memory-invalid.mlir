// RUN: mt-opt %s -split-input-file --mt-plan-memory -verify-diagnostics

// Tests that an entry point cannot return an argument untouched.
func @passthrough(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{result #0 is not computed by a kernel (an argument or a parameter returned as is)}}
  return %x : tensor<?x4xf32>
}
