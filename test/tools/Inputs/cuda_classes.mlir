// A small token model whose training steps hold every kernel class the
// schedules know: embedding gather and its scatter_add gradient, matmuls,
// batched attention products, weight-gradient contractions, row reductions
// (softmax, layer norm, the three losses, mean pooling), dropout masks,
// elementwise chains, data movement, the optimizer updates and the
// data-parallel reductions (host calls, not GPU kernels).
module {
  func @forward(%tokens: tensor<?x8xi32> {mt.input = "tokens"},
                %cls: tensor<?xi32> {mt.input = "y.cls"},
                %bin: tensor<?xf32> {mt.input = "y.bin"},
                %reg: tensor<?x1xf32> {mt.input = "y.reg"},
                %mask: tensor<?x3xi1> {mt.input = "mask"}) -> (tensor<*xf32>, tensor<*xf32>) {
    %h0 = mt.embedding %tokens {num_embeddings = 50, embedding_dim = 16, path = "embed"}
        : (tensor<?x8xi32>) -> tensor<*xf32>
    %h1 = mt.positional_encoding %h0 {kind = "sinusoidal", max_len = 8}
        : (tensor<*xf32>) -> tensor<*xf32>
    %h2 = mt.encoder %h1 {num_layers = 1, num_heads = 2, ff_dim = 32,
                          dropout = 0.1, path = "encoder"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p0 = mt.task_head %h2 {out_features = 4, pooling = "mean", path = "heads.cls"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p1 = mt.task_head %h2 {out_features = 1, pooling = "mean", path = "heads.bin"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p2 = mt.task_head %h2 {out_features = 1, pooling = "mean", path = "heads.reg"}
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
