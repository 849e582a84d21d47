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

def Decompose : Pass<"mt-decompose", "::mlir::ModuleOp"> {
  let summary = "Rewrite model ops into primitive tensor ops (PyTorch semantics)";
  let description = [{
    Each model op becomes primitives with the exact semantics of its PyTorch
    module: linear layers as `matmul {transpose_rhs}` + bias, attention with
    a packed in-projection split by `slice`, heads by `reshape`/`transpose`,
    q scaled by 1/sqrt(D/H), a max-shifted softmax; layer norm with biased
    variance; post-LN or pre-LN encoder layers. Parameters are read with
    `mt.param_ref`. `mt.dropout` and `mt.multitask_loss` stay: their lowering
    depends on the entry point (inference or training).

    Before: `%y = mt.dense %x {out_features = 8, activation = "relu", path = "p"}`
    After:  `%w = mt.param_ref @p.weight`, `%m = mt.matmul %x, %w {transpose_rhs = true}`,
            `%b = mt.param_ref @p.bias`, `%a = mt.add %m, %b`, `%y = mt.relu %a`
  }];
  let constructor = "mt::createDecomposePass()";
}

def PruneToInference : Pass<"mt-prune-to-inference", "::mlir::ModuleOp"> {
  let summary = "Make @forward the inference entry point (predictions only)";
  let description = [{
    The function returns the multitask loss's predictions in task order
    (results named by `mt.output`, kinds in `mt.task_kind`); the loss goes,
    dropout becomes the identity, arguments only the loss used (labels,
    mask) are removed, and i32 arguments that index tables record
    `mt.id_bound`. Runs after mt-decompose in the compiler's pipeline.

    Before: `func @forward(%x {mt.input = "x"}, %y {mt.input = "y.a"}) -> (tensor<f32>, tensor<1xf32>)` ending in `mt.multitask_loss (%p) labels (%y)`
    After:  `func @forward(%x {mt.input = "x"}) -> (tensor<?x10xf32> {mt.output = "a", mt.task_kind = "cross_entropy"})` returning `%p`
  }];
  let constructor = "mt::createPruneToInferencePass()";
}

def Fuse : Pass<"mt-fuse", "::mlir::ModuleOp"> {
  let summary = "Decide which primitives share a kernel (fusion groups by declared kinds)";
  let description = [{
    Marks every primitive with `mt.fusion_group`: a matmul-like root with
    its elementwise epilogue, elementwise chains, everything else alone (the
    rules are data, in Fuse.cpp's algorithm note). mt-outline-kernels then
    forms one kernel per group.

    Before: `%m = mt.matmul ...`, `%b = mt.add %m, %bias ...`, `%r = mt.relu %b ...`
    After:  the same ops, each with `{mt.fusion_group = 0 : i64}`
  }];
  let options = [
    Option<"oneOpGroups", "one-op-groups", "bool", /*default=*/"false",
           "make every op its own group (mtc --no-fuse)">
  ];
  let constructor = "mt::createFusePass()";
}

def OutlineKernels : Pass<"mt-outline-kernels", "::mlir::ModuleOp"> {
  let summary = "Form one mt.kernel per fusion group (one per primitive without mt-fuse)";
  let description = [{
    Each group of ops sharing an `mt.fusion_group` (an unmarked op is a
    group of its own) becomes one `mt.kernel` at the group's last op, whose
    body is the group and the constants it reads; parameters and activations
    from outside are kernel inputs, values read outside are its results.

    Before: `%y = mt.relu %x : (tensor<?x4xf32>) -> tensor<?x4xf32>`
    After:  `%y = mt.kernel "k0_relu" (%x) : (tensor<?x4xf32>) -> tensor<?x4xf32> { ... mt.yield ... }`
  }];
  let constructor = "mt::createOutlineKernelsPass()";
}

def PlanMemory : Pass<"mt-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Place every kernel result in a reused arena (liveness, first fit)";
  let description = [{
    Buffers without a batch dimension share a static arena; buffers with one
    share a per-example arena scaled by the batch at run time; returned
    values go straight to the caller's outputs. A buffer is reused once its
    last reader ran (never by that reader's own outputs: Halide buffers
    must not alias).

    After: `mt.kernel "k0_relu" (%x) {mt.result_slots = [[1, 0]]} ...`,
           `func @forward(...) attributes {mt.arena_bytes_per_example = 64 : i64, mt.arena_static_bytes = 0 : i64}`
  }];
  let constructor = "mt::createPlanMemoryPass()";
}

def TestFusionKinds : Pass<"mt-test-fusion-kinds", "::mlir::ModuleOp"> {
  let summary = "Report each op's declared fusion kind as a remark (for tests)";
  let constructor = "mt::createTestFusionKindsPass()";
}

#endif // MT_TRANSFORMS_PASSES_TD
