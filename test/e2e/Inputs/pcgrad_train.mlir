// A small two-task model trained with PCGrad gradient surgery (static weights), without
// dropout, so that one compiled training step can be replayed exactly by
// the reference interpreter: two shared layers, a classification and a
// regression head.
module {
  func @forward(%x: tensor<?x8xf32> {mt.input = "x"},
                %kind: tensor<?xi32> {mt.input = "y.kind"},
                %value: tensor<?x1xf32> {mt.input = "y.value"})
      -> (tensor<*xf32>, tensor<*xf32>) {
    %h = mt.dense %x {out_features = 16, activation = "gelu", path = "trunk.0"}
        : (tensor<?x8xf32>) -> tensor<*xf32>
    %z = mt.dense %h {out_features = 12, activation = "relu", path = "trunk.1"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p0 = mt.dense %z {out_features = 4, path = "heads.kind"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %p1 = mt.dense %z {out_features = 1, path = "heads.value"}
        : (tensor<*xf32>) -> tensor<*xf32>
    %loss, %per_task = mt.multitask_loss (%p0, %p1) labels (%kind, %value)
        {tasks = ["kind", "value"], kinds = ["cross_entropy", "mse"], weights = [1.0, 1.0],
         surgery = "pcgrad"}
        : (tensor<*xf32>, tensor<*xf32>, tensor<?xi32>, tensor<?x1xf32>) -> (tensor<*xf32>, tensor<*xf32>)
    return %loss, %per_task : tensor<*xf32>, tensor<*xf32>
  }
}
