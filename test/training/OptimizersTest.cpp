//===- OptimizersTest.cpp - optimizer updates against PyTorch's algorithm -===//
//
// Builds each update with the Optimizers.h builders into a function, runs
// 3-5 steps through the reference interpreter (feeding the state back), and
// compares every state tensor after every step with the algorithm of
// PyTorch's documentation (torch.optim.Adam, AdamW, SGD;
// torch.nn.utils.clip_grad_norm_) run here in double from the same f32
// inputs: relative error below 1e-6.
//
//===----------------------------------------------------------------------===//

#include "Training/Optimizers.h"

#include "Interpreter/Interpreter.h"
#include "mt/Dialect/MTDialect.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace {

using mt::interp::Tensor;
using Values = llvm::SmallVector<mlir::Value, 8>;

/// The f32 value of `x`, as the interpreter receives it.
double f32(double x) { return static_cast<double>(static_cast<float>(x)); }

class OptimizersTest : public ::testing::Test {
protected:
  OptimizersTest() {
    context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
    module = mlir::ModuleOp::create(mlir::UnknownLoc::get(&context));
  }

  /// Builds @main over f32 arguments of `shapes` returning what `body`
  /// builds from them.
  void build(const std::vector<std::vector<int64_t>> &shapes,
             const std::function<Values(mt::PrimitiveBuilder &,
                                        mlir::ValueRange)> &body) {
    mlir::OpBuilder builder(&context);
    llvm::SmallVector<mlir::Type, 16> inputs;
    for (const auto &shape : shapes)
      inputs.push_back(
          mlir::RankedTensorType::get(shape, builder.getF32Type()));
    mlir::Location loc = builder.getUnknownLoc();
    func =
        mlir::FuncOp::create(loc, "main", builder.getFunctionType(inputs, {}));
    module->push_back(func);
    builder.setInsertionPointToStart(func.addEntryBlock());
    mt::PrimitiveBuilder b(builder, loc);
    Values results = body(b, func.getArguments());
    builder.create<mlir::ReturnOp>(loc, results);
    func.setType(
        builder.getFunctionType(inputs, mlir::ValueRange(results).getTypes()));
    ASSERT_TRUE(mlir::succeeded(mlir::verify(*module)));
  }

  std::vector<Tensor> run(const std::vector<Tensor> &args) {
    auto results = mt::interp::interpret(func, args, {});
    EXPECT_TRUE(mlir::succeeded(results));
    return mlir::succeeded(results) ? *results : std::vector<Tensor>{};
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::FuncOp func;
};

Tensor scalar(double value) { return Tensor::f32({}, {value}); }

/// |got - want| <= 1e-6 |want| elementwise, or with `normwise` relative to
/// max |want|: a parameter that steps across zero keeps the absolute error
/// of its earlier magnitude, so it is measured against the tensor's scale.
void expectClose(const Tensor &got, const std::vector<double> &want,
                 const std::string &what, bool normwise = false) {
  ASSERT_EQ(got.data.size(), want.size()) << what;
  double scale = 0;
  for (double x : want)
    scale = std::max(scale, std::abs(x));
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_LE(std::abs(got.data[i] - want[i]),
              1e-6 * (normwise ? scale : std::abs(want[i])))
        << what << " at " << i << ": got " << got.data[i] << ", want "
        << want[i];
}

const std::vector<int64_t> kShape{2, 3};
constexpr size_t kSize = 6;

/// A gradient that changes with the step, with a fixed sign per element so
/// the moments never cancel.
std::vector<double> gradientAt(int step) {
  std::vector<double> g(kSize);
  for (size_t i = 0; i < kSize; ++i)
    g[i] = f32((i % 2 ? -1.0 : 1.0) * (0.1 + 0.3 * i) *
               (1.0 + 0.25 * std::sin(step + i)));
  return g;
}

const std::vector<double> kInitialParam{0.5, -1.25, 2.0, 0.75, -0.3, 1.1};

//===----------------------------------------------------------------------===//
// Adam and AdamW
//===----------------------------------------------------------------------===//

struct AdamConfig {
  double lr, beta1, beta2, eps, weightDecay;
  bool decoupled;
};

/// torch.optim.Adam / AdamW's documented algorithm, in double.
void adamReference(const AdamConfig &c, int step, std::vector<double> &p,
                   std::vector<double> &m, std::vector<double> &v,
                   std::vector<double> g) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (c.decoupled)
      p[i] *= 1 - c.lr * c.weightDecay;
    else
      g[i] += c.weightDecay * p[i];
    m[i] = c.beta1 * m[i] + (1 - c.beta1) * g[i];
    v[i] = c.beta2 * v[i] + (1 - c.beta2) * g[i] * g[i];
    double bc1 = 1 - std::pow(c.beta1, step);
    double bc2 = 1 - std::pow(c.beta2, step);
    double denom = std::sqrt(v[i]) / std::sqrt(bc2) + c.eps;
    p[i] -= c.lr / bc1 * m[i] / denom;
  }
}

class AdamTest : public OptimizersTest {
protected:
  void SetUp() override {
    std::vector<std::vector<int64_t>> shapes(4, kShape);
    shapes.resize(11, {});
    build(shapes, [](mt::PrimitiveBuilder &b, mlir::ValueRange a) {
      mt::AdamState state =
          mt::buildAdamUpdate(b, {a[0], a[1], a[2]}, a[3],
                              {a[4], a[5], a[6], a[7], a[8], a[9], a[10]});
      return Values{state.param, state.expAvg, state.expAvgSq};
    });
  }

  void check(AdamConfig c) {
    // The step sees f32 hyperparameters; the reference uses the same values.
    for (double *h : {&c.lr, &c.beta1, &c.beta2, &c.eps, &c.weightDecay})
      *h = f32(*h);
    std::vector<double> p = kInitialParam, m(kSize, 0.0), v(kSize, 0.0);
    Tensor param = Tensor::f32(kShape, p), expAvg = Tensor::f32(kShape, m),
           expAvgSq = Tensor::f32(kShape, v);
    for (int step = 1; step <= 5; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      std::vector<double> g = gradientAt(step);
      std::vector<Tensor> out =
          run({param, expAvg, expAvgSq, Tensor::f32(kShape, g), scalar(c.lr),
               scalar(step), scalar(c.beta1), scalar(c.beta2), scalar(c.eps),
               scalar(c.weightDecay), scalar(c.decoupled ? 1 : 0)});
      ASSERT_EQ(out.size(), 3u);
      adamReference(c, step, p, m, v, g);
      expectClose(out[0], p, "param", /*normwise=*/true);
      expectClose(out[1], m, "exp_avg");
      expectClose(out[2], v, "exp_avg_sq");
      param = out[0];
      expAvg = out[1];
      expAvgSq = out[2];
    }
  }
};

TEST_F(AdamTest, Adam) { check({1e-2, 0.9, 0.999, 1e-8, 0, false}); }

TEST_F(AdamTest, AdamWithL2WeightDecay) {
  check({1e-2, 0.9, 0.999, 1e-8, 0.1, false});
}

TEST_F(AdamTest, AdamW) { check({1e-2, 0.9, 0.999, 1e-8, 0.01, true}); }

TEST_F(AdamTest, AdamWLargeStepsAndEps) {
  check({0.1, 0.8, 0.99, 1e-3, 0.5, true});
}

//===----------------------------------------------------------------------===//
// SGD
//===----------------------------------------------------------------------===//

struct SgdConfig {
  double lr, momentum, dampening, weightDecay;
  bool nesterov;
};

/// torch.optim.SGD's documented algorithm, in double.
void sgdReference(const SgdConfig &c, int step, std::vector<double> &p,
                  std::vector<double> &buf, std::vector<double> g) {
  for (size_t i = 0; i < p.size(); ++i) {
    g[i] += c.weightDecay * p[i];
    if (c.momentum != 0) {
      buf[i] =
          step == 1 ? g[i] : c.momentum * buf[i] + (1 - c.dampening) * g[i];
      g[i] = c.nesterov ? g[i] + c.momentum * buf[i] : buf[i];
    }
    p[i] -= c.lr * g[i];
  }
}

class SgdTest : public OptimizersTest {
protected:
  void SetUp() override {
    std::vector<std::vector<int64_t>> shapes(3, kShape);
    shapes.resize(9, {});
    build(shapes, [](mt::PrimitiveBuilder &b, mlir::ValueRange a) {
      mt::SgdState state = mt::buildSgdUpdate(
          b, {a[0], a[1]}, a[2], {a[3], a[4], a[5], a[6], a[7], a[8]});
      return Values{state.param, state.momentumBuffer};
    });
  }

  void check(SgdConfig c) {
    for (double *h : {&c.lr, &c.momentum, &c.dampening, &c.weightDecay})
      *h = f32(*h);
    std::vector<double> p = kInitialParam, buf(kSize, 0.0);
    Tensor param = Tensor::f32(kShape, p), buffer = Tensor::f32(kShape, buf);
    for (int step = 1; step <= 4; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      std::vector<double> g = gradientAt(step);
      std::vector<Tensor> out = run(
          {param, buffer, Tensor::f32(kShape, g), scalar(c.lr),
           scalar(c.momentum), scalar(c.dampening), scalar(c.nesterov ? 1 : 0),
           scalar(c.weightDecay), scalar(step)});
      ASSERT_EQ(out.size(), 2u);
      sgdReference(c, step, p, buf, g);
      expectClose(out[0], p, "param", /*normwise=*/true);
      expectClose(out[1], buf, "momentum_buffer");
      param = out[0];
      buffer = out[1];
    }
  }
};

TEST_F(SgdTest, Plain) { check({0.1, 0, 0, 0, false}); }
// Dampening without momentum must not touch the gradient (PyTorch keeps no
// buffer then); the buffer stays zero.
TEST_F(SgdTest, DampeningWithoutMomentumIsIgnored) {
  check({0.1, 0, 0.5, 0, false});
}
TEST_F(SgdTest, Momentum) { check({0.05, 0.9, 0, 0, false}); }
TEST_F(SgdTest, MomentumWithDampening) { check({0.05, 0.9, 0.3, 0, false}); }
TEST_F(SgdTest, Nesterov) { check({0.05, 0.9, 0, 0, true}); }
TEST_F(SgdTest, NesterovWithWeightDecay) { check({0.05, 0.8, 0, 0.01, true}); }
TEST_F(SgdTest, WeightDecay) { check({0.1, 0, 0, 0.1, false}); }

//===----------------------------------------------------------------------===//
// Clipping by global norm
//===----------------------------------------------------------------------===//

class ClipTest : public OptimizersTest {
protected:
  void SetUp() override {
    build({{2, 3}, {4}, {}, {}}, [](mt::PrimitiveBuilder &b,
                                    mlir::ValueRange a) {
      auto [grads, total] = mt::clipByGlobalNorm(b, {a[0], a[1], a[2]}, a[3]);
      Values results(grads.begin(), grads.end());
      results.push_back(total);
      return results;
    });
  }

  /// Clips the fixed grads under `maxNorm` and checks against the closed
  /// form: total = sqrt(sum g^2), scale = min(1, maxNorm / (total + 1e-6)),
  /// or 1 when maxNorm <= 0.
  void check(double maxNorm) {
    std::vector<std::vector<double>> grads{
        {0.5, -1.0, 2.0, 0.25, -3.0, 1.5}, {4.0, 0.0, -0.5, 1.25}, {-2.0}};
    std::vector<std::vector<int64_t>> shapes{{2, 3}, {4}, {}};
    double sumOfSquares = 0;
    for (const auto &g : grads)
      for (double x : g)
        sumOfSquares += x * x;
    double total = std::sqrt(sumOfSquares);
    double scale =
        maxNorm > 0 ? std::min(1.0, f32(maxNorm) / (total + 1e-6)) : 1.0;
    std::vector<Tensor> out =
        run({Tensor::f32(shapes[0], grads[0]), Tensor::f32(shapes[1], grads[1]),
             Tensor::f32(shapes[2], grads[2]), scalar(maxNorm)});
    ASSERT_EQ(out.size(), 4u);
    for (size_t k = 0; k < grads.size(); ++k) {
      std::vector<double> want = grads[k];
      for (double &x : want)
        x *= scale;
      expectClose(out[k], want, "grad " + std::to_string(k));
      // An unclipped grad is passed through bit for bit.
      if (scale == 1.0) {
        EXPECT_EQ(out[k].data, grads[k]);
      }
    }
    expectClose(out[3], {total}, "total norm");
  }
};

TEST_F(ClipTest, ScalesDownAboveMaxNorm) { check(2.0); }
TEST_F(ClipTest, KeepsGradsBelowMaxNorm) { check(100.0); }
TEST_F(ClipTest, ZeroMaxNormDisablesClipping) { check(0.0); }
TEST_F(ClipTest, NegativeMaxNormDisablesClipping) { check(-1.0); }

} // namespace
