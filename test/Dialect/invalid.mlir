// RUN: mt-opt %s -split-input-file -verify-diagnostics

// Tests that a model op needs a non-empty parameter path.
func @empty_path(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'path' must not be empty}}
  %0 = mt.dense %x {out_features = 2, path = ""} : (tensor<?x4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that a declared result type must match the inferred one.
func @wrong_result(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<?x3xf32>', but the operands give 'tensor<?x2xf32>'}}
  %0 = mt.dense %x {out_features = 2, path = "p"} : (tensor<?x4xf32>) -> tensor<?x3xf32>
  return
}

// -----

// Tests that an unranked result must still have the inferred element type.
func @wrong_element_type(%c: tensor<?x4xi1>, %x: tensor<?x4xi32>) {
  // expected-error @+1 {{result #0 has type 'tensor<*xf32>', but the operands give 'tensor<?x4xi32>'}}
  %0 = mt.select %c, %x, %x : (tensor<?x4xi1>, tensor<?x4xi32>, tensor<?x4xi32>) -> tensor<*xf32>
  return
}

// -----

// Tests that an attribute outside its enum is rejected by ODS.
func @bad_activation(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{attribute 'activation' failed to satisfy constraint: activation function}}
  %0 = mt.dense %x {out_features = 2, activation = "swish", path = "p"} : (tensor<?x4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that sizes must be positive.
func @zero_features(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{attribute 'out_features' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = mt.dense %x {out_features = 0, path = "p"} : (tensor<?x4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that dense needs a batch-first input of rank >= 2.
func @dense_rank(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected input of rank >= 2, got rank 1 ([4])}}
  %0 = mt.dense %x {out_features = 2, path = "p"} : (tensor<4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that a learned positional encoding needs a path.
func @learned_needs_path(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{learned positional encoding needs a 'path' for its parameters}}
  %0 = mt.positional_encoding %x {kind = "learned", max_len = 8} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that a sinusoidal encoding has no parameters to name.
func @sinusoidal_no_path(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{sinusoidal positional encoding has no parameters; 'path' is not allowed}}
  %0 = mt.positional_encoding %x {kind = "sinusoidal", max_len = 8, path = "pe"} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that positional encoding needs a [B, S, D] input.
func @pe_rank(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{expected input of rank 3, got rank 2 ([?, 8])}}
  %0 = mt.positional_encoding %x {kind = "sinusoidal", max_len = 8} : (tensor<?x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that the sequence must fit in max_len.
func @too_long(%x: tensor<?x600x8xf32>) {
  // expected-error @+1 {{sequence length 600 exceeds max_len 512}}
  %0 = mt.positional_encoding %x {kind = "sinusoidal", max_len = 512} : (tensor<?x600x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that sinusoidal encodings pair sin and cos columns.
func @odd_width(%x: tensor<?x4x7xf32>) {
  // expected-error @+1 {{sinusoidal encoding needs an even width, got 7}}
  %0 = mt.positional_encoding %x {kind = "sinusoidal", max_len = 8} : (tensor<?x4x7xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that task ids must be i32.
func @task_ids_dtype(%x: tensor<?x4x8xf32>, %t: tensor<?xf32>) {
  // expected-error @+1 {{operand #1 must be tensor of 32-bit signless integer values}}
  %0 = mt.task_encoder %x, %t {num_tasks = 3, path = "te"} : (tensor<?x4x8xf32>, tensor<?xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that the task encoder needs a [B, S, D] or [B, D] input.
func @task_encoder_rank(%x: tensor<?x4x8x2xf32>, %t: tensor<?xi32>) {
  // expected-error @+1 {{expected input of rank 2 or 3, got rank 4 ([?, 4, 8, 2])}}
  %0 = mt.task_encoder %x, %t {num_tasks = 3, path = "te"} : (tensor<?x4x8x2xf32>, tensor<?xi32>) -> tensor<*xf32>
  return
}

// -----

// Tests that task ids and input share the batch dimension.
func @task_encoder_batch(%x: tensor<8x4x8xf32>, %t: tensor<4xi32>) {
  // expected-error @+1 {{batch dimension differs: input has 8, task ids has 4}}
  %0 = mt.task_encoder %x, %t {num_tasks = 3, path = "te"} : (tensor<8x4x8xf32>, tensor<4xi32>) -> tensor<*xf32>
  return
}

// -----

// Tests that the width must split evenly into heads.
func @heads(%x: tensor<?x4x510xf32>) {
  // expected-error @+1 {{'mt.attention' op width 510 is not divisible by 8 heads}}
  %0 = mt.attention %x, %x, %x {num_heads = 8, path = "a"} : (tensor<?x4x510xf32>, tensor<?x4x510xf32>, tensor<?x4x510xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that keys and queries share the width.
func @key_width(%q: tensor<?x4x8xf32>, %k: tensor<?x6x16xf32>) {
  // expected-error @+1 {{width differs: query has 8, key has 16}}
  %0 = mt.attention %q, %k, %k {num_heads = 2, path = "a"} : (tensor<?x4x8xf32>, tensor<?x6x16xf32>, tensor<?x6x16xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that the key padding mask is [B, Sk].
func @mask_shape(%x: tensor<?x4x8xf32>, %m: tensor<?x5xi1>) {
  // expected-error @+1 {{expected key padding mask of shape [?, 4], got [?, 5]}}
  %0 = mt.attention %x, %x, %x mask %m {num_heads = 2, path = "a"} : (tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?x5xi1>) -> tensor<*xf32>
  return
}

// -----

// Tests that a dropout rate lies in [0, 1).
func @dropout_rate(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{dropout rate 1.5 is outside [0, 1)}}
  %0 = mt.dropout %x {rate = 1.5} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that attention dropout is checked too.
func @attention_dropout(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{dropout rate 1 is outside [0, 1)}}
  %0 = mt.encoder_layer %x {num_heads = 2, ff_dim = 16, dropout = 1.0, path = "l"} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that layer norm eps must be positive.
func @eps(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{eps must be positive, got 0}}
  %0 = mt.layer_norm %x {eps = 0.0, path = "n"} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that an encoder's width must split into heads.
func @encoder_heads(%x: tensor<?x4x10xf32>) {
  // expected-error @+1 {{'mt.encoder' op width 10 is not divisible by 4 heads}}
  %0 = mt.encoder %x {num_layers = 2, num_heads = 4, ff_dim = 16, path = "e"} : (tensor<?x4x10xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that task attention needs a [B, S, D] input.
func @task_attention_rank(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{expected input of rank 3, got rank 2 ([?, 8])}}
  %0 = mt.task_attention %x {num_tasks = 3, num_heads = 2, path = "ta"} : (tensor<?x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that token pooling names the task token.
func @token_needs_task(%z: tensor<?x3x8xf32>) {
  // expected-error @+1 {{pooling 'token' needs a 'task' index}}
  %0 = mt.task_head %z {out_features = 2, pooling = "token", path = "h"} : (tensor<?x3x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that a task index is only meaningful with token pooling.
func @task_without_token(%z: tensor<?x3x8xf32>) {
  // expected-error @+1 {{'task' is only used with pooling 'token', not 'mean'}}
  %0 = mt.task_head %z {task = 1, out_features = 2, pooling = "mean", path = "h"} : (tensor<?x3x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that the task index is below the number of task tokens.
func @task_index(%z: tensor<?x3x8xf32>) {
  // expected-error @+1 {{task index 3 is out of range for 3 task tokens}}
  %0 = mt.task_head %z {task = 3, out_features = 2, pooling = "token", path = "h"} : (tensor<?x3x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that a multitask loss has at least one task.
func @no_tasks() {
  // expected-error @+1 {{expected at least one task}}
  %0, %1 = mt.multitask_loss () labels () {tasks = [], kinds = [], weights = []} : () -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that each task has one loss kind.
func @kinds_count(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{expected one loss kind per task (2 tasks), got 1}}
  %0, %1 = mt.multitask_loss (%p, %p) labels (%y, %y) {tasks = ["a", "b"], kinds = ["cross_entropy"], weights = [1.0, 1.0]}
      : (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that each task has one weight.
func @weights_count(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{expected one weight per task (1 tasks), got 2}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0, 1.0]}
      : (tensor<?x4xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that each task has one prediction.
func @predictions_count(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{expected one prediction per task (2 tasks), got 1}}
  %0, %1 = mt.multitask_loss (%p) labels (%y, %y) {tasks = ["a", "b"], kinds = ["cross_entropy", "cross_entropy"], weights = [1.0, 1.0]}
      : (tensor<?x4xf32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that each task has one label tensor.
func @labels_count(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{expected one label tensor per task (2 tasks), got 1}}
  %0, %1 = mt.multitask_loss (%p, %p) labels (%y) {tasks = ["a", "b"], kinds = ["cross_entropy", "cross_entropy"], weights = [1.0, 1.0]}
      : (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that task names are not empty.
func @empty_task_name(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{task 0 has an empty name}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = [""], kinds = ["cross_entropy"], weights = [1.0]}
      : (tensor<?x4xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that task names are unique.
func @duplicate_task(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{task 'a' is listed twice}}
  %0, %1 = mt.multitask_loss (%p, %p) labels (%y, %y) {tasks = ["a", "a"], kinds = ["cross_entropy", "cross_entropy"], weights = [1.0, 1.0]}
      : (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that loss kinds are known.
func @unknown_kind(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{unknown loss kind 'hinge' for task 'a'; expected cross_entropy, binary_cross_entropy or mse}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["hinge"], weights = [1.0]}
      : (tensor<?x4xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that task weights are non-negative.
func @negative_weight(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{weight of task 'a' must be finite and non-negative, got -1}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [-1.0]}
      : (tensor<?x4xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that learned balancing needs a path for its parameters.
func @balance_path(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{balance 'uncertainty' learns parameters and needs a 'path'}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0], balance = "uncertainty"}
      : (tensor<?x4xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that the GradNorm asymmetry is non-negative.
func @gradnorm_alpha(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{gradnorm_alpha must be non-negative, got -0.5}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0], balance = "gradnorm", gradnorm_alpha = -0.5, path = "loss"}
      : (tensor<?x4xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that the DWA temperature is positive.
func @dwa_temperature(%p: tensor<?x4xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{dwa_temperature must be positive, got 0}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0], balance = "dwa", dwa_temperature = 0.0}
      : (tensor<?x4xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that cross-entropy labels are class ids.
func @ce_label_dtype(%p: tensor<?x4xf32>, %y: tensor<?xf32>) {
  // expected-error @+1 {{labels of task 'a' (cross_entropy) must be i32, got 'f32'}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0]}
      : (tensor<?x4xf32>, tensor<?xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that cross-entropy needs at least two classes.
func @ce_classes(%p: tensor<?x1xf32>, %y: tensor<?xi32>) {
  // expected-error @+1 {{cross_entropy task 'a' needs at least 2 classes, got 1}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["cross_entropy"], weights = [1.0]}
      : (tensor<?x1xf32>, tensor<?xi32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that binary cross-entropy takes one logit.
func @bce_logits(%p: tensor<?x2xf32>, %y: tensor<?xf32>) {
  // expected-error @+1 {{binary_cross_entropy task 'a' needs one logit per example, got 2}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["binary_cross_entropy"], weights = [1.0]}
      : (tensor<?x2xf32>, tensor<?xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that MSE labels have the prediction's shape.
func @mse_label_shape(%p: tensor<?x2xf32>, %y: tensor<?xf32>) {
  // expected-error @+1 {{expected labels of task 'a' of shape [?, 2], got [?]}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["mse"], weights = [1.0]}
      : (tensor<?x2xf32>, tensor<?xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that predictions are batch-first.
func @prediction_rank(%p: tensor<4xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{expected prediction of task 'a' of rank >= 2, got rank 1 ([4])}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) {tasks = ["a"], kinds = ["mse"], weights = [1.0]}
      : (tensor<4xf32>, tensor<4xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that all predictions share the batch dimension.
func @prediction_batch(%p: tensor<4x2xf32>, %q: tensor<5x2xf32>, %y: tensor<4x2xf32>, %z: tensor<5x2xf32>) {
  // expected-error @+1 {{batch dimension differs: the first prediction has 4, prediction of task 'b' has 5}}
  %0, %1 = mt.multitask_loss (%p, %q) labels (%y, %z) {tasks = ["a", "b"], kinds = ["mse", "mse"], weights = [1.0, 1.0]}
      : (tensor<4x2xf32>, tensor<5x2xf32>, tensor<4x2xf32>, tensor<5x2xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that the label mask is [B, T].
func @loss_mask(%p: tensor<?x2xf32>, %y: tensor<?x2xf32>, %m: tensor<?x2xi1>) {
  // expected-error @+1 {{expected mask of shape [?, 1], got [?, 2]}}
  %0, %1 = mt.multitask_loss (%p) labels (%y) mask (%m) {tasks = ["a"], kinds = ["mse"], weights = [1.0]}
      : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xi1>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

// Tests that a parameter has a static f32 type.
// expected-error @+1 {{parameter type must be a static f32 tensor, got 'tensor<?x4xf32>'}}
mt.param @p : tensor<?x4xf32> {init = "zeros"}

// -----

// Tests that random inits carry their scale.
// expected-error @+1 {{init 'uniform' needs a positive 'scale'}}
mt.param @p : tensor<4xf32> {init = "uniform"}

// -----

// Tests that constant inits take no scale.
// expected-error @+1 {{init 'zeros' takes no 'scale'}}
mt.param @p : tensor<4xf32> {init = "zeros", scale = 1.0}

// -----

// Tests that param_ref names an mt.param.
func @missing_param() {
  // expected-error @+1 {{@nope does not name an mt.param}}
  %0 = mt.param_ref @nope : tensor<4xf32>
  return
}

// -----

// Tests that param_ref has the parameter's type.
mt.param @p : tensor<4xf32> {init = "zeros"}
func @param_type() {
  // expected-error @+1 {{type 'tensor<5xf32>' does not match parameter @p of type 'tensor<4xf32>'}}
  %0 = mt.param_ref @p : tensor<5xf32>
  return
}

// -----

// Tests that matmul contraction dimensions agree.
func @matmul_k(%x: tensor<?x4x8xf32>, %w: tensor<6x3xf32>) {
  // expected-error @+1 {{contraction dimension differs: lhs has 8, rhs has 6}}
  %0 = mt.matmul %x, %w : (tensor<?x4x8xf32>, tensor<6x3xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that matmul's right-hand side is a matrix.
func @matmul_rhs_rank(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{expected rhs of rank 2, got rank 3 ([?, 4, 8])}}
  %0 = mt.matmul %x, %x : (tensor<?x4x8xf32>, tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that batch_matmul operands have equal rank.
func @bmm_rank(%a: tensor<?x4x8xf32>, %b: tensor<?x2x8x4xf32>) {
  // expected-error @+1 {{expected operands of equal rank, got 3 and 4}}
  %0 = mt.batch_matmul %a, %b : (tensor<?x4x8xf32>, tensor<?x2x8x4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that batch_matmul batch dimensions agree.
func @bmm_batch(%a: tensor<2x4x8xf32>, %b: tensor<3x8x4xf32>) {
  // expected-error @+1 {{batch dimension 0 differs: lhs has 2, rhs has 3}}
  %0 = mt.batch_matmul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that contract_leading operands share their leading dimensions.
func @contract_leading_dims(%a: tensor<?x4x8xf32>, %b: tensor<?x5x2xf32>) {
  // expected-error @+1 {{leading dimension 1 differs: lhs has 4, rhs has 5}}
  %0 = mt.contract_leading %a, %b : (tensor<?x4x8xf32>, tensor<?x5x2xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that elementwise operands must broadcast.
func @no_broadcast(%a: tensor<?x4xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{operands do not broadcast: dimension 1 of the broadcast shape: 4 vs 5 (shapes [?, 4] and [5])}}
  %0 = mt.add %a, %b : (tensor<?x4xf32>, tensor<5xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that the dynamic batch dimension never meets a static extent.
func @batch_vs_static(%a: tensor<?x4xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{operands do not broadcast: dimension 0 of the broadcast shape: ? vs 3}}
  %0 = mt.mul %a, %b : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that compare operands share an element type.
func @compare_types(%a: tensor<?x4xf32>, %b: tensor<?x4xi32>) {
  // expected-error @+1 {{element types differ: lhs is 'f32', rhs is 'i32'}}
  %0 = mt.compare %a, %b {predicate = "lt"} : (tensor<?x4xf32>, tensor<?x4xi32>) -> tensor<*xi1>
  return
}

// -----

// Tests that select branches share an element type.
func @select_types(%c: tensor<?x4xi1>, %a: tensor<?x4xf32>, %b: tensor<?x4xi32>) {
  // expected-error @+1 {{element types differ: on_true is 'f32', on_false is 'i32'}}
  %0 = mt.select %c, %a, %b : (tensor<?x4xi1>, tensor<?x4xf32>, tensor<?x4xi32>) -> tensor<*xf32>
  return
}

// -----

// Tests that a reduction axis exists.
func @reduce_axis(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{axis 3 is out of range for rank 3}}
  %0 = mt.reduce_sum %x {axis = 3} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that broadcast_in_dim maps every operand dimension.
func @broadcast_count(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected 2 broadcast dimensions (the operand's rank), got 1}}
  %0 = mt.broadcast_in_dim %x {broadcast_dimensions = [1]} : (tensor<4x8xf32>) -> tensor<?x4x8xf32>
  return
}

// -----

// Tests that broadcast dimensions increase.
func @broadcast_order(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{broadcast_dimensions [2, 1] must increase and lie in [0, 3)}}
  %0 = mt.broadcast_in_dim %x {broadcast_dimensions = [2, 1]} : (tensor<4x8xf32>) -> tensor<?x4x8xf32>
  return
}

// -----

// Tests that only extent-1 dimensions stretch.
func @broadcast_extent(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{operand dimension 1 (8) cannot broadcast to result dimension 2 (9)}}
  %0 = mt.broadcast_in_dim %x {broadcast_dimensions = [1, 2]} : (tensor<4x8xf32>) -> tensor<?x4x9xf32>
  return
}

// -----

// Tests that transpose takes a permutation.
func @permutation(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{permutation [0, 0, 1] is not a permutation of 3 dimensions}}
  %0 = mt.transpose %x {permutation = [0, 0, 1]} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that reshape keeps the batch dimension leading.
func @reshape_batch(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{the dynamic batch dimension must stay leading: [?, 4, 8] -> [4, ?, 8]}}
  %0 = mt.reshape %x : (tensor<?x4x8xf32>) -> tensor<4x?x8xf32>
  return
}

// -----

// Tests that reshape keeps the element count.
func @reshape_count(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{element count differs: [?, 4, 8] has 32 per example, [?, 30] has 30}}
  %0 = mt.reshape %x : (tensor<?x4x8xf32>) -> tensor<?x30xf32>
  return
}

// -----

// Tests that slices stay in bounds.
func @slice_bounds(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{slice [6, 10) is out of bounds for axis 2 of size 8}}
  %0 = mt.slice %x {axis = 2, start = 6, size = 4} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that the batch dimension cannot be sliced.
func @slice_batch(%x: tensor<?x4x8xf32>) {
  // expected-error @+1 {{axis 0 is the dynamic batch dimension}}
  %0 = mt.slice %x {axis = 0, start = 0, size = 1} : (tensor<?x4x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that pad axes exist.
func @pad_axis(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = mt.pad %x {axis = 2, low = 1, high = 1} : (tensor<?x4xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that concat has inputs.
func @concat_empty() {
  // expected-error @+1 {{expected at least one input}}
  %0 = mt.concat {axis = 0} : () -> tensor<*xf32>
  return
}

// -----

// Tests that concat inputs share an element type.
func @concat_types(%a: tensor<?x4xf32>, %b: tensor<?x4xi32>) {
  // expected-error @+1 {{element types differ: input #0 is 'f32', input #1 is 'i32'}}
  %0 = mt.concat %a, %b {axis = 1} : (tensor<?x4xf32>, tensor<?x4xi32>) -> tensor<*xf32>
  return
}

// -----

// Tests that concat inputs agree off the axis.
func @concat_dims(%a: tensor<?x4x2xf32>, %b: tensor<?x4x3xf32>) {
  // expected-error @+1 {{dimension 2 differs: input #0 has 2, input #1 has 3}}
  %0 = mt.concat %a, %b {axis = 1} : (tensor<?x4x2xf32>, tensor<?x4x3xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that concat inputs share a rank.
func @concat_rank(%a: tensor<?x4xf32>, %b: tensor<?x4x1xf32>) {
  // expected-error @+1 {{expected input #1 of rank 2, got rank 3 ([?, 4, 1])}}
  %0 = mt.concat %a, %b {axis = 1} : (tensor<?x4xf32>, tensor<?x4x1xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that a gather table has a static row count.
func @gather_table(%t: tensor<?x4xf32>, %i: tensor<?xi32>) {
  // expected-error @+1 {{axis 0 is the dynamic batch dimension}}
  %0 = mt.gather %t, %i : (tensor<?x4xf32>, tensor<?xi32>) -> tensor<*xf32>
  return
}

// -----

// Tests that scatter_add updates start with the index shape.
func @scatter_shape(%i: tensor<?x4xi32>, %u: tensor<?x5x8xf32>) {
  // expected-error @+1 {{expected leading dimensions of updates of shape [?, 4], got [?, 5]}}
  %0 = mt.scatter_add %i, %u {num_rows = 10} : (tensor<?x4xi32>, tensor<?x5x8xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that iota's dimension exists.
func @iota_dim() {
  // expected-error @+1 {{dimension 2 is out of range for rank 2}}
  %0 = mt.iota {dimension = 2} : () -> tensor<4x8xf32>
  return
}

// -----

// Tests that the seed tensor of dropout_mask is a scalar i64.
func @dropout_seed(%x: tensor<?x4xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{operand #1 must be 0D tensor of 64-bit signless integer values}}
  %0 = mt.dropout_mask %x, %s {rate = 0.1, stream = 0} : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return
}

// -----

// Tests that dropout_mask checks its rate.
func @dropout_mask_rate(%x: tensor<?x4xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{dropout rate -0.1 is outside [0, 1)}}
  %0 = mt.dropout_mask %x, %s {rate = -0.1, stream = 0} : (tensor<?x4xf32>, tensor<i64>) -> tensor<*xf32>
  return
}
