// The seed's multitask Transformer: continuous input features projected by a
// relu Dense to width 512, sinusoidal positions, the task encoder (task id ->
// Dense, added to every position), 6 post-LN encoder layers (8 heads, FFN
// 2048, dropout 0.1), and per-position outputs for 3 regression tasks with
// MSE. Each example carries one task id (mixed-task batches): the mask
// built from it makes each task's loss the mean over its own examples.
//
//   mt-opt --mt-infer-shapes --mt-materialize-params examples/seed_transformer.mlir

module {
  func @forward(%x: tensor<?x16x32xf32> {mt.input = "x"}, %task: tensor<?xi32> {mt.input = "task"},
                %y0: tensor<?x16x1xf32> {mt.input = "y.task0"}, %y1: tensor<?x16x1xf32> {mt.input = "y.task1"},
                %y2: tensor<?x16x1xf32> {mt.input = "y.task2"}) -> (tensor<*xf32>, tensor<*xf32>) {
    %h0 = mt.dense %x {out_features = 512, activation = "relu", path = "input_proj"}
        : (tensor<?x16x32xf32>) -> tensor<*xf32>
    %h1 = mt.positional_encoding %h0 {kind = "sinusoidal", max_len = 512}
        : (tensor<*xf32>) -> tensor<*xf32>
    %h2 = mt.task_encoder %h1, %task {num_tasks = 3, path = "task_encoder"}
        : (tensor<*xf32>, tensor<?xi32>) -> tensor<*xf32>
    %h3 = mt.dropout %h2 {rate = 0.1} : (tensor<*xf32>) -> tensor<*xf32>
    %h4 = mt.encoder %h3 {num_layers = 6, num_heads = 8, ff_dim = 2048,
                          dropout = 0.1, path = "encoder"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p0 = mt.task_head %h4 {out_features = 1, pooling = "none", path = "heads.task0"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p1 = mt.task_head %h4 {out_features = 1, pooling = "none", path = "heads.task1"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p2 = mt.task_head %h4 {out_features = 1, pooling = "none", path = "heads.task2"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %mask = mt.one_hot %task {depth = 3} : (tensor<?xi32>) -> tensor<*xi1>
    %loss, %per_task = mt.multitask_loss (%p0, %p1, %p2) labels (%y0, %y1, %y2)
        mask (%mask)
        {tasks = ["task0", "task1", "task2"], kinds = ["mse", "mse", "mse"],
         weights = [1.0, 1.0, 1.0]}
        : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<?x16x1xf32>,
           tensor<?x16x1xf32>, tensor<?x16x1xf32>, tensor<*xi1>)
        -> (tensor<*xf32>, tensor<*xf32>)
    return %loss, %per_task : tensor<*xf32>, tensor<*xf32>
  }
}
