// A small model without dropout, so that one compiled training step can be
// replayed exactly by the reference interpreter: attention, layer norm,
// task attention, a classification and a regression head.
module {
  func @forward(%x: tensor<?x5x6xf32> {mt.input = "x"},
                %kind: tensor<?xi32> {mt.input = "y.kind"},
                %value: tensor<?x1xf32> {mt.input = "y.value"})
      -> (tensor<*xf32>, tensor<*xf32>) {
    %h = mt.dense %x {out_features = 12, activation = "gelu", path = "input_proj"}
        : (tensor<?x5x6xf32>) -> tensor<*xf32>
    %e = mt.encoder %h {num_layers = 1, num_heads = 3, ff_dim = 16, dropout = 0.0, path = "encoder"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %z = mt.task_attention %e {num_tasks = 2, num_heads = 3, path = "task_attention"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p0 = mt.task_head %z {task = 0, out_features = 3, pooling = "token", path = "heads.kind"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p1 = mt.task_head %z {task = 1, out_features = 1, pooling = "token", path = "heads.value"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %loss, %per_task = mt.multitask_loss (%p0, %p1) labels (%kind, %value)
        {tasks = ["kind", "value"], kinds = ["cross_entropy", "mse"], weights = [1.0, 0.5]}
        : (tensor<*xf32>, tensor<*xf32>, tensor<?xi32>, tensor<?x1xf32>) -> (tensor<*xf32>, tensor<*xf32>)
    return %loss, %per_task : tensor<*xf32>, tensor<*xf32>
  }
}
