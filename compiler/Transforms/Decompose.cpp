//===- Decompose.cpp - the mt-decompose pass ------------------------------===//
//
// Rewrites every model op into primitive tensor ops with the exact semantics
// of the PyTorch module it stands for (DESIGN.md §2). Composite semantics
// live here, once: attention is written once and used by attention, encoder
// layers and task attention; layer norm and linear layers likewise.
//
// Preconditions: mt-infer-shapes and mt-materialize-params have run (every
// parameter is an mt.param, read through mt.param_ref).
// Kept on purpose: `mt.dropout` (identity at inference, a random mask in
// training: the entry-point passes decide) and `mt.multitask_loss` (its
// balancing state belongs to training, lowered by mt-autodiff).
//
//===----------------------------------------------------------------------===//

#include "PassDetail.h"
#include "Transforms/Passes.h"
#include "Transforms/PrimitiveBuilder.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mt;

namespace {

/// Emits the primitives of one model op, reading its parameters by name.
class Decomposer {
public:
  Decomposer(OpBuilder &builder, Location loc) : b(builder, loc) {}

  Value dense(DenseOp op) {
    std::string path = op.getPath().str();
    Value weight = b.param(path + ".weight");
    Value bias = op.getUseBias() ? b.param(path + ".bias") : Value();
    return b.activation(b.linear(op.getInput(), weight, bias),
                        op.getActivation());
  }

  Value embedding(EmbeddingOp op) {
    return b.create<GatherOp>(b.param(op.getPath().str() + ".weight"),
                              op.getIds());
  }

  /// PE[p, 2i] = sin(p w_i), PE[p, 2i+1] = cos(p w_i),
  /// w_i = exp(-2i ln(10000) / D): PyTorch's tutorial formula, evaluated in
  /// double and rounded to f32 (the tutorial evaluates it in f32).
  Value positionalEncoding(PositionalEncodingOp op) {
    ArrayRef<int64_t> shape = shapeOf(op.getInput());
    int64_t length = shape[1], width = shape[2];
    if (op.getKind() == "learned") {
      Value table = b.param(op.getPath()->str() + ".weight");
      return b.add(op.getInput(), b.slice(table, 0, 0, length));
    }
    std::vector<float> table(length * width);
    for (int64_t pos = 0; pos < length; ++pos)
      for (int64_t i = 0; i < width; i += 2) {
        double angle = pos * std::exp(-double(i) * std::log(10000.0) / width);
        table[pos * width + i] = std::sin(angle);
        table[pos * width + i + 1] = std::cos(angle);
      }
    return b.add(op.getInput(), b.constant({length, width}, table));
  }

  /// h + onehot(task) W^T + b, broadcast over the sequence.
  Value taskEncoder(TaskEncoderOp op) {
    std::string path = op.getPath().str();
    Value onehot = b.oneHot(op.getTask(), op.getNumTasksAttr().getInt(),
                            b.builder().getF32Type());
    Value feature = linear(path, onehot);
    ArrayRef<int64_t> shape = shapeOf(op.getInput());
    if (shape.size() == 3)
      feature = b.reshape(feature, {shape[0], 1, shape[2]});
    return b.add(op.getInput(), feature);
  }

  /// nn.MultiheadAttention(batch_first=True) with a packed in-projection.
  Value attention(StringRef path, Value query, Value key, Value value,
                  Value keyPaddingMask, int64_t heads, double dropout) {
    std::string prefix = path.str();
    ArrayRef<int64_t> qShape = shapeOf(query), kShape = shapeOf(key);
    int64_t batch = qShape[0], width = qShape[2], headWidth = width / heads;
    Value inWeight = b.param(prefix + ".in_proj_weight");
    Value inBias = b.param(prefix + ".in_proj_bias");
    auto project = [&](Value x, int64_t index) {
      Value weight = b.slice(inWeight, 0, index * width, width);
      Value bias = b.slice(inBias, 0, index * width, width);
      return b.linear(x, weight, bias);
    };
    // [B, S, D] -> [B, H, S, D/H]
    auto splitHeads = [&](Value x) {
      int64_t length = shapeOf(x)[1];
      return b.transpose(b.reshape(x, {batch, length, heads, headWidth}),
                         {0, 2, 1, 3});
    };
    // PyTorch scales q (not the scores) by 1 / sqrt(D/H).
    Value q = splitHeads(b.scale(project(query, 0),
                                 1.0f / std::sqrt(float(headWidth))));
    Value k = splitHeads(project(key, 1));
    Value v = splitHeads(project(value, 2));
    Value scores = b.batchMatmul(q, k, /*transposeLhs=*/false,
                                 /*transposeRhs=*/true);
    if (keyPaddingMask) {
      // True marks padding: -inf before the softmax, as PyTorch does.
      Value mask = b.reshape(keyPaddingMask, {batch, 1, 1, kShape[1]});
      Value minusInfinity = b.scalar(-INFINITY);
      Value zero = b.scalar(0.0f);
      scores = b.add(scores, b.select(mask, minusInfinity, zero));
    }
    Value weights = dropoutIfAny(b.softmaxLastAxis(scores), dropout);
    Value context = b.batchMatmul(weights, v, false, false);
    Value merged = b.reshape(b.transpose(context, {0, 2, 1, 3}),
                             {batch, qShape[1], width});
    return linear(prefix + ".out_proj", merged);
  }

  /// nn.LayerNorm over the last dimension (biased variance).
  Value layerNorm(StringRef path, Value x, double eps) {
    int64_t axis = shapeOf(x).size() - 1;
    Value centered = b.sub(x, b.reduceMean(x, axis, /*keepDims=*/true));
    Value variance =
        b.reduceMean(b.mul(centered, centered), axis, /*keepDims=*/true);
    Value inverse =
        b.create<RsqrtOp>(b.add(variance, b.scalar(static_cast<float>(eps))));
    Value normalized = b.mul(centered, inverse);
    Value weight = b.param(path.str() + ".weight");
    Value scaled = b.mul(normalized, weight);
    Value bias = b.param(path.str() + ".bias");
    return b.add(scaled, bias);
  }

  /// The encoder layer's _ff_block: linear2(dropout(act(linear1(x)))).
  Value feedForward(StringRef path, Value x, StringRef activation,
                    double dropout) {
    std::string prefix = path.str();
    Value hidden = b.activation(linear(prefix + ".linear1", x), activation);
    return linear(prefix + ".linear2", dropoutIfAny(hidden, dropout));
  }

  /// nn.TransformerEncoderLayer, post-LN or pre-LN.
  Value encoderLayer(StringRef path, Value x, Value mask, int64_t heads,
                     StringRef activation, double dropout, bool normFirst,
                     double eps) {
    std::string prefix = path.str();
    auto selfAttention = [&](Value h) {
      return dropoutIfAny(attention(prefix + ".self_attn", h, h, h, mask,
                                    heads, dropout),
                          dropout);
    };
    auto block = [&](Value h) {
      return dropoutIfAny(feedForward(prefix, h, activation, dropout),
                          dropout);
    };
    if (normFirst) {
      x = b.add(x, selfAttention(layerNorm(prefix + ".norm1", x, eps)));
      return b.add(x, block(layerNorm(prefix + ".norm2", x, eps)));
    }
    x = layerNorm(prefix + ".norm1", b.add(x, selfAttention(x)), eps);
    return layerNorm(prefix + ".norm2", b.add(x, block(x)), eps);
  }

  Value encoder(EncoderOp op) {
    Value x = op.getInput();
    std::string path = op.getPath().str();
    for (int64_t i = 0, e = op.getNumLayersAttr().getInt(); i < e; ++i)
      x = encoderLayer(path + ".layers." + std::to_string(i), x,
                       op.getKeyPaddingMask(), op.getNumHeadsAttr().getInt(),
                       op.getActivation(), toDouble(op.getDropout()),
                       op.getNormFirst(), toDouble(op.getEps()));
    if (op.getFinalNorm())
      x = layerNorm(path + ".norm", x, toDouble(op.getEps()));
    return x;
  }

  /// Task tokens query the sequence, then each other (post-LN residuals).
  Value taskAttention(TaskAttentionOp op) {
    std::string path = op.getPath().str();
    ArrayRef<int64_t> shape = shapeOf(op.getInput());
    int64_t tasks = op.getNumTasksAttr().getInt(),
            heads = op.getNumHeadsAttr().getInt();
    double dropout = toDouble(op.getDropout()), eps = toDouble(op.getEps());
    Value h = op.getInput();
    Value z = b.broadcastInDim(b.param(path + ".task_tokens"),
                               {shape[0], tasks, shape[2]}, {1, 2});
    Value cross = attention(path + ".cross_attn", z, h, h,
                            op.getKeyPaddingMask(), heads, dropout);
    z = layerNorm(path + ".norm1", b.add(z, dropoutIfAny(cross, dropout)), eps);
    Value self = attention(path + ".self_attn", z, z, z, Value(), heads,
                           dropout);
    return layerNorm(path + ".norm2", b.add(z, dropoutIfAny(self, dropout)),
                     eps);
  }

  Value taskHead(TaskHeadOp op) {
    std::string path = op.getPath().str();
    ArrayRef<int64_t> shape = shapeOf(op.getInput());
    Value x = op.getInput();
    StringRef pooling = op.getPooling();
    if (pooling == "token" || pooling == "first") {
      int64_t row = pooling == "token" ? op.getTaskAttr().getInt() : 0;
      x = b.reshape(b.slice(x, 1, row, 1), {shape[0], shape[2]});
    } else if (pooling == "mean") {
      x = b.reduceMean(x, 1, /*keepDims=*/false);
    }
    return linear(path, x);
  }

private:
  /// The nn.Linear named `path` applied to x (weight read first, then bias).
  Value linear(const std::string &path, Value x) {
    Value weight = b.param(path + ".weight");
    Value bias = b.param(path + ".bias");
    return b.linear(x, weight, bias);
  }

  static double toDouble(const llvm::APFloat &value) {
    return value.convertToDouble();
  }

  Value dropoutIfAny(Value x, double rate) {
    if (rate == 0.0)
      return x;
    return b.builder().create<DropoutOp>(b.location(), x.getType(), x,
                                         b.builder().getF64FloatAttr(rate));
  }

  PrimitiveBuilder b;
};

struct DecomposePass : public DecomposeBase<DecomposePass> {
  void runOnOperation() override {
    SmallVector<Operation *, 32> modelOps;
    getOperation().walk([&](Operation *op) {
      if (isa<ParameterizedOp>(op) && !isa<MultitaskLossOp>(op))
        modelOps.push_back(op);
    });
    for (Operation *op : modelOps) {
      for (Type type : op->getOperandTypes())
        if (!type.isa<RankedTensorType>()) {
          op->emitOpError("needs inferred shapes; run mt-infer-shapes first");
          return signalPassFailure();
        }
      if (failed(decompose(op)))
        return signalPassFailure();
    }
  }

  LogicalResult decompose(Operation *op) {
    OpBuilder builder(op);
    Decomposer d(builder, op->getLoc());
    // Parameters are looked up by name; say which is missing before building.
    SmallVector<ParameterSpec, 8> specs;
    cast<ParameterizedOp>(op).getParameterSpecs(specs);
    auto module = op->getParentOfType<ModuleOp>();
    for (const ParameterSpec &spec : specs)
      if (!SymbolTable::lookupNearestSymbolFrom<ParamOp>(
              module, builder.getStringAttr(spec.name)))
        return op->emitOpError() << "parameter '" << spec.name
                                 << "' is not materialized; run "
                                    "mt-materialize-params first";
    Value result =
        llvm::TypeSwitch<Operation *, Value>(op)
            .Case([&](DenseOp o) { return d.dense(o); })
            .Case([&](EmbeddingOp o) { return d.embedding(o); })
            .Case([&](PositionalEncodingOp o) {
              return d.positionalEncoding(o);
            })
            .Case([&](TaskEncoderOp o) { return d.taskEncoder(o); })
            .Case([&](AttentionOp o) {
              return d.attention(o.getPath(), o.getQuery(), o.getKey(),
                                 o.getValue(), o.getKeyPaddingMask(),
                                 o.getNumHeadsAttr().getInt(),
                                 o.getDropout().convertToDouble());
            })
            .Case([&](FeedForwardOp o) {
              return d.feedForward(o.getPath(), o.getInput(),
                                   o.getActivation(),
                                   o.getDropout().convertToDouble());
            })
            .Case([&](LayerNormOp o) {
              return d.layerNorm(o.getPath(), o.getInput(),
                                 o.getEps().convertToDouble());
            })
            .Case([&](EncoderLayerOp o) {
              return d.encoderLayer(
                  o.getPath(), o.getInput(), o.getKeyPaddingMask(),
                  o.getNumHeadsAttr().getInt(), o.getActivation(),
                  o.getDropout().convertToDouble(), o.getNormFirst(),
                  o.getEps().convertToDouble());
            })
            .Case([&](EncoderOp o) { return d.encoder(o); })
            .Case([&](TaskAttentionOp o) { return d.taskAttention(o); })
            .Case([&](TaskHeadOp o) { return d.taskHead(o); })
            .Default([](Operation *) { return Value(); });
    if (!result)
      return op->emitOpError("has no decomposition");
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
    return success();
  }
};
} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mt::createDecomposePass() {
  return std::make_unique<DecomposePass>();
}
