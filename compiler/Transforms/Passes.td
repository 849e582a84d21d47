//===- Passes.td - mt compiler passes ----------------------*- tablegen -*-===//

#ifndef MT_TRANSFORMS_PASSES_TD
#define MT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"mt-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "Infer static result shapes of every mt op (batch stays dynamic)";
  let description = [{
    Walks each function in order and replaces every result type with the
    one the op infers from its operands and attributes (declared ranked
    types must already agree; the verifier checks that). Function result
    types are updated to what is returned.

    Before: `%h = mt.dense %x {out_features = 8, path = "p"} : (tensor<?x4x2xf32>) -> tensor<*xf32>`
    After:  `%h = mt.dense %x {out_features = 8, path = "p"} : (tensor<?x4x2xf32>) -> tensor<?x4x8xf32>`
  }];
  let constructor = "mt::createInferShapesPass()";
}

def MaterializeParams : Pass<"mt-materialize-params", "::mlir::ModuleOp"> {
  let summary = "Make every parameter of the model ops an explicit, named mt.param";
  let description = [{
    Adds one `mt.param` per parameter that the model ops own, named as in
    PyTorch's state_dict (`encoder.layers.0.self_attn.in_proj_weight`), with
    its shape and PyTorch's init rule, in program order; records the total
    as the module attribute `mt.num_parameters`. Needs inferred shapes.
    Running it twice changes nothing.

    Before: `mt.dense %x {out_features = 8, path = "p"} : (tensor<?x4x2xf32>) -> tensor<?x4x8xf32>`
    After:  `mt.param @p.weight : tensor<8x2xf32> {init = "uniform", scale = 0.707...}`
            `mt.param @p.bias : tensor<8xf32> {init = "uniform", scale = 0.707...}`
  }];
  let constructor = "mt::createMaterializeParamsPass()";
}

def TestFusionKinds : Pass<"mt-test-fusion-kinds", "::mlir::ModuleOp"> {
  let summary = "Report each op's declared fusion kind as a remark (for tests)";
  let constructor = "mt::createTestFusionKindsPass()";
}

#endif // MT_TRANSFORMS_PASSES_TD
