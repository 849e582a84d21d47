// Handwritten digits as a multitask problem (the scripts/demo model): an
// 8x8 image is a sequence of 8 rows of 8 pixels. A shared 2-layer encoder
// (width 64, 4 heads) feeds task attention, where one learned token per task
// reads the sequence and the tasks read each other; three heads predict the
// digit (10 classes), its parity (2 classes) and its value / 9 (regression).
// Every example is labelled for every task (fully labelled batches).
//
//   tools/csv_to_dataset.py examples/data/digits.csv.gz --train train.safetensors --test test.safetensors
//   mtc examples/digits.mlir -o digits

module {
  func @forward(%x: tensor<?x8x8xf32> {mt.input = "x"},
                %digit: tensor<?xi32> {mt.input = "y.digit"},
                %parity: tensor<?xi32> {mt.input = "y.parity"},
                %value: tensor<?x1xf32> {mt.input = "y.value"})
      -> (tensor<*xf32>, tensor<*xf32>) {
    %h0 = mt.dense %x {out_features = 64, path = "input_proj"}
        : (tensor<?x8x8xf32>) -> tensor<*xf32>
    %h1 = mt.positional_encoding %h0 {kind = "sinusoidal", max_len = 8}
        : (tensor<*xf32>) -> tensor<*xf32>
    %h2 = mt.encoder %h1 {num_layers = 2, num_heads = 4, ff_dim = 128,
                          dropout = 0.1, path = "encoder"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %z = mt.task_attention %h2 {num_tasks = 3, num_heads = 4, path = "task_attention"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p0 = mt.task_head %z {task = 0, out_features = 10, pooling = "token", path = "heads.digit"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p1 = mt.task_head %z {task = 1, out_features = 2, pooling = "token", path = "heads.parity"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p2 = mt.task_head %z {task = 2, out_features = 1, pooling = "token", path = "heads.value"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %loss, %per_task = mt.multitask_loss (%p0, %p1, %p2) labels (%digit, %parity, %value)
        {tasks = ["digit", "parity", "value"],
         kinds = ["cross_entropy", "cross_entropy", "mse"],
         weights = [1.0, 0.5, 1.0]}
        : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<?xi32>, tensor<?xi32>,
           tensor<?x1xf32>) -> (tensor<*xf32>, tensor<*xf32>)
    return %loss, %per_task : tensor<*xf32>, tensor<*xf32>
  }
}
