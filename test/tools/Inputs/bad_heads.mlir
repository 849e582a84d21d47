module {
  func @forward(%x: tensor<?x4x510xf32> {mt.input = "x"}) -> tensor<*xf32> {
    %0 = mt.attention %x, %x, %x {num_heads = 8, path = "a"} : (tensor<?x4x510xf32>, tensor<?x4x510xf32>, tensor<?x4x510xf32>) -> tensor<*xf32>
    return %0 : tensor<*xf32>
  }
}
