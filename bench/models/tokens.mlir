// The short-sequence token model of the fast-kernels work (issue "Fast CPU
// kernels, part 2"): token embedding (1000 ids), sinusoidal positions, the
// task encoder, 2 post-LN encoder layers (width 128, 4 heads, FFN 512,
// dropout 0), S=16, and one mean-pooled head per task: 10-class
// cross-entropy, a binary task and a regression, with a label mask.
//
//   python3 bench/tokens/tokens.py    (an epoch over 25k examples, batch 64,
//                                      Adam, beside the same model in PyTorch)

module {
  func @forward(%tokens: tensor<?x16xi32> {mt.input = "tokens"},
                %task: tensor<?xi32> {mt.input = "task"},
                %cls: tensor<?xi32> {mt.input = "y.cls"},
                %bin: tensor<?xf32> {mt.input = "y.bin"},
                %reg: tensor<?x1xf32> {mt.input = "y.reg"},
                %mask: tensor<?x3xi1> {mt.input = "mask"}) -> (tensor<*xf32>, tensor<*xf32>) {
    %h0 = mt.embedding %tokens {num_embeddings = 1000, embedding_dim = 128, path = "embed"}
        : (tensor<?x16xi32>) -> tensor<*xf32>
    %h1 = mt.positional_encoding %h0 {kind = "sinusoidal", max_len = 16}
        : (tensor<*xf32>) -> tensor<*xf32>
    %h2 = mt.task_encoder %h1, %task {num_tasks = 3, path = "task_encoder"}
        : (tensor<*xf32>, tensor<?xi32>) -> tensor<*xf32>
    %h3 = mt.encoder %h2 {num_layers = 2, num_heads = 4, ff_dim = 512,
                          dropout = 0.0, path = "encoder"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p0 = mt.task_head %h3 {out_features = 10, pooling = "mean", path = "heads.cls"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p1 = mt.task_head %h3 {out_features = 1, pooling = "mean", path = "heads.bin"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p2 = mt.task_head %h3 {out_features = 1, pooling = "mean", path = "heads.reg"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %loss, %per_task = mt.multitask_loss (%p0, %p1, %p2) labels (%cls, %bin, %reg)
        mask (%mask)
        {tasks = ["cls", "bin", "reg"],
         kinds = ["cross_entropy", "binary_cross_entropy", "mse"],
         weights = [1.0, 1.0, 1.0]}
        : (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<?xi32>,
           tensor<?xf32>, tensor<?x1xf32>, tensor<?x3xi1>)
        -> (tensor<*xf32>, tensor<*xf32>)
    return %loss, %per_task : tensor<*xf32>, tensor<*xf32>
  }
}
