//===- DecomposeNumericsTest.cpp - mt-decompose against PyTorch's math ----===//
//
// Tests that mt-decompose computes what the PyTorch modules of DESIGN.md §2
// compute. Each model op is parsed as a one-op function and run through
// mt-infer-shapes, mt-materialize-params and mt-decompose; every parameter
// gets seeded random values (layer-norm weights and zero-initialised biases
// included, so each is exercised); the reference interpreter runs the
// decomposed function on random inputs at batch 1 and 3. The expected values
// come from an independent float64 reference written below in plain loops
// from the documented formulas of nn.Linear, nn.Embedding, the tutorial's
// PositionalEncoding, nn.MultiheadAttention, nn.LayerNorm,
// nn.TransformerEncoderLayer and nn.TransformerEncoder, reading parameters
// by their state_dict names and layouts. Dropout is identity (inference):
// the mt.dropout ops the decomposition keeps are replaced by their operands
// before interpreting. Widths are not powers of two (D = 12 with 3 heads).
// Tolerance: max |actual - expected| / max(1, |expected|) below 1e-5.
//
//===----------------------------------------------------------------------===//

#include "support/MlirTest.h"
#include "Interpreter/Interpreter.h"
#include "Transforms/Passes.h"

#include "mt/Dialect/MTDialect.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {
using mt::interp::ElementKind;
using mt::interp::ParameterValues;
using mt::interp::Tensor;

constexpr double kTolerance = 1e-5;
constexpr int64_t kBatchSizes[] = {1, 3};

//===----------------------------------------------------------------------===//
// The reference: PyTorch's modules in float64 loops
//===----------------------------------------------------------------------===//

/// A row-major float64 array; a "row" is one vector along the last axis.
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;

  static Array zeros(std::vector<int64_t> shape) {
    int64_t count = 1;
    for (int64_t extent : shape)
      count *= extent;
    return Array{std::move(shape), std::vector<double>(count, 0.0)};
  }
  static Array of(const Tensor &tensor) {
    return Array{tensor.shape, tensor.data};
  }

  int64_t width() const { return shape.back(); }
  int64_t rows() const { return static_cast<int64_t>(data.size()) / width(); }
  double &at(int64_t row, int64_t column) {
    return data[row * width() + column];
  }
  double at(int64_t row, int64_t column) const {
    return data[row * width() + column];
  }
};

const Tensor &parameter(const ParameterValues &params,
                        const std::string &name) {
  auto found = params.find(name);
  EXPECT_NE(found, params.end()) << "no parameter named " << name;
  static const Tensor missing;
  return found == params.end() ? missing : found->second;
}

Array add(const Array &x, const Array &y) {
  Array sum = x;
  for (size_t i = 0; i < sum.data.size(); ++i)
    sum.data[i] += y.data[i];
  return sum;
}

/// torch.nn.functional's activations; GELU is the exact erf form.
double activation(const std::string &kind, double v) {
  if (kind == "relu")
    return v > 0.0 ? v : 0.0;
  if (kind == "gelu")
    return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
  if (kind == "tanh")
    return std::tanh(v);
  if (kind == "sigmoid")
    return 1.0 / (1.0 + std::exp(-v));
  EXPECT_EQ(kind, "none");
  return v;
}

Array activation(const std::string &kind, Array x) {
  for (double &v : x.data)
    v = activation(kind, v);
  return x;
}

/// nn.Linear: y = x W^T + b over the last axis, W stored [out, in]. The
/// rows [firstOut, firstOut + out) of W and b make the module (PyTorch's
/// in_proj_weight packs q, k and v this way).
Array nnLinear(const Array &x, const Tensor &weight, const Tensor *bias,
               int64_t firstOut = 0, int64_t out = -1) {
  int64_t in = weight.shape[1];
  if (out < 0)
    out = weight.shape[0];
  EXPECT_EQ(x.width(), in);
  std::vector<int64_t> shape = x.shape;
  shape.back() = out;
  Array y = Array::zeros(shape);
  for (int64_t row = 0; row < x.rows(); ++row)
    for (int64_t o = 0; o < out; ++o) {
      double sum = bias ? bias->data[firstOut + o] : 0.0;
      for (int64_t i = 0; i < in; ++i)
        sum += x.at(row, i) * weight.data[(firstOut + o) * in + i];
      y.at(row, o) = sum;
    }
  return y;
}

Array nnLinear(const Array &x, const ParameterValues &params,
               const std::string &path) {
  return nnLinear(x, parameter(params, path + ".weight"),
                  &parameter(params, path + ".bias"));
}

/// nn.Embedding: result[..., :] = weight[ids[...], :].
Array nnEmbedding(const Tensor &ids, const Tensor &weight) {
  int64_t width = weight.shape[1];
  std::vector<int64_t> shape = ids.shape;
  shape.push_back(width);
  Array y = Array::zeros(shape);
  for (int64_t row = 0; row < ids.numElements(); ++row)
    for (int64_t c = 0; c < width; ++c)
      y.at(row, c) =
          weight.data[static_cast<int64_t>(ids.data[row]) * width + c];
  return y;
}

/// The PyTorch tutorial's PositionalEncoding on [B, S, D]:
/// x + PE[p, 2i] = sin(p / 10000^(2i/D)), PE[p, 2i+1] = cos(p / 10000^(2i/D)).
Array sinusoidalPositionalEncoding(Array x) {
  int64_t length = x.shape[1], width = x.shape[2];
  for (int64_t row = 0; row < x.rows(); ++row) {
    int64_t p = row % length;
    for (int64_t i = 0; 2 * i < width; ++i) {
      double angle = p / std::pow(10000.0, 2.0 * i / width);
      x.at(row, 2 * i) += std::sin(angle);
      x.at(row, 2 * i + 1) += std::cos(angle);
    }
  }
  return x;
}

/// A learned positional table: x + weight[p, :] for p in [0, S).
Array learnedPositionalEncoding(Array x, const Tensor &weight) {
  int64_t length = x.shape[1], width = x.shape[2];
  for (int64_t row = 0; row < x.rows(); ++row)
    for (int64_t c = 0; c < width; ++c)
      x.at(row, c) += weight.data[(row % length) * width + c];
  return x;
}

/// F.one_hot(ids, depth).float().
Array oneHot(const Tensor &ids, int64_t depth) {
  Array y = Array::zeros({ids.numElements(), depth});
  for (int64_t row = 0; row < ids.numElements(); ++row)
    y.at(row, static_cast<int64_t>(ids.data[row])) = 1.0;
  return y;
}

/// The seed's task encoder: h + nn.Linear(T, D)(onehot(task)), the feature
/// of example b added at every position of h[b] ([B, S, D] or [B, D]).
Array taskEncoder(Array h, const Tensor &task, int64_t numTasks,
                  const ParameterValues &params, const std::string &path) {
  Array feature = nnLinear(oneHot(task, numTasks), params, path);
  int64_t rowsPerExample = h.rows() / h.shape[0];
  for (int64_t row = 0; row < h.rows(); ++row)
    for (int64_t c = 0; c < h.width(); ++c)
      h.at(row, c) += feature.at(row / rowsPerExample, c);
  return h;
}

/// nn.MultiheadAttention(D, H, batch_first=True)(query, key, value,
/// key_padding_mask): q, k, v from the packed in_proj_weight [3D, D] and
/// in_proj_bias [3D]; per head, softmax(q k^T / sqrt(D/H)) v with masked keys
/// (true) removed; heads concatenated; out_proj.
Array nnMultiheadAttention(const Array &query, const Array &key,
                           const Array &value, const Tensor *keyPaddingMask,
                           int64_t heads, const ParameterValues &params,
                           const std::string &path) {
  int64_t batch = query.shape[0], queries = query.shape[1], keys = key.shape[1],
          width = query.shape[2], headWidth = width / heads;
  const Tensor &inWeight = parameter(params, path + ".in_proj_weight");
  const Tensor &inBias = parameter(params, path + ".in_proj_bias");
  Array q = nnLinear(query, inWeight, &inBias, 0, width);
  Array k = nnLinear(key, inWeight, &inBias, width, width);
  Array v = nnLinear(value, inWeight, &inBias, 2 * width, width);
  Array context = Array::zeros(query.shape);
  std::vector<double> probabilities(keys);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < queries; ++i) {
        double total = 0.0;
        for (int64_t j = 0; j < keys; ++j) {
          if (keyPaddingMask && keyPaddingMask->data[b * keys + j] != 0.0) {
            probabilities[j] = 0.0;
            continue;
          }
          double score = 0.0;
          for (int64_t e = 0; e < headWidth; ++e)
            score += q.at(b * queries + i, h * headWidth + e) *
                     k.at(b * keys + j, h * headWidth + e);
          probabilities[j] = std::exp(score / std::sqrt(double(headWidth)));
          total += probabilities[j];
        }
        for (int64_t e = 0; e < headWidth; ++e) {
          double sum = 0.0;
          for (int64_t j = 0; j < keys; ++j)
            sum += probabilities[j] / total *
                   v.at(b * keys + j, h * headWidth + e);
          context.at(b * queries + i, h * headWidth + e) = sum;
        }
      }
  return nnLinear(context, params, path + ".out_proj");
}

/// nn.LayerNorm(D, eps): (x - mean) / sqrt(var + eps) * weight + bias over
/// the last axis, var biased (divided by D).
Array nnLayerNorm(Array x, const ParameterValues &params,
                  const std::string &path, double eps) {
  const Tensor &weight = parameter(params, path + ".weight");
  const Tensor &bias = parameter(params, path + ".bias");
  int64_t width = x.width();
  for (int64_t row = 0; row < x.rows(); ++row) {
    double mean = 0.0, variance = 0.0;
    for (int64_t c = 0; c < width; ++c)
      mean += x.at(row, c) / width;
    for (int64_t c = 0; c < width; ++c)
      variance += (x.at(row, c) - mean) * (x.at(row, c) - mean) / width;
    for (int64_t c = 0; c < width; ++c)
      x.at(row, c) =
          (x.at(row, c) - mean) / std::sqrt(variance + eps) * weight.data[c] +
          bias.data[c];
  }
  return x;
}

/// nn.TransformerEncoderLayer's feed-forward block: linear2(act(linear1(x))).
Array feedForward(const Array &x, const std::string &activationKind,
                  const ParameterValues &params, const std::string &path) {
  return nnLinear(
      activation(activationKind, nnLinear(x, params, path + ".linear1")),
      params, path + ".linear2");
}

struct EncoderConfig {
  int64_t heads;
  std::string activation;
  bool normFirst;
  double eps;
};

/// nn.TransformerEncoderLayer(batch_first=True).forward(x,
/// src_key_padding_mask), following its forward():
///   norm_first: x = x + sa(norm1(x)); x = x + ff(norm2(x))
///   otherwise:  x = norm1(x + sa(x)); x = norm2(x + ff(x))
Array nnTransformerEncoderLayer(Array x, const Tensor *mask,
                                const EncoderConfig &config,
                                const ParameterValues &params,
                                const std::string &path) {
  auto selfAttention = [&](const Array &h) {
    return nnMultiheadAttention(h, h, h, mask, config.heads, params,
                                path + ".self_attn");
  };
  auto block = [&](const Array &h) {
    return feedForward(h, config.activation, params, path);
  };
  auto norm = [&](const Array &h, const char *name) {
    return nnLayerNorm(h, params, path + "." + name, config.eps);
  };
  if (config.normFirst) {
    x = add(x, selfAttention(norm(x, "norm1")));
    return add(x, block(norm(x, "norm2")));
  }
  x = norm(add(x, selfAttention(x)), "norm1");
  return norm(add(x, block(x)), "norm2");
}

/// nn.TransformerEncoder(layer, num_layers, norm): the layers in turn, then
/// the optional final norm.
Array nnTransformerEncoder(Array x, const Tensor *mask, int64_t numLayers,
                           bool finalNorm, const EncoderConfig &config,
                           const ParameterValues &params,
                           const std::string &path) {
  for (int64_t i = 0; i < numLayers; ++i)
    x = nnTransformerEncoderLayer(x, mask, config, params,
                                  path + ".layers." + std::to_string(i));
  return finalNorm ? nnLayerNorm(x, params, path + ".norm", config.eps) : x;
}

/// mt.task_attention as its description states: task tokens [T, D]
/// broadcast to [B, T, D]; z = norm1(z + cross_attn(z, h, h));
/// z = norm2(z + self_attn(z, z, z)).
Array taskAttention(const Array &h, const Tensor *mask, int64_t tasks,
                    int64_t heads, double eps, const ParameterValues &params,
                    const std::string &path) {
  const Tensor &tokens = parameter(params, path + ".task_tokens");
  int64_t width = h.width();
  Array z = Array::zeros({h.shape[0], tasks, width});
  for (int64_t row = 0; row < z.rows(); ++row)
    for (int64_t c = 0; c < width; ++c)
      z.at(row, c) = tokens.data[(row % tasks) * width + c];
  z = nnLayerNorm(add(z, nnMultiheadAttention(z, h, h, mask, heads, params,
                                              path + ".cross_attn")),
                  params, path + ".norm1", eps);
  return nnLayerNorm(add(z, nnMultiheadAttention(z, z, z, nullptr, heads,
                                                 params, path + ".self_attn")),
                     params, path + ".norm2", eps);
}

/// mt.task_head: nn.Linear on row `task` of [B, T, D] (token), the mean or
/// the first position of [B, S, D], or every position (none).
Array taskHead(const Array &x, const std::string &pooling, int64_t task,
               const ParameterValues &params, const std::string &path) {
  if (pooling == "none")
    return nnLinear(x, params, path);
  int64_t batch = x.shape[0], length = x.shape[1], width = x.shape[2];
  Array pooled = Array::zeros({batch, width});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < width; ++c) {
      if (pooling == "mean") {
        for (int64_t s = 0; s < length; ++s)
          pooled.at(b, c) += x.at(b * length + s, c) / length;
      } else {
        int64_t row = pooling == "token" ? task : 0;
        pooled.at(b, c) = x.at(b * length + row, c);
      }
    }
  return nnLinear(pooled, params, path);
}

//===----------------------------------------------------------------------===//
// The harness: parse, decompose, randomize, interpret, compare
//===----------------------------------------------------------------------===//

/// Expects the shape of `expected` and max |a - b| / max(1, |b|) below the
/// tolerance.
void expectMatches(const Tensor &actual, const Array &expected) {
  ASSERT_EQ(actual.shape, expected.shape);
  ASSERT_EQ(actual.data.size(), expected.data.size());
  double worst = 0.0;
  size_t worstAt = 0;
  for (size_t i = 0; i < expected.data.size(); ++i) {
    double error = std::abs(actual.data[i] - expected.data[i]) /
                   std::max(1.0, std::abs(expected.data[i]));
    if (!(error <= worst)) {
      worst =
          std::isnan(error) ? std::numeric_limits<double>::infinity() : error;
      worstAt = i;
    }
  }
  EXPECT_LT(worst, kTolerance)
      << "worst at element " << worstAt << ": " << actual.data[worstAt]
      << " (decomposed) vs " << expected.data[worstAt] << " (reference)";
}

class DecomposeNumericsTest : public mt::testing::MlirTest {
protected:
  /// Parses `source` (one function), runs the passes that precede and
  /// include mt-decompose, gives every parameter random values and returns
  /// the decomposed function (null on failure).
  mlir::FuncOp decompose(const std::string &source) {
    module = mlir::parseSourceString(source, &context);
    EXPECT_TRUE(module) << "parse failed:\n" << diagnostics;
    if (!module)
      return nullptr;
    mlir::PassManager pm(&context);
    pm.addPass(mt::createInferShapesPass());
    pm.addPass(mt::createMaterializeParamsPass());
    pm.addPass(mt::createDecomposePass());
    bool passed = mlir::succeeded(pm.run(*module));
    EXPECT_TRUE(passed) << diagnostics;
    if (!passed)
      return nullptr;
    params.clear();
    module->walk([&](mt::ParamOp param) {
      params[param.getSymName().str()] =
          random(param.type().cast<mlir::RankedTensorType>().getShape());
    });
    auto funcs = module->getOps<mlir::FuncOp>();
    return funcs.empty() ? nullptr : *funcs.begin();
  }

  /// Replaces every mt.dropout by its operand (identity at inference) and
  /// returns how many there were.
  int64_t removeDropout(mlir::FuncOp func) {
    llvm::SmallVector<mt::DropoutOp, 8> dropouts;
    func.walk([&](mt::DropoutOp op) { dropouts.push_back(op); });
    for (mt::DropoutOp op : dropouts) {
      op.getResult().replaceAllUsesWith(op.getInput());
      op.erase();
    }
    return dropouts.size();
  }

  /// The single result of interpreting `func` on `args`.
  Tensor interpret(mlir::FuncOp func, std::vector<Tensor> args) {
    diagnostics.clear();
    auto results = mt::interp::interpret(func, args, params);
    EXPECT_TRUE(mlir::succeeded(results)) << diagnostics;
    if (mlir::failed(results) || results->size() != 1)
      return Tensor();
    return results->front();
  }

  /// Uniform in [-1, 1), rounded to f32.
  Tensor random(llvm::ArrayRef<int64_t> shape) {
    Tensor tensor = Tensor::zeros(shape.vec(), ElementKind::F32);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    for (double &value : tensor.data)
      value = uniform(rng);
    return Tensor::f32(tensor.shape, tensor.data);
  }

  /// Integer ids uniform in [0, depth).
  Tensor randomIds(std::vector<int64_t> shape, int32_t depth) {
    std::uniform_int_distribution<int32_t> uniform(0, depth - 1);
    std::vector<int32_t> ids(
        Tensor::zeros(shape, ElementKind::I32).data.size());
    for (int32_t &id : ids)
      id = uniform(rng);
    return Tensor::i32(std::move(shape), ids);
  }

  /// A key padding mask [B, S] (true = padding) with one or two padded keys
  /// per example, never all of them, at places that differ by example.
  static Tensor paddingMask(int64_t batch, int64_t keys) {
    std::vector<bool> padded;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t j = 0; j < keys; ++j)
        padded.push_back((j + b) % 3 == 0);
    return Tensor::i1({batch, keys}, padded);
  }

  std::mt19937 rng{20240611};
  ParameterValues params;
};

//===----------------------------------------------------------------------===//
// One test per model op
//===----------------------------------------------------------------------===//

TEST_F(DecomposeNumericsTest, DenseIsLinearThenActivation) {
  for (std::string activationKind : {"none", "relu", "gelu", "tanh", "sigmoid"})
    for (bool useBias : {true, false}) {
      SCOPED_TRACE(activationKind + (useBias ? " with bias" : " no bias"));
      mlir::FuncOp func = decompose(
          "func @f(%x: tensor<?x5x7xf32>) -> tensor<*xf32> {\n"
          "  %0 = mt.dense %x {out_features = 9, activation = \"" +
          activationKind + "\", use_bias = " + (useBias ? "true" : "false") +
          ", path = \"proj\"} : (tensor<?x5x7xf32>) -> tensor<*xf32>\n"
          "  return %0 : tensor<*xf32>\n}\n");
      ASSERT_TRUE(func);
      for (int64_t batch : kBatchSizes) {
        SCOPED_TRACE("batch " + std::to_string(batch));
        Tensor x = random({batch, 5, 7});
        const Tensor &weight = parameter(params, "proj.weight");
        Array expected = activation(
            activationKind,
            nnLinear(Array::of(x), weight,
                     useBias ? &parameter(params, "proj.bias") : nullptr));
        expectMatches(interpret(func, {x}), expected);
      }
    }
}

TEST_F(DecomposeNumericsTest, EmbeddingIsRowLookup) {
  mlir::FuncOp func = decompose(
      "func @f(%ids: tensor<?x5xi32>) -> tensor<*xf32> {\n"
      "  %0 = mt.embedding %ids {num_embeddings = 11, embedding_dim = 12, "
      "path = \"embed\"} : (tensor<?x5xi32>) -> tensor<*xf32>\n"
      "  return %0 : tensor<*xf32>\n}\n");
  ASSERT_TRUE(func);
  for (int64_t batch : kBatchSizes) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    Tensor ids = randomIds({batch, 5}, 11);
    expectMatches(interpret(func, {ids}),
                  nnEmbedding(ids, parameter(params, "embed.weight")));
  }
}

TEST_F(DecomposeNumericsTest, SinusoidalPositionalEncodingIsTheTutorials) {
  // 50 positions, so the angles reach well past 2 pi in the low columns.
  mlir::FuncOp func = decompose(
      "func @f(%x: tensor<?x50x12xf32>) -> tensor<*xf32> {\n"
      "  %0 = mt.positional_encoding %x {kind = \"sinusoidal\", max_len = 64}"
      " : (tensor<?x50x12xf32>) -> tensor<*xf32>\n"
      "  return %0 : tensor<*xf32>\n}\n");
  ASSERT_TRUE(func);
  for (int64_t batch : kBatchSizes) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    Tensor x = random({batch, 50, 12});
    expectMatches(interpret(func, {x}),
                  sinusoidalPositionalEncoding(Array::of(x)));
  }
}

TEST_F(DecomposeNumericsTest, LearnedPositionalEncodingAddsTheFirstRows) {
  mlir::FuncOp func = decompose(
      "func @f(%x: tensor<?x5x12xf32>) -> tensor<*xf32> {\n"
      "  %0 = mt.positional_encoding %x {kind = \"learned\", max_len = 9, "
      "path = \"pos\"} : (tensor<?x5x12xf32>) -> tensor<*xf32>\n"
      "  return %0 : tensor<*xf32>\n}\n");
  ASSERT_TRUE(func);
  for (int64_t batch : kBatchSizes) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    Tensor x = random({batch, 5, 12});
    expectMatches(interpret(func, {x}),
                  learnedPositionalEncoding(Array::of(x),
                                            parameter(params, "pos.weight")));
  }
}

TEST_F(DecomposeNumericsTest, TaskEncoderAddsLinearOfOneHotEverywhere) {
  for (std::string type : {"tensor<?x5x12xf32>", "tensor<?x12xf32>"}) {
    SCOPED_TRACE(type);
    mlir::FuncOp func =
        decompose("func @f(%h: " + type +
                  ", %task: tensor<?xi32>) -> tensor<*xf32> {\n"
                  "  %0 = mt.task_encoder %h, %task {num_tasks = 4, path = "
                  "\"task_encoder\"} : (" +
                  type +
                  ", tensor<?xi32>) -> tensor<*xf32>\n"
                  "  return %0 : tensor<*xf32>\n}\n");
    ASSERT_TRUE(func);
    for (int64_t batch : kBatchSizes) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      Tensor h = type == "tensor<?x12xf32>" ? random({batch, 12})
                                            : random({batch, 5, 12});
      Tensor task = randomIds({batch}, 4);
      expectMatches(interpret(func, {h, task}),
                    taskEncoder(Array::of(h), task, 4, params, "task_encoder"));
    }
  }
}

TEST_F(DecomposeNumericsTest,
       SelfAttentionWithPaddingMaskIsMultiheadAttention) {
  mlir::FuncOp func = decompose(
      "func @f(%x: tensor<?x5x12xf32>, %pad: tensor<?x5xi1>) -> "
      "tensor<*xf32> {\n"
      "  %0 = mt.attention %x, %x, %x mask %pad {num_heads = 3, path = "
      "\"attn\"} : (tensor<?x5x12xf32>, tensor<?x5x12xf32>, "
      "tensor<?x5x12xf32>, tensor<?x5xi1>) -> tensor<*xf32>\n"
      "  return %0 : tensor<*xf32>\n}\n");
  ASSERT_TRUE(func);
  for (int64_t batch : kBatchSizes) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    Tensor x = random({batch, 5, 12});
    Tensor mask = paddingMask(batch, 5);
    Array h = Array::of(x);
    expectMatches(interpret(func, {x, mask}),
                  nnMultiheadAttention(h, h, h, &mask, 3, params, "attn"));
  }
}

TEST_F(DecomposeNumericsTest, CrossAttentionIsMultiheadAttention) {
  // Sq = 4 queries over Sk = 7 keys; key and value differ, so each packed
  // projection is checked on its own input.
  for (bool masked : {false, true}) {
    SCOPED_TRACE(masked ? "with key padding mask" : "no mask");
    std::string maskArg = masked ? ", %pad: tensor<?x7xi1>" : "";
    mlir::FuncOp func = decompose(
        "func @f(%q: tensor<?x4x12xf32>, %k: tensor<?x7x12xf32>, "
        "%v: tensor<?x7x12xf32>" +
        maskArg + ") -> tensor<*xf32> {\n  %0 = mt.attention %q, %k, %v " +
        (masked ? "mask %pad " : "") +
        "{num_heads = 3, path = \"cross\"} : (tensor<?x4x12xf32>, "
        "tensor<?x7x12xf32>, tensor<?x7x12xf32>" +
        (masked ? ", tensor<?x7xi1>" : "") +
        ") -> tensor<*xf32>\n  return %0 : tensor<*xf32>\n}\n");
    ASSERT_TRUE(func);
    for (int64_t batch : kBatchSizes) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      Tensor q = random({batch, 4, 12}), k = random({batch, 7, 12}),
             v = random({batch, 7, 12});
      Tensor mask = paddingMask(batch, 7);
      std::vector<Tensor> args = {q, k, v};
      if (masked)
        args.push_back(mask);
      expectMatches(interpret(func, args),
                    nnMultiheadAttention(Array::of(q), Array::of(k),
                                         Array::of(v), masked ? &mask : nullptr,
                                         3, params, "cross"));
    }
  }
}

TEST_F(DecomposeNumericsTest, FeedForwardIsLinearActivationLinear) {
  for (std::string activationKind : {"relu", "gelu"}) {
    SCOPED_TRACE(activationKind);
    mlir::FuncOp func = decompose(
        "func @f(%x: tensor<?x5x12xf32>) -> tensor<*xf32> {\n"
        "  %0 = mt.feed_forward %x {hidden = 20, activation = \"" +
        activationKind +
        "\", path = \"ffn\"} : (tensor<?x5x12xf32>) -> tensor<*xf32>\n"
        "  return %0 : tensor<*xf32>\n}\n");
    ASSERT_TRUE(func);
    for (int64_t batch : kBatchSizes) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      Tensor x = random({batch, 5, 12});
      expectMatches(interpret(func, {x}),
                    feedForward(Array::of(x), activationKind, params, "ffn"));
    }
  }
}

TEST_F(DecomposeNumericsTest, LayerNormIsBiasedVarianceEpsInsideRoot) {
  // eps = 0.25 is large enough that eps outside the root, or an unbiased
  // variance, would miss the tolerance by orders of magnitude.
  for (std::string eps : {"1.0e-05", "2.5e-01"}) {
    SCOPED_TRACE("eps " + eps);
    mlir::FuncOp func =
        decompose("func @f(%x: tensor<?x5x12xf32>) -> tensor<*xf32> {\n"
                  "  %0 = mt.layer_norm %x {eps = " +
                  eps +
                  ", path = \"norm\"} : (tensor<?x5x12xf32>) -> tensor<*xf32>\n"
                  "  return %0 : tensor<*xf32>\n}\n");
    ASSERT_TRUE(func);
    for (int64_t batch : kBatchSizes) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      Tensor x = random({batch, 5, 12});
      expectMatches(interpret(func, {x}),
                    nnLayerNorm(Array::of(x), params, "norm", std::stod(eps)));
    }
  }
}

TEST_F(DecomposeNumericsTest, EncoderLayerIsTransformerEncoderLayer) {
  // The default dropout (0.1) is kept: nn.TransformerEncoderLayer has four
  // dropout sites (attention weights, dropout1, inside the feed-forward,
  // dropout2), all identity at inference.
  for (bool normFirst : {false, true})
    for (std::string activationKind : {"relu", "gelu"}) {
      SCOPED_TRACE(std::string(normFirst ? "pre-LN " : "post-LN ") +
                   activationKind);
      mlir::FuncOp func = decompose(
          "func @f(%x: tensor<?x5x12xf32>, %pad: tensor<?x5xi1>) -> "
          "tensor<*xf32> {\n"
          "  %0 = mt.encoder_layer %x mask %pad {num_heads = 3, ff_dim = 20, "
          "activation = \"" +
          activationKind +
          "\", norm_first = " + (normFirst ? "true" : "false") +
          ", path = \"layer\"} : (tensor<?x5x12xf32>, tensor<?x5xi1>) -> "
          "tensor<*xf32>\n"
          "  return %0 : tensor<*xf32>\n}\n");
      ASSERT_TRUE(func);
      EXPECT_EQ(removeDropout(func), 4);
      EncoderConfig config{3, activationKind, normFirst, 1e-5};
      for (int64_t batch : kBatchSizes) {
        SCOPED_TRACE("batch " + std::to_string(batch));
        Tensor x = random({batch, 5, 12});
        Tensor mask = paddingMask(batch, 5);
        expectMatches(interpret(func, {x, mask}),
                      nnTransformerEncoderLayer(Array::of(x), &mask, config,
                                                params, "layer"));
      }
    }
}

TEST_F(DecomposeNumericsTest, EncoderIsTransformerEncoderWithFinalNorm) {
  for (bool normFirst : {false, true}) {
    SCOPED_TRACE(normFirst ? "pre-LN" : "post-LN");
    std::string activationKind = normFirst ? "gelu" : "relu";
    mlir::FuncOp func = decompose(
        "func @f(%x: tensor<?x5x12xf32>, %pad: tensor<?x5xi1>) -> "
        "tensor<*xf32> {\n"
        "  %0 = mt.encoder %x mask %pad {num_layers = 2, num_heads = 3, "
        "ff_dim = 20, dropout = 0.0, activation = \"" +
        activationKind + "\", norm_first = " + (normFirst ? "true" : "false") +
        ", final_norm = true, path = \"encoder\"} : (tensor<?x5x12xf32>, "
        "tensor<?x5xi1>) -> tensor<*xf32>\n"
        "  return %0 : tensor<*xf32>\n}\n");
    ASSERT_TRUE(func);
    EXPECT_EQ(removeDropout(func), 0);
    EncoderConfig config{3, activationKind, normFirst, 1e-5};
    for (int64_t batch : kBatchSizes) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      Tensor x = random({batch, 5, 12});
      Tensor mask = paddingMask(batch, 5);
      expectMatches(interpret(func, {x, mask}),
                    nnTransformerEncoder(Array::of(x), &mask, 2,
                                         /*finalNorm=*/true, config, params,
                                         "encoder"));
    }
  }
}

TEST_F(DecomposeNumericsTest, TaskAttentionIsCrossThenSelfAttention) {
  for (bool masked : {false, true}) {
    SCOPED_TRACE(masked ? "with key padding mask" : "no mask");
    mlir::FuncOp func =
        decompose(std::string("func @f(%h: tensor<?x5x12xf32>") +
                  (masked ? ", %pad: tensor<?x5xi1>" : "") +
                  ") -> tensor<*xf32> {\n  %0 = mt.task_attention %h " +
                  (masked ? "mask %pad " : "") +
                  "{num_tasks = 4, num_heads = 3, path = \"task_attn\"} : "
                  "(tensor<?x5x12xf32>" +
                  (masked ? ", tensor<?x5xi1>" : "") +
                  ") -> tensor<*xf32>\n  return %0 : tensor<*xf32>\n}\n");
    ASSERT_TRUE(func);
    for (int64_t batch : kBatchSizes) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      Tensor h = random({batch, 5, 12});
      Tensor mask = paddingMask(batch, 5);
      std::vector<Tensor> args = {h};
      if (masked)
        args.push_back(mask);
      expectMatches(interpret(func, args),
                    taskAttention(Array::of(h), masked ? &mask : nullptr, 4, 3,
                                  1e-5, params, "task_attn"));
    }
  }
}

TEST_F(DecomposeNumericsTest, TaskHeadPoolsThenLinear) {
  struct Case {
    std::string pooling;
    int64_t length; // T for token pooling, S otherwise
  };
  for (const Case &c :
       {Case{"token", 4}, Case{"mean", 5}, Case{"first", 5}, Case{"none", 5}}) {
    SCOPED_TRACE(c.pooling);
    std::string type = "tensor<?x" + std::to_string(c.length) + "x12xf32>";
    mlir::FuncOp func = decompose(
        "func @f(%x: " + type +
        ") -> tensor<*xf32> {\n"
        "  %0 = mt.task_head %x {out_features = 7, pooling = \"" +
        c.pooling + "\"" + (c.pooling == "token" ? ", task = 2" : "") +
        ", path = \"heads.t\"} : (" + type +
        ") -> tensor<*xf32>\n  return %0 : tensor<*xf32>\n}\n");
    ASSERT_TRUE(func);
    for (int64_t batch : kBatchSizes) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      Tensor x = random({batch, c.length, 12});
      expectMatches(interpret(func, {x}),
                    taskHead(Array::of(x), c.pooling, 2, params, "heads.t"));
    }
  }
}

//===----------------------------------------------------------------------===//
// Parameter names
//===----------------------------------------------------------------------===//

TEST_F(DecomposeNumericsTest, EncoderLayerReadsExactlyItsStateDictNames) {
  mlir::FuncOp func = decompose(
      "func @f(%x: tensor<?x5x12xf32>) -> tensor<*xf32> {\n"
      "  %0 = mt.encoder_layer %x {num_heads = 3, ff_dim = 20, path = "
      "\"encoder.layers.0\"} : (tensor<?x5x12xf32>) -> tensor<*xf32>\n"
      "  return %0 : tensor<*xf32>\n}\n");
  ASSERT_TRUE(func);
  std::set<std::string> read;
  func.walk([&](mt::ParamRefOp ref) { read.insert(ref.getParameter().str()); });
  // nn.TransformerEncoderLayer(12, 3, 20).state_dict(), with their shapes.
  std::map<std::string, std::vector<int64_t>> stateDict = {
      {"encoder.layers.0.self_attn.in_proj_weight", {36, 12}},
      {"encoder.layers.0.self_attn.in_proj_bias", {36}},
      {"encoder.layers.0.self_attn.out_proj.weight", {12, 12}},
      {"encoder.layers.0.self_attn.out_proj.bias", {12}},
      {"encoder.layers.0.linear1.weight", {20, 12}},
      {"encoder.layers.0.linear1.bias", {20}},
      {"encoder.layers.0.linear2.weight", {12, 20}},
      {"encoder.layers.0.linear2.bias", {12}},
      {"encoder.layers.0.norm1.weight", {12}},
      {"encoder.layers.0.norm1.bias", {12}},
      {"encoder.layers.0.norm2.weight", {12}},
      {"encoder.layers.0.norm2.bias", {12}},
  };
  std::set<std::string> expectedNames;
  for (const auto &[name, shape] : stateDict)
    expectedNames.insert(name);
  EXPECT_EQ(read, expectedNames);
  ASSERT_EQ(params.size(), stateDict.size());
  for (const auto &[name, shape] : stateDict)
    EXPECT_EQ(parameter(params, name).shape, shape) << name;
}

} // namespace
