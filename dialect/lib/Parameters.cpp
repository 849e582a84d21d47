//===- Parameters.cpp - the parameters each model op owns -----------------===//
//
// Names, shapes, order and initialisation follow the PyTorch module each op
// is defined as (DESIGN.md §2), so a checkpoint maps to a state_dict by name:
//   nn.Linear              weight [out, in], bias [out]: U(+-1/sqrt(in))
//                          (kaiming_uniform with a = sqrt(5) reduces to it)
//   nn.MultiheadAttention  in_proj_weight [3D, D]: xavier_uniform,
//                          U(+-sqrt(6 / (D + 3D))); in_proj_bias zeros;
//                          out_proj as nn.Linear but its bias zeroed
//   nn.LayerNorm           weight ones, bias zeros
//   nn.Embedding           weight N(0, 1)
//
//===----------------------------------------------------------------------===//

#include "mt/Dialect/MTOps.h"

#include <cmath>

using namespace mlir;
using namespace mt;

const char *mt::stringifyInitRule(InitRule rule) {
  switch (rule) {
  case InitRule::Zeros:
    return "zeros";
  case InitRule::Ones:
    return "ones";
  case InitRule::Uniform:
    return "uniform";
  case InitRule::Normal:
    return "normal";
  }
  llvm_unreachable("unknown init rule");
}

namespace {
/// Appends parameters under a dotted prefix.
class SpecBuilder {
public:
  SpecBuilder(SmallVectorImpl<ParameterSpec> &specs, StringRef prefix)
      : specs(specs), prefix(prefix.str()) {}

  SpecBuilder nested(StringRef name) const {
    return SpecBuilder(specs, prefix + "." + name.str());
  }

  void add(StringRef name, ArrayRef<int64_t> shape, InitRule init,
           double scale = 0.0) const {
    specs.push_back(ParameterSpec{prefix + "." + name.str(),
                                  SmallVector<int64_t, 2>(shape.begin(),
                                                          shape.end()),
                                  init, scale});
  }

  void linear(int64_t in, int64_t out, bool bias = true) const {
    double bound = 1.0 / std::sqrt(static_cast<double>(in));
    add("weight", {out, in}, InitRule::Uniform, bound);
    if (bias)
      add("bias", {out}, InitRule::Uniform, bound);
  }

  void multiheadAttention(int64_t width) const {
    add("in_proj_weight", {3 * width, width}, InitRule::Uniform,
        std::sqrt(6.0 / static_cast<double>(width + 3 * width)));
    add("in_proj_bias", {3 * width}, InitRule::Zeros);
    add("out_proj.weight", {width, width}, InitRule::Uniform,
        1.0 / std::sqrt(static_cast<double>(width)));
    add("out_proj.bias", {width}, InitRule::Zeros);
  }

  void layerNorm(int64_t width) const {
    add("weight", {width}, InitRule::Ones);
    add("bias", {width}, InitRule::Zeros);
  }

  /// nn.TransformerEncoderLayer's state_dict order.
  void encoderLayer(int64_t width, int64_t ffDim) const {
    nested("self_attn").multiheadAttention(width);
    nested("linear1").linear(width, ffDim);
    nested("linear2").linear(ffDim, width);
    nested("norm1").layerNorm(width);
    nested("norm2").layerNorm(width);
  }

private:
  SmallVectorImpl<ParameterSpec> &specs;
  std::string prefix;
};
} // namespace

static int64_t lastDim(Value value) {
  return value.getType().cast<RankedTensorType>().getShape().back();
}

void DenseOp::getParameterSpecs(SmallVectorImpl<ParameterSpec> &specs) {
  SpecBuilder(specs, getPath())
      .linear(lastDim(getInput()), getOutFeaturesAttr().getInt(),
              getUseBias());
}

void EmbeddingOp::getParameterSpecs(SmallVectorImpl<ParameterSpec> &specs) {
  SpecBuilder(specs, getPath())
      .add("weight",
           {getNumEmbeddingsAttr().getInt(), getEmbeddingDimAttr().getInt()},
           InitRule::Normal, 1.0);
}

void PositionalEncodingOp::getParameterSpecs(
    SmallVectorImpl<ParameterSpec> &specs) {
  if (getKind() != "learned")
    return;
  SpecBuilder(specs, *getPath())
      .add("weight", {getMaxLenAttr().getInt(), lastDim(getInput())},
           InitRule::Normal, 1.0);
}

void TaskEncoderOp::getParameterSpecs(SmallVectorImpl<ParameterSpec> &specs) {
  SpecBuilder(specs, getPath())
      .linear(getNumTasksAttr().getInt(), lastDim(getInput()));
}

void AttentionOp::getParameterSpecs(SmallVectorImpl<ParameterSpec> &specs) {
  SpecBuilder(specs, getPath()).multiheadAttention(lastDim(getQuery()));
}

void FeedForwardOp::getParameterSpecs(SmallVectorImpl<ParameterSpec> &specs) {
  int64_t width = lastDim(getInput()), hidden = getHiddenAttr().getInt();
  SpecBuilder builder(specs, getPath());
  builder.nested("linear1").linear(width, hidden);
  builder.nested("linear2").linear(hidden, width);
}

void LayerNormOp::getParameterSpecs(SmallVectorImpl<ParameterSpec> &specs) {
  SpecBuilder(specs, getPath()).layerNorm(lastDim(getInput()));
}

void EncoderLayerOp::getParameterSpecs(
    SmallVectorImpl<ParameterSpec> &specs) {
  SpecBuilder(specs, getPath())
      .encoderLayer(lastDim(getInput()), getFfDimAttr().getInt());
}

void EncoderOp::getParameterSpecs(SmallVectorImpl<ParameterSpec> &specs) {
  int64_t width = lastDim(getInput()), ffDim = getFfDimAttr().getInt();
  SpecBuilder builder(specs, getPath());
  for (int64_t layer = 0, e = getNumLayersAttr().getInt(); layer < e; ++layer)
    builder.nested("layers." + std::to_string(layer))
        .encoderLayer(width, ffDim);
  if (getFinalNorm())
    builder.nested("norm").layerNorm(width);
}

void TaskAttentionOp::getParameterSpecs(
    SmallVectorImpl<ParameterSpec> &specs) {
  int64_t width = lastDim(getInput());
  SpecBuilder builder(specs, getPath());
  builder.add("task_tokens", {getNumTasksAttr().getInt(), width},
              InitRule::Normal, 1.0);
  builder.nested("cross_attn").multiheadAttention(width);
  builder.nested("norm1").layerNorm(width);
  builder.nested("self_attn").multiheadAttention(width);
  builder.nested("norm2").layerNorm(width);
}

void TaskHeadOp::getParameterSpecs(SmallVectorImpl<ParameterSpec> &specs) {
  SpecBuilder(specs, getPath())
      .linear(lastDim(getInput()), getOutFeaturesAttr().getInt());
}

void MultitaskLossOp::getParameterSpecs(
    SmallVectorImpl<ParameterSpec> &specs) {
  int64_t numTasks = getTasks().size();
  if (getBalance() == "uncertainty")
    SpecBuilder(specs, *getPath())
        .add("log_vars", {numTasks}, InitRule::Zeros);
  else if (getBalance() == "gradnorm")
    SpecBuilder(specs, *getPath())
        .add("task_weights", {numTasks}, InitRule::Ones);
}
