// The "seed-size" benchmark config of the fast-kernels work (also the model of
// shared/anchors/pytorch/mt_model.py, config "seed"): input features
// F=64, S=128, width 512, 8 heads, FFN 2048, 6 post-LN encoder layers,
// dropout 0; a relu input Dense, sinusoidal positions, the task encoder,
// task attention and one token head per task: 10-class cross-entropy,
// 2-class cross-entropy and a regression, with a label mask input.
//
//   python3 bench/e2e/e2e.py          (MTC against PyTorch, side by side)

module {
  func @forward(%x: tensor<?x128x64xf32> {mt.input = "x"}, %task: tensor<?xi32> {mt.input = "task"},
                %cls: tensor<?xi32> {mt.input = "y.cls"}, %bin: tensor<?xi32> {mt.input = "y.bin"},
                %reg: tensor<?x1xf32> {mt.input = "y.reg"},
                %mask: tensor<?x3xi1> {mt.input = "mask"}) -> (tensor<*xf32>, tensor<*xf32>) {
    %h0 = mt.dense %x {out_features = 512, activation = "relu", path = "input_proj"}
        : (tensor<?x128x64xf32>) -> tensor<*xf32>
    %h1 = mt.positional_encoding %h0 {kind = "sinusoidal", max_len = 128}
        : (tensor<*xf32>) -> tensor<*xf32>
    %h2 = mt.task_encoder %h1, %task {num_tasks = 3, path = "task_encoder"}
        : (tensor<*xf32>, tensor<?xi32>) -> tensor<*xf32>
    %h3 = mt.encoder %h2 {num_layers = 6, num_heads = 8, ff_dim = 2048,
                          dropout = 0.0, path = "encoder"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %z = mt.task_attention %h3 {num_tasks = 3, num_heads = 8, path = "task_attention"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p0 = mt.task_head %z {task = 0, out_features = 10, pooling = "token", path = "heads.cls"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p1 = mt.task_head %z {task = 1, out_features = 2, pooling = "token", path = "heads.bin"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p2 = mt.task_head %z {task = 2, out_features = 1, pooling = "token", path = "heads.reg"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %loss, %per_task = mt.multitask_loss (%p0, %p1, %p2) labels (%cls, %bin, %reg)
        mask (%mask)
        {tasks = ["cls", "bin", "reg"],
         kinds = ["cross_entropy", "cross_entropy", "mse"],
         weights = [1.0, 1.0, 1.0]}
        : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<?xi32>,
           tensor<?xi32>, tensor<?x1xf32>, tensor<?x3xi1>)
        -> (tensor<*xf32>, tensor<*xf32>)
    return %loss, %per_task : tensor<*xf32>, tensor<*xf32>
  }
}
