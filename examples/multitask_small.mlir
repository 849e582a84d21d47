// A small multitask Transformer with every multitask feature: a task encoder,
// 2 encoder layers (width 128, 4 heads, FFN 512), task attention (one learned
// token per task attends to the sequence, then the tasks attend to each
// other), and three heads: 10-class classification, a binary task and a
// regression, balanced by learned uncertainty weights (Kendall et al.).
//
//   mt-opt --mt-infer-shapes --mt-materialize-params examples/multitask_small.mlir

module {
  func @forward(%x: tensor<?x16x16xf32> {mt.input = "x"}, %task: tensor<?xi32> {mt.input = "task"},
                %digit: tensor<?xi32> {mt.input = "y.digit"}, %parity: tensor<?xf32> {mt.input = "y.parity"},
                %value: tensor<?x1xf32> {mt.input = "y.value"}) -> (tensor<*xf32>, tensor<*xf32>) {
    %h0 = mt.dense %x {out_features = 128, path = "input_proj"}
        : (tensor<?x16x16xf32>) -> tensor<*xf32>
    %h1 = mt.positional_encoding %h0 {kind = "sinusoidal", max_len = 64}
        : (tensor<*xf32>) -> tensor<*xf32>
    %h2 = mt.task_encoder %h1, %task {num_tasks = 3, path = "task_encoder"}
        : (tensor<*xf32>, tensor<?xi32>) -> tensor<*xf32>
    %h3 = mt.encoder %h2 {num_layers = 2, num_heads = 4, ff_dim = 512,
                          dropout = 0.1, path = "encoder"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %z = mt.task_attention %h3 {num_tasks = 3, num_heads = 4, path = "task_attention"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p0 = mt.task_head %z {task = 0, out_features = 10, pooling = "token", path = "heads.digit"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p1 = mt.task_head %z {task = 1, out_features = 1, pooling = "token", path = "heads.parity"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p2 = mt.task_head %z {task = 2, out_features = 1, pooling = "token", path = "heads.value"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %loss, %per_task = mt.multitask_loss (%p0, %p1, %p2) labels (%digit, %parity, %value)
        {tasks = ["digit", "parity", "value"],
         kinds = ["cross_entropy", "binary_cross_entropy", "mse"],
         weights = [1.0, 1.0, 1.0], balance = "uncertainty", path = "loss"}
        : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<?xi32>,
           tensor<?xf32>, tensor<?x1xf32>) -> (tensor<*xf32>, tensor<*xf32>)
    return %loss, %per_task : tensor<*xf32>, tensor<*xf32>
  }
}
