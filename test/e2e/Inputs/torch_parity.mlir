// The model of torch-parity.test, small enough to train in a second: every
// op of the multitask Transformer (relu input Dense, sinusoidal positions,
// task encoder, 2 post-LN encoder layers, task attention, token heads), the
// three loss kinds with unequal static weights, and a label mask. Its
// PyTorch twin, with the same state_dict names, is torch_parity.py.
module {
  func @forward(%x: tensor<?x6x5xf32> {mt.input = "x"}, %task: tensor<?xi32> {mt.input = "task"},
                %cls: tensor<?xi32> {mt.input = "y.cls"}, %bin: tensor<?xf32> {mt.input = "y.bin"},
                %reg: tensor<?x2xf32> {mt.input = "y.reg"},
                %mask: tensor<?x3xi1> {mt.input = "mask"}) -> (tensor<*xf32>, tensor<*xf32>) {
    %h0 = mt.dense %x {out_features = 16, activation = "relu", path = "input_proj"}
        : (tensor<?x6x5xf32>) -> tensor<*xf32>
    %h1 = mt.positional_encoding %h0 {kind = "sinusoidal", max_len = 6}
        : (tensor<*xf32>) -> tensor<*xf32>
    %h2 = mt.task_encoder %h1, %task {num_tasks = 3, path = "task_encoder"}
        : (tensor<*xf32>, tensor<?xi32>) -> tensor<*xf32>
    %h3 = mt.encoder %h2 {num_layers = 2, num_heads = 2, ff_dim = 24,
                          dropout = 0.0, path = "encoder"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %z = mt.task_attention %h3 {num_tasks = 3, num_heads = 2, path = "task_attention"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p0 = mt.task_head %z {task = 0, out_features = 4, pooling = "token", path = "heads.cls"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p1 = mt.task_head %z {task = 1, out_features = 1, pooling = "token", path = "heads.bin"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p2 = mt.task_head %z {task = 2, out_features = 2, pooling = "token", path = "heads.reg"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %loss, %per_task = mt.multitask_loss (%p0, %p1, %p2) labels (%cls, %bin, %reg)
        mask (%mask)
        {tasks = ["cls", "bin", "reg"],
         kinds = ["cross_entropy", "binary_cross_entropy", "mse"],
         weights = [1.0, 0.5, 2.0]}
        : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<?xi32>,
           tensor<?xf32>, tensor<?x2xf32>, tensor<?x3xi1>)
        -> (tensor<*xf32>, tensor<*xf32>)
    return %loss, %per_task : tensor<*xf32>, tensor<*xf32>
  }
}
