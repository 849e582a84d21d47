//===- GradientCheckTest.cpp - gradient rules against finite differences --===//
//
// Tests that buildGradients computes the gradients of the loss
// sum(out * r), with r a random tensor shaped like out (an extra argument, so
// each example of the batch has its own weights), for every primitive with a
// rule and for every model op after mt-decompose (w.r.t. its inputs and all
// its parameters). The oracle is central finite differences,
// (L(v + h) - L(v - h)) / 2h with h = 1e-5, evaluated by the reference
// interpreter in float64 end to end (InterpretOptions::roundToF32 off, and
// perturbed inputs never rounded to float), where truncation and rounding
// errors stay near 1e-9. The analytic gradients run through the same
// interpreter. Tolerance: |analytic - fd| / max(1e-3, |analytic| + |fd|)
// below 1e-4 for every element.
//
// Kinks are kept away from: relu and abs inputs have |x| >= 0.2, max / min
// operands lie on two lattices offset by 0.04 (never closer than 0.04),
// reduce_max rows hold distinct values (a shuffled grid with step >= 0.02);
// all are far wider than h. Model ops run at batch 1 and 3 on widths that
// are not powers of two (D = 12, 3 heads, S = 5), dropout removed.
//
//===----------------------------------------------------------------------===//

#include "support/MlirTest.h"
#include "Autodiff/Gradients.h"
#include "Interpreter/Interpreter.h"
#include "Transforms/Passes.h"
#include "Transforms/PrimitiveBuilder.h"

#include "mt/Dialect/MTDialect.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {
using mt::interp::ElementKind;
using mt::interp::ParameterValues;
using mt::interp::Tensor;

constexpr double kStep = 1e-5;
constexpr double kTolerance = 1e-4;
constexpr double kFloor = 1e-3;
constexpr int64_t kBatchSizes[] = {1, 3};

/// How a test argument is drawn.
enum class Dist {
  Uniform,      // [-1, 1)
  Positive,     // [0.5, 2): log, sqrt, rsqrt, pow bases
  AwayFromZero, // +-[0.2, 0.9): relu, abs and int-cast inputs
  LatticeA,     // k / 10 + 0.03: max / min lhs
  LatticeB,     // k / 10 + 0.07: max / min rhs, never within 0.04 of A
  Distinct,     // a shuffled grid, no ties anywhere: reduce_max
  Ids,          // i32 in [0, depth)
  Padding,      // i1 key padding mask, never every key of an example
};

struct ArgSpec {
  Dist dist = Dist::Uniform;
  int64_t depth = 0; // Dist::Ids only
};

/// One gradient to check: a function argument or a parameter.
struct Target {
  std::string name;
  int64_t argument = -1; // -1 for a parameter
};

class GradientCheckTest : public mt::testing::MlirTest {
protected:
  /// Parses `source`, a module holding @f with one result.
  mlir::FuncOp parse(const std::string &source) {
    module = mlir::parseSourceString(source, &context);
    EXPECT_TRUE(module) << "parse failed:\n" << diagnostics;
    if (!module)
      return nullptr;
    return module->lookupSymbol<mlir::FuncOp>("f");
  }

  /// Parses a one-model-op @f and runs the passes up to mt-decompose; every
  /// parameter gets random values and every mt.dropout becomes its operand.
  mlir::FuncOp decompose(const std::string &source) {
    mlir::FuncOp func = parse(source);
    if (!func)
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
          draw(param.type().cast<mlir::RankedTensorType>().getShape(), {}, 0);
    });
    func = module->lookupSymbol<mlir::FuncOp>("f");
    llvm::SmallVector<mt::DropoutOp, 8> dropouts;
    func.walk([&](mt::DropoutOp op) { dropouts.push_back(op); });
    for (mt::DropoutOp op : dropouts) {
      op.getResult().replaceAllUsesWith(op.getInput());
      op.erase();
    }
    return func;
  }

  /// Turns @f's result `out` into the loss sum(out * r), r a new last
  /// argument shaped like out.
  static void makeWeightedSumLoss(mlir::FuncOp func) {
    auto ret = llvm::cast<mlir::ReturnOp>(func.front().getTerminator());
    mlir::Value out = ret.getOperand(0);
    func.insertArgument(func.getNumArguments(), out.getType(),
                        mlir::DictionaryAttr(), func.getLoc());
    mlir::OpBuilder builder(ret);
    mt::PrimitiveBuilder b(builder, ret.getLoc());
    mlir::Value loss = b.mul(out, func.getArguments().back());
    while (!mt::shapeOf(loss).empty())
      loss = b.reduceSum(loss, 0, /*keepDims=*/false);
    ret->setOperands(loss);
    func.setType(mlir::FunctionType::get(
        func.getContext(), func.getArgumentTypes(), loss.getType()));
  }

  /// Adds @grad, a copy of the loss function @f that returns, instead of the
  /// loss, its gradient w.r.t. every f32 argument but r, then w.r.t. every
  /// mt.param_ref result; `targets` names them in that order.
  mlir::FuncOp buildGradientFunction(mlir::FuncOp lossFunc,
                                     std::vector<Target> &targets) {
    mlir::FuncOp grad = lossFunc.clone();
    grad.setName("grad");
    module->push_back(grad);
    auto ret = llvm::cast<mlir::ReturnOp>(grad.front().getTerminator());
    std::vector<mlir::Value> wrt;
    targets.clear();
    for (mlir::BlockArgument arg : grad.getArguments().drop_back())
      if (arg.getType().cast<mlir::TensorType>().getElementType().isF32()) {
        wrt.push_back(arg);
        targets.push_back({"argument #" + std::to_string(arg.getArgNumber()),
                           arg.getArgNumber()});
      }
    grad.walk([&](mt::ParamRefOp ref) {
      wrt.push_back(ref.getResult());
      targets.push_back({ref.getParameter().str(), -1});
    });
    mlir::OpBuilder builder(ret);
    auto gradients = mt::buildGradients(builder, ret.getOperand(0), wrt);
    EXPECT_TRUE(mlir::succeeded(gradients)) << diagnostics;
    if (mlir::failed(gradients))
      return nullptr;
    builder.create<mlir::ReturnOp>(ret.getLoc(), *gradients);
    ret.erase();
    grad.setType(
        mlir::FunctionType::get(&context, grad.getArgumentTypes(),
                                mlir::ValueRange(*gradients).getTypes()));
    EXPECT_TRUE(mlir::succeeded(mlir::verify(grad))) << diagnostics;
    return grad;
  }

  /// A tensor of `shape` (`?` read as `batch`) drawn from `spec`.
  Tensor draw(llvm::ArrayRef<int64_t> shape, ArgSpec spec, int64_t batch) {
    std::vector<int64_t> extents;
    for (int64_t extent : shape)
      extents.push_back(mlir::ShapedType::isDynamic(extent) ? batch : extent);
    ElementKind kind = spec.dist == Dist::Ids       ? ElementKind::I32
                       : spec.dist == Dist::Padding ? ElementKind::I1
                                                    : ElementKind::F32;
    Tensor tensor = Tensor::zeros(extents, kind);
    int64_t count = tensor.numElements();
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_int_distribution<int64_t> lattice(-10, 9);
    std::vector<int64_t> order(count);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (int64_t i = 0; i < count; ++i) {
      double &value = tensor.data[i];
      switch (spec.dist) {
      case Dist::Uniform:
        value = 2.0 * unit(rng) - 1.0;
        break;
      case Dist::Positive:
        value = 0.5 + 1.5 * unit(rng);
        break;
      case Dist::AwayFromZero:
        value = (0.2 + 0.7 * unit(rng)) * (unit(rng) < 0.5 ? -1.0 : 1.0);
        break;
      case Dist::LatticeA:
        value = lattice(rng) / 10.0 + 0.03;
        break;
      case Dist::LatticeB:
        value = lattice(rng) / 10.0 + 0.07;
        break;
      case Dist::Distinct:
        value = -1.0 + 2.0 * (order[i] + 0.5) / count;
        break;
      case Dist::Ids:
        value = std::uniform_int_distribution<int64_t>(0, spec.depth - 1)(rng);
        break;
      case Dist::Padding: {
        int64_t keys = extents.back();
        value = ((i % keys) + i / keys) % 3 == 0;
        break;
      }
      }
    }
    // Inputs are f32 values; perturbations of them will not be rounded.
    if (kind == ElementKind::F32)
      tensor = Tensor::f32(tensor.shape, tensor.data);
    return tensor;
  }

  /// The loss at `args` and `params`, in float64.
  double loss(mlir::FuncOp lossFunc, const std::vector<Tensor> &args,
              const ParameterValues &values) {
    auto results =
        mt::interp::interpret(lossFunc, args, values, {/*roundToF32=*/false});
    EXPECT_TRUE(mlir::succeeded(results)) << diagnostics;
    return mlir::succeeded(results) ? results->front().data[0] : NAN;
  }

  /// Compares `analytic` with central differences of the loss in the entries
  /// of `target` (an argument of `args` or a parameter).
  void expectMatchesFiniteDifferences(mlir::FuncOp lossFunc,
                                      std::vector<Tensor> args,
                                      const Target &target,
                                      const Tensor &analytic) {
    ParameterValues values = params;
    Tensor &perturbed =
        target.argument >= 0 ? args[target.argument] : values[target.name];
    ASSERT_EQ(perturbed.data.size(), analytic.data.size()) << target.name;
    double worst = 0.0;
    int64_t worstAt = -1;
    double worstFd = 0.0;
    for (size_t i = 0; i < perturbed.data.size(); ++i) {
      double saved = perturbed.data[i];
      perturbed.data[i] = saved + kStep;
      double up = loss(lossFunc, args, values);
      perturbed.data[i] = saved - kStep;
      double down = loss(lossFunc, args, values);
      perturbed.data[i] = saved;
      double fd = (up - down) / (2.0 * kStep);
      double a = analytic.data[i];
      double error =
          std::abs(a - fd) / std::max(kFloor, std::abs(a) + std::abs(fd));
      if (!(error <= worst)) {
        worst = error;
        worstAt = i;
        worstFd = fd;
      }
    }
    EXPECT_LT(worst, kTolerance)
        << target.name << ": worst at element " << worstAt << ": "
        << (worstAt >= 0 ? analytic.data[worstAt] : 0.0) << " (gradient) vs "
        << worstFd << " (finite differences)";
  }

  /// Makes @f a loss, builds its gradients and checks each against finite
  /// differences at batch 1 and 3; `specs` draws @f's arguments (missing
  /// entries: uniform).
  void checkGradients(mlir::FuncOp func, std::vector<ArgSpec> specs = {}) {
    ASSERT_TRUE(func);
    makeWeightedSumLoss(func);
    std::vector<Target> targets;
    mlir::FuncOp grad = buildGradientFunction(func, targets);
    ASSERT_TRUE(grad);
    specs.resize(func.getNumArguments());
    for (int64_t batch : kBatchSizes) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      std::vector<Tensor> args;
      for (auto [type, spec] : llvm::zip(func.getArgumentTypes(), specs))
        args.push_back(
            draw(type.cast<mlir::RankedTensorType>().getShape(), spec, batch));
      auto gradients =
          mt::interp::interpret(grad, args, params, {/*roundToF32=*/false});
      ASSERT_TRUE(mlir::succeeded(gradients)) << diagnostics;
      // A parameter read by several mt.param_ref ops gets their sum.
      std::map<std::string, Tensor> byParameter;
      for (auto [target, gradient] : llvm::zip(targets, *gradients)) {
        if (target.argument >= 0) {
          expectMatchesFiniteDifferences(func, args, target, gradient);
          continue;
        }
        auto [it, inserted] = byParameter.emplace(target.name, gradient);
        if (!inserted)
          for (size_t i = 0; i < gradient.data.size(); ++i)
            it->second.data[i] += gradient.data[i];
      }
      EXPECT_EQ(byParameter.size(), params.size());
      for (auto &[name, gradient] : byParameter)
        expectMatchesFiniteDifferences(func, args, {name, -1}, gradient);
    }
  }

  /// @f applying `body` (ops on %x, %y, ... ending in %out) to arguments of
  /// `argTypes`, returning `resultType`.
  static std::string function(const std::vector<std::string> &argTypes,
                              const std::string &body,
                              const std::string &resultType) {
    std::string source = "func @f(";
    for (size_t i = 0; i < argTypes.size(); ++i)
      source +=
          (i ? ", %" : "%") + std::string(1, 'a' + i) + ": " + argTypes[i];
    return source + ") -> " + resultType + " {\n" + body +
           "  return %out : " + resultType + "\n}\n";
  }

  std::mt19937 rng{20240612};
  ParameterValues params;
};

//===----------------------------------------------------------------------===//
// Primitives, in MTOps.td order
//===----------------------------------------------------------------------===//

TEST_F(GradientCheckTest, Matmul) {
  struct Case {
    std::string lhs, rhs, result;
    bool transposed;
  };
  for (const Case &c : {
           Case{"tensor<?x3x5xf32>", "tensor<5x7xf32>", "tensor<?x3x7xf32>",
                false},
           Case{"tensor<?x3x5xf32>", "tensor<7x5xf32>", "tensor<?x3x7xf32>",
                true},
           Case{"tensor<?x5xf32>", "tensor<5x7xf32>", "tensor<?x7xf32>", false},
           Case{"tensor<?x2x3x5xf32>", "tensor<7x5xf32>", "tensor<?x2x3x7xf32>",
                true},
           Case{"tensor<3x5xf32>", "tensor<5x7xf32>", "tensor<3x7xf32>", false},
           Case{"tensor<3x5xf32>", "tensor<7x5xf32>", "tensor<3x7xf32>", true},
           Case{"tensor<2x3x5xf32>", "tensor<5x7xf32>", "tensor<2x3x7xf32>",
                false},
       }) {
    SCOPED_TRACE(c.lhs + " x " + c.rhs);
    checkGradients(parse(
        function({c.lhs, c.rhs},
                 "  %out = mt.matmul %a, %b {transpose_rhs = " +
                     std::string(c.transposed ? "true" : "false") + "} : (" +
                     c.lhs + ", " + c.rhs + ") -> " + c.result + "\n",
                 c.result)));
  }
}

TEST_F(GradientCheckTest, BatchMatmul) {
  for (bool tl : {false, true})
    for (bool tr : {false, true}) {
      std::string flags = std::string("transpose_lhs = ") +
                          (tl ? "true" : "false") +
                          ", transpose_rhs = " + (tr ? "true" : "false");
      SCOPED_TRACE(flags);
      // op(lhs) [2, 3, 5] times op(rhs) [2, 5, 7].
      std::string lhs = tl ? "tensor<?x2x5x3xf32>" : "tensor<?x2x3x5xf32>";
      std::string rhs = tr ? "tensor<?x2x7x5xf32>" : "tensor<?x2x5x7xf32>";
      std::string result = "tensor<?x2x3x7xf32>";
      checkGradients(
          parse(function({lhs, rhs},
                         "  %out = mt.batch_matmul %a, %b {" + flags + "} : (" +
                             lhs + ", " + rhs + ") -> " + result + "\n",
                         result)));
    }
}

struct BinaryCase {
  std::string lhs, rhs, result;
};
const BinaryCase kBinaryCases[] = {
    {"tensor<?x3x5xf32>", "tensor<?x3x5xf32>", "tensor<?x3x5xf32>"},
    {"tensor<?x3x5xf32>", "tensor<5xf32>", "tensor<?x3x5xf32>"},
    {"tensor<3x1xf32>", "tensor<?x1x5xf32>", "tensor<?x3x5xf32>"},
    {"tensor<1x3x5xf32>", "tensor<?x3x1xf32>", "tensor<?x3x5xf32>"},
    {"tensor<?x3x5xf32>", "tensor<f32>", "tensor<?x3x5xf32>"},
};

#define MT_BINARY_GRADIENT_TEST(NAME, OP, LHS, RHS)                            \
  TEST_F(GradientCheckTest, NAME) {                                            \
    for (const BinaryCase &c : kBinaryCases) {                                 \
      SCOPED_TRACE(c.lhs + " " OP " " + c.rhs);                                \
      checkGradients(                                                          \
          parse(function({c.lhs, c.rhs},                                       \
                         "  %out = mt." OP " %a, %b : (" + c.lhs + ", " +      \
                             c.rhs + ") -> " + c.result + "\n",                \
                         c.result)),                                           \
          {LHS, RHS});                                                         \
    }                                                                          \
  }
MT_BINARY_GRADIENT_TEST(Add, "add", {}, {})
MT_BINARY_GRADIENT_TEST(Sub, "sub", {}, {})
MT_BINARY_GRADIENT_TEST(Mul, "mul", {}, {})
MT_BINARY_GRADIENT_TEST(Div, "div", {}, {Dist::Positive})
MT_BINARY_GRADIENT_TEST(Max, "max", {Dist::LatticeA}, {Dist::LatticeB})
MT_BINARY_GRADIENT_TEST(Min, "min", {Dist::LatticeA}, {Dist::LatticeB})
MT_BINARY_GRADIENT_TEST(Pow, "pow", {Dist::Positive}, {})
#undef MT_BINARY_GRADIENT_TEST

TEST_F(GradientCheckTest, Unary) {
  struct Case {
    std::string op;
    Dist dist;
  };
  for (const Case &c : {
           Case{"exp", Dist::Uniform},
           Case{"log", Dist::Positive},
           Case{"tanh", Dist::Uniform},
           Case{"erf", Dist::Uniform},
           Case{"sqrt", Dist::Positive},
           Case{"rsqrt", Dist::Positive},
           Case{"neg", Dist::Uniform},
           Case{"abs", Dist::AwayFromZero},
           Case{"sin", Dist::Uniform},
           Case{"cos", Dist::Uniform},
           Case{"relu", Dist::AwayFromZero},
           Case{"gelu", Dist::Uniform},
           Case{"sigmoid", Dist::Uniform},
       }) {
    SCOPED_TRACE(c.op);
    std::string type = "tensor<?x3x5xf32>";
    checkGradients(parse(function({type},
                                  "  %out = mt." + c.op + " %a : (" + type +
                                      ") -> " + type + "\n",
                                  type)),
                   {{c.dist}});
  }
}

// Comparisons give no gradient: the condition of a select, built from %a,
// only routes %a's and %b's adjoints.
TEST_F(GradientCheckTest, CompareAndSelect) {
  checkGradients(
      parse(function(
          {"tensor<?x3x5xf32>", "tensor<5xf32>"},
          "  %zero = mt.constant dense<0.0> : tensor<f32>\n"
          "  %m = mt.compare %a, %zero {predicate = \"gt\"} : "
          "(tensor<?x3x5xf32>, tensor<f32>) -> tensor<?x3x5xi1>\n"
          "  %sq = mt.mul %a, %a : (tensor<?x3x5xf32>, tensor<?x3x5xf32>) -> "
          "tensor<?x3x5xf32>\n"
          "  %out = mt.select %m, %sq, %b : (tensor<?x3x5xi1>, "
          "tensor<?x3x5xf32>, tensor<5xf32>) -> tensor<?x3x5xf32>\n",
          "tensor<?x3x5xf32>")),
      {{Dist::AwayFromZero}});
}

// f32 -> f32 casts pass the adjoint; a round trip through i32 cuts it (the
// truncation's derivative is 0 away from integers, which %a + 2 avoids).
TEST_F(GradientCheckTest, Cast) {
  checkGradients(
      parse(function(
          {"tensor<?x4xf32>"},
          "  %two = mt.constant dense<2.0> : tensor<f32>\n"
          "  %same = mt.cast %a : (tensor<?x4xf32>) -> tensor<?x4xf32>\n"
          "  %shift = mt.add %a, %two : (tensor<?x4xf32>, tensor<f32>) -> "
          "tensor<?x4xf32>\n"
          "  %int = mt.cast %shift : (tensor<?x4xf32>) -> tensor<?x4xi32>\n"
          "  %back = mt.cast %int : (tensor<?x4xi32>) -> tensor<?x4xf32>\n"
          "  %out = mt.mul %same, %back : (tensor<?x4xf32>, "
          "tensor<?x4xf32>) -> tensor<?x4xf32>\n",
          "tensor<?x4xf32>")),
      {{Dist::AwayFromZero}});
}

// A dropout mask depends on its operand's shape only: no adjoint flows into
// it, so the adjoint of %x is the incoming adjoint times the mask, with no
// second (accumulated) term.
TEST_F(GradientCheckTest, DropoutMaskPassesNoGradient) {
  mlir::FuncOp func = parse(
      "func @f(%x: tensor<?x4xf32>, %seed: tensor<i64>) -> tensor<f32> {\n"
      "  %mask = mt.dropout_mask %x, %seed {rate = 2.5e-01, stream = 1} : "
      "(tensor<?x4xf32>, tensor<i64>) -> tensor<?x4xf32>\n"
      "  %p = mt.mul %x, %mask : (tensor<?x4xf32>, tensor<?x4xf32>) -> "
      "tensor<?x4xf32>\n"
      "  %a = mt.reduce_sum %p {axis = 1} : (tensor<?x4xf32>) -> "
      "tensor<?xf32>\n"
      "  %l = mt.reduce_sum %a {axis = 0} : (tensor<?xf32>) -> tensor<f32>\n"
      "  return %l : tensor<f32>\n}\n");
  ASSERT_TRUE(func);
  auto ret = llvm::cast<mlir::ReturnOp>(func.front().getTerminator());
  mlir::OpBuilder builder(ret);
  auto gradients =
      mt::buildGradients(builder, ret.getOperand(0), {func.getArgument(0)});
  ASSERT_TRUE(mlir::succeeded(gradients)) << diagnostics;
  auto product = gradients->front().getDefiningOp<mt::MulOp>();
  ASSERT_TRUE(product);
  EXPECT_TRUE(product.getRhs().getDefiningOp<mt::DropoutMaskOp>());
}

TEST_F(GradientCheckTest, Reductions) {
  struct Case {
    std::string op;
    int64_t axis;
    bool keepDims;
    std::string result;
  };
  for (std::string op : {"reduce_sum", "reduce_mean", "reduce_max"})
    for (const Case &c : {
             Case{op, 0, false, "tensor<3x5xf32>"},
             Case{op, 0, true, "tensor<1x3x5xf32>"},
             Case{op, 1, false, "tensor<?x5xf32>"},
             Case{op, 2, true, "tensor<?x3x1xf32>"},
         }) {
      SCOPED_TRACE(c.op + " axis " + std::to_string(c.axis) +
                   (c.keepDims ? " keep_dims" : ""));
      std::string type = "tensor<?x3x5xf32>";
      checkGradients(
          parse(function(
              {type},
              "  %out = mt." + c.op + " %a {axis = " + std::to_string(c.axis) +
                  ", keep_dims = " + (c.keepDims ? "true" : "false") + "} : (" +
                  type + ") -> " + c.result + "\n",
              c.result)),
          {{Dist::Distinct}});
    }
}

TEST_F(GradientCheckTest, BroadcastInDim) {
  struct Case {
    std::string input, dims, result;
  };
  for (const Case &c : {
           Case{"tensor<3x5xf32>", "[1, 2]", "tensor<?x3x5xf32>"},
           Case{"tensor<3x1xf32>", "[1, 2]", "tensor<?x3x5xf32>"},
           Case{"tensor<?x5xf32>", "[0, 2]", "tensor<?x3x5xf32>"},
           Case{"tensor<f32>", "[]", "tensor<?x3x5xf32>"},
           Case{"tensor<1x5xf32>", "[0, 1]", "tensor<4x5xf32>"},
       }) {
    SCOPED_TRACE(c.input + " -> " + c.result);
    checkGradients(parse(function({c.input},
                                  "  %out = mt.broadcast_in_dim %a "
                                  "{broadcast_dimensions = " +
                                      c.dims + "} : (" + c.input + ") -> " +
                                      c.result + "\n",
                                  c.result)));
  }
}

TEST_F(GradientCheckTest, Transpose) {
  checkGradients(
      parse(function({"tensor<?x3x5x2xf32>"},
                     "  %out = mt.transpose %a {permutation = [0, 2, 3, 1]} : "
                     "(tensor<?x3x5x2xf32>) -> tensor<?x5x2x3xf32>\n",
                     "tensor<?x5x2x3xf32>")));
}

TEST_F(GradientCheckTest, Reshape) {
  checkGradients(parse(function(
      {"tensor<?x3x4xf32>"},
      "  %out = mt.reshape %a : (tensor<?x3x4xf32>) -> tensor<?x2x6xf32>\n",
      "tensor<?x2x6xf32>")));
}

TEST_F(GradientCheckTest, SliceAndPad) {
  checkGradients(
      parse(function({"tensor<?x7x3xf32>"},
                     "  %s = mt.slice %a {axis = 1, start = 2, size = 3} : "
                     "(tensor<?x7x3xf32>) -> tensor<?x3x3xf32>\n"
                     "  %out = mt.pad %s {axis = 2, low = 1, high = 2} : "
                     "(tensor<?x3x3xf32>) -> tensor<?x3x6xf32>\n",
                     "tensor<?x3x6xf32>")));
}

TEST_F(GradientCheckTest, Concat) {
  checkGradients(parse(
      function({"tensor<?x3x2xf32>", "tensor<?x3x5xf32>"},
               "  %out = mt.concat %a, %b, %a {axis = 2} : (tensor<?x3x2xf32>, "
               "tensor<?x3x5xf32>, tensor<?x3x2xf32>) -> tensor<?x3x9xf32>\n",
               "tensor<?x3x9xf32>")));
}

// Ids repeat (5 per example over 7 rows), so scatter_add must sum.
TEST_F(GradientCheckTest, GatherAndScatterAdd) {
  checkGradients(parse(function({"tensor<7x3xf32>", "tensor<?x5xi32>"},
                                "  %out = mt.gather %a, %b : (tensor<7x3xf32>, "
                                "tensor<?x5xi32>) -> tensor<?x5x3xf32>\n",
                                "tensor<?x5x3xf32>")),
                 {{}, {Dist::Ids, 7}});
  checkGradients(
      parse(
          function({"tensor<?x5xi32>", "tensor<?x5x3xf32>"},
                   "  %out = mt.scatter_add %a, %b {num_rows = 7} : "
                   "(tensor<?x5xi32>, tensor<?x5x3xf32>) -> tensor<7x3xf32>\n",
                   "tensor<7x3xf32>")),
      {{Dist::Ids, 7}, {}});
}

// Leaves: the iota and one-hot factors are constants of the loss.
TEST_F(GradientCheckTest, Leaves) {
  checkGradients(
      parse(function(
          {"tensor<?x4xf32>", "tensor<?xi32>"},
          "  %i = mt.iota {dimension = 1} : () -> tensor<?x4xf32>\n"
          "  %h = mt.one_hot %b {depth = 4} : (tensor<?xi32>) -> "
          "tensor<?x4xf32>\n"
          "  %c = mt.constant dense<[1.5, -2.0, 0.5, 3.0]> : tensor<4xf32>\n"
          "  %t = mt.mul %a, %i : (tensor<?x4xf32>, tensor<?x4xf32>) -> "
          "tensor<?x4xf32>\n"
          "  %u = mt.add %t, %h : (tensor<?x4xf32>, tensor<?x4xf32>) -> "
          "tensor<?x4xf32>\n"
          "  %out = mt.mul %u, %c : (tensor<?x4xf32>, tensor<4xf32>) -> "
          "tensor<?x4xf32>\n",
          "tensor<?x4xf32>")),
      {{}, {Dist::Ids, 4}});
}

// A chain that reuses values (fan-out) and mixes rules: softmax.
TEST_F(GradientCheckTest, SoftmaxChain) {
  mlir::FuncOp func = parse(function(
      {"tensor<?x3x5xf32>"},
      "  %m = mt.reduce_max %a {axis = 2, keep_dims = true} : "
      "(tensor<?x3x5xf32>) -> tensor<?x3x1xf32>\n"
      "  %s = mt.sub %a, %m : (tensor<?x3x5xf32>, tensor<?x3x1xf32>) -> "
      "tensor<?x3x5xf32>\n"
      "  %e = mt.exp %s : (tensor<?x3x5xf32>) -> tensor<?x3x5xf32>\n"
      "  %z = mt.reduce_sum %e {axis = 2, keep_dims = true} : "
      "(tensor<?x3x5xf32>) -> tensor<?x3x1xf32>\n"
      "  %out = mt.div %e, %z : (tensor<?x3x5xf32>, tensor<?x3x1xf32>) -> "
      "tensor<?x3x5xf32>\n",
      "tensor<?x3x5xf32>"));
  checkGradients(func, {{Dist::Distinct}});
}

//===----------------------------------------------------------------------===//
// Model ops after mt-decompose
//===----------------------------------------------------------------------===//

/// `op` applied to %x, with `attrs`, as a one-op model function.
std::string modelOp(const std::string &op, const std::string &inputType,
                    const std::string &attrs, bool masked = false,
                    const std::string &extraOperand = "",
                    const std::string &extraType = "") {
  std::string args = "%x: " + inputType;
  std::string operands = "%x", types = inputType;
  if (!extraOperand.empty()) {
    args += ", " + extraOperand + ": " + extraType;
    operands += ", " + extraOperand;
    types += ", " + extraType;
  }
  if (masked) {
    args += ", %pad: tensor<?x5xi1>";
    types += ", tensor<?x5xi1>";
  }
  return "func @f(" + args + ") -> tensor<*xf32> {\n  %0 = mt." + op + " " +
         operands + (masked ? " mask %pad" : "") + " {" + attrs + "} : (" +
         types + ") -> tensor<*xf32>\n  return %0 : tensor<*xf32>\n}\n";
}

const ArgSpec kPadding{Dist::Padding};

TEST_F(GradientCheckTest, Dense) {
  for (std::string activation : {"none", "relu", "gelu", "tanh", "sigmoid"}) {
    SCOPED_TRACE(activation);
    checkGradients(decompose(modelOp("dense", "tensor<?x5x7xf32>",
                                     "out_features = 9, activation = \"" +
                                         activation + "\", path = \"proj\"")));
  }
}

TEST_F(GradientCheckTest, LayerNorm) {
  checkGradients(decompose(
      modelOp("layer_norm", "tensor<?x5x12xf32>", "path = \"norm\"")));
}

TEST_F(GradientCheckTest, SelfAttentionWithPaddingMask) {
  checkGradients(
      decompose(
          "func @f(%x: tensor<?x5x12xf32>, %pad: tensor<?x5xi1>) -> "
          "tensor<*xf32> {\n"
          "  %0 = mt.attention %x, %x, %x mask %pad {num_heads = 3, path = "
          "\"attn\"} : (tensor<?x5x12xf32>, tensor<?x5x12xf32>, "
          "tensor<?x5x12xf32>, tensor<?x5xi1>) -> tensor<*xf32>\n"
          "  return %0 : tensor<*xf32>\n}\n"),
      {{}, kPadding});
}

TEST_F(GradientCheckTest, CrossAttention) {
  // Separate key and value inputs exercise each packed projection.
  checkGradients(
      decompose(
          "func @f(%q: tensor<?x4x12xf32>, %k: tensor<?x5x12xf32>, "
          "%v: tensor<?x5x12xf32>, %pad: tensor<?x5xi1>) -> tensor<*xf32> {\n"
          "  %0 = mt.attention %q, %k, %v mask %pad {num_heads = 3, path = "
          "\"cross\"} : (tensor<?x4x12xf32>, tensor<?x5x12xf32>, "
          "tensor<?x5x12xf32>, tensor<?x5xi1>) -> tensor<*xf32>\n"
          "  return %0 : tensor<*xf32>\n}\n"),
      {{}, {}, {}, kPadding});
}

TEST_F(GradientCheckTest, EncoderLayer) {
  for (bool normFirst : {false, true}) {
    SCOPED_TRACE(normFirst ? "pre-LN" : "post-LN");
    std::string activation = normFirst ? "gelu" : "relu";
    checkGradients(
        decompose(
            modelOp("encoder_layer", "tensor<?x5x12xf32>",
                    "num_heads = 3, ff_dim = 10, activation = \"" + activation +
                        "\", norm_first = " + (normFirst ? "true" : "false") +
                        ", path = \"layer\"",
                    /*masked=*/true)),
        {{}, kPadding});
  }
}

TEST_F(GradientCheckTest, TaskAttention) {
  checkGradients(decompose(modelOp("task_attention", "tensor<?x5x12xf32>",
                                   "num_tasks = 4, num_heads = 3, path = "
                                   "\"task_attn\"",
                                   /*masked=*/true)),
                 {{}, kPadding});
}

TEST_F(GradientCheckTest, TaskHead) {
  struct Case {
    std::string pooling;
    int64_t length;
  };
  for (const Case &c :
       {Case{"token", 4}, Case{"mean", 5}, Case{"first", 5}, Case{"none", 5}}) {
    SCOPED_TRACE(c.pooling);
    checkGradients(decompose(modelOp(
        "task_head", "tensor<?x" + std::to_string(c.length) + "x12xf32>",
        "out_features = 7, pooling = \"" + c.pooling + "\"" +
            (c.pooling == "token" ? ", task = 2" : "") +
            ", path = \"heads.t\"")));
  }
}

TEST_F(GradientCheckTest, EmbeddingTable) {
  checkGradients(
      decompose("func @f(%ids: tensor<?x5xi32>) -> tensor<*xf32> {\n"
                "  %0 = mt.embedding %ids {num_embeddings = 7, "
                "embedding_dim = 6, path = \"embed\"} : (tensor<?x5xi32>) "
                "-> tensor<*xf32>\n  return %0 : tensor<*xf32>\n}\n"),
      {{Dist::Ids, 7}});
}

TEST_F(GradientCheckTest, TaskEncoder) {
  checkGradients(decompose(modelOp("task_encoder", "tensor<?x5x12xf32>",
                                   "num_tasks = 3, path = \"task_encoder\"",
                                   /*masked=*/false, "%task", "tensor<?xi32>")),
                 {{}, {Dist::Ids, 3}});
}

//===----------------------------------------------------------------------===//
// The driver
//===----------------------------------------------------------------------===//

// Two losses on one forward pass (one per task): each call returns its own
// loss's gradient. loss0 = sum(x * w) and loss1 = sum(x * x), so d loss0 / dx
// = w, d loss0 / dw = the column sums of x, d loss1 / dx = 2 x and d loss1 /
// dw = 0 (loss1 does not read w).
TEST_F(GradientCheckTest, TwoLossesOnOneForwardPass) {
  mlir::FuncOp func =
      parse("func @f(%x: tensor<?x4xf32>, %w: tensor<4xf32>) -> tensor<f32> {\n"
            "  %xw = mt.mul %x, %w : (tensor<?x4xf32>, tensor<4xf32>) -> "
            "tensor<?x4xf32>\n"
            "  %a = mt.reduce_sum %xw {axis = 1} : (tensor<?x4xf32>) -> "
            "tensor<?xf32>\n"
            "  %loss0 = mt.reduce_sum %a {axis = 0} : (tensor<?xf32>) -> "
            "tensor<f32>\n"
            "  %xx = mt.mul %x, %x : (tensor<?x4xf32>, tensor<?x4xf32>) -> "
            "tensor<?x4xf32>\n"
            "  %b = mt.reduce_sum %xx {axis = 1} : (tensor<?x4xf32>) -> "
            "tensor<?xf32>\n"
            "  %loss1 = mt.reduce_sum %b {axis = 0} : (tensor<?xf32>) -> "
            "tensor<f32>\n"
            "  return %loss0 : tensor<f32>\n}\n");
  ASSERT_TRUE(func);
  auto ret = llvm::cast<mlir::ReturnOp>(func.front().getTerminator());
  mlir::Value loss0 = ret.getOperand(0);
  mlir::Value loss1 = ret->getPrevNode()->getResult(0);
  mlir::OpBuilder builder(ret);
  llvm::SmallVector<mlir::Value, 4> wrt(func.getArguments().begin(),
                                        func.getArguments().end());
  auto first = mt::buildGradients(builder, loss0, wrt);
  auto second = mt::buildGradients(builder, loss1, wrt);
  ASSERT_TRUE(mlir::succeeded(first) && mlir::succeeded(second)) << diagnostics;
  llvm::SmallVector<mlir::Value, 4> results(*first);
  results.append(second->begin(), second->end());
  builder.create<mlir::ReturnOp>(ret.getLoc(), results);
  ret.erase();
  func.setType(mlir::FunctionType::get(&context, func.getArgumentTypes(),
                                       mlir::ValueRange(results).getTypes()));
  ASSERT_TRUE(mlir::succeeded(mlir::verify(func))) << diagnostics;

  Tensor x = draw({3, 4}, {}, 3), w = draw({4}, {}, 3);
  auto gradients = mt::interp::interpret(func, {x, w}, {});
  ASSERT_TRUE(mlir::succeeded(gradients)) << diagnostics;
  ASSERT_EQ(gradients->size(), 4u);
  const Tensor &dx0 = (*gradients)[0], &dw0 = (*gradients)[1];
  const Tensor &dx1 = (*gradients)[2], &dw1 = (*gradients)[3];
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j) {
      EXPECT_FLOAT_EQ(dx0.data[i * 4 + j], w.data[j]);
      EXPECT_FLOAT_EQ(dx1.data[i * 4 + j], 2.0 * x.data[i * 4 + j]);
    }
  for (int64_t j = 0; j < 4; ++j) {
    EXPECT_FLOAT_EQ(dw0.data[j], x.data[j] + x.data[4 + j] + x.data[8 + j]);
    EXPECT_EQ(dw1.data[j], 0.0);
  }
}

// Only the ops on a path from the inputs to the loss get adjoints: for
// loss = sum(x * exp(c)) with c constant and a dead sin(x), the gradient is
// the seed 1, its broadcast back over x, and one product.
TEST_F(GradientCheckTest, DeadBranchesEmitNothing) {
  mlir::FuncOp func =
      parse("func @f(%x: tensor<4xf32>) -> tensor<f32> {\n"
            "  %c = mt.constant dense<[0.5, 1.0, 1.5, 2.0]> : tensor<4xf32>\n"
            "  %e = mt.exp %c : (tensor<4xf32>) -> tensor<4xf32>\n"
            "  %dead = mt.sin %x : (tensor<4xf32>) -> tensor<4xf32>\n"
            "  %p = mt.mul %x, %e : (tensor<4xf32>, tensor<4xf32>) -> "
            "tensor<4xf32>\n"
            "  %loss = mt.reduce_sum %p {axis = 0} : (tensor<4xf32>) -> "
            "tensor<f32>\n"
            "  return %loss : tensor<f32>\n}\n");
  ASSERT_TRUE(func);
  auto ret = llvm::cast<mlir::ReturnOp>(func.front().getTerminator());
  size_t before = func.front().getOperations().size();
  mlir::OpBuilder builder(ret);
  auto gradients =
      mt::buildGradients(builder, ret.getOperand(0), {func.getArgument(0)});
  ASSERT_TRUE(mlir::succeeded(gradients)) << diagnostics;
  EXPECT_EQ(func.front().getOperations().size() - before, 3u);
  mlir::Operation *product = gradients->front().getDefiningOp();
  ASSERT_TRUE(llvm::isa<mt::MulOp>(product));
  EXPECT_EQ(product->getOperand(1).getDefiningOp<mt::ExpOp>().getInput(),
            func.front().front().getResult(0));
}

// A model op (or mt.dropout) on the path from the inputs to the loss has no
// rule: the call fails, names it, and emits nothing. The same op off that
// path (here, on the condition of a select) is fine.
TEST_F(GradientCheckTest, NotDifferentiableDiagnostic) {
  mlir::FuncOp func =
      parse("func @f(%x: tensor<?x4xf32>) -> tensor<f32> {\n"
            "  %d = mt.dropout %x {rate = 1.0e-01} : (tensor<?x4xf32>) -> "
            "tensor<?x4xf32>\n"
            "  %loss = mt.reduce_max %d {axis = 0} : (tensor<?x4xf32>) -> "
            "tensor<4xf32>\n"
            "  %l = mt.reduce_sum %loss {axis = 0} : (tensor<4xf32>) -> "
            "tensor<f32>\n"
            "  return %l : tensor<f32>\n}\n");
  ASSERT_TRUE(func);
  auto ret = llvm::cast<mlir::ReturnOp>(func.front().getTerminator());
  size_t before = func.front().getOperations().size();
  mlir::OpBuilder builder(ret);
  diagnostics.clear();
  auto gradients =
      mt::buildGradients(builder, ret.getOperand(0), {func.getArgument(0)});
  EXPECT_TRUE(mlir::failed(gradients));
  EXPECT_NE(diagnostics.find("'mt.dropout' op is not differentiable"),
            std::string::npos)
      << diagnostics;
  EXPECT_EQ(func.front().getOperations().size(), before);

  mlir::FuncOp offPath = parse(
      "func @f(%x: tensor<?x4xf32>) -> tensor<f32> {\n"
      "  %zero = mt.constant dense<0.0> : tensor<f32>\n"
      "  %d = mt.dropout %x {rate = 1.0e-01} : (tensor<?x4xf32>) -> "
      "tensor<?x4xf32>\n"
      "  %m = mt.compare %d, %zero {predicate = \"gt\"} : "
      "(tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xi1>\n"
      "  %s = mt.select %m, %x, %zero : (tensor<?x4xi1>, tensor<?x4xf32>, "
      "tensor<f32>) -> tensor<?x4xf32>\n"
      "  %a = mt.reduce_sum %s {axis = 1} : (tensor<?x4xf32>) -> "
      "tensor<?xf32>\n"
      "  %l = mt.reduce_sum %a {axis = 0} : (tensor<?xf32>) -> tensor<f32>\n"
      "  return %l : tensor<f32>\n}\n");
  ASSERT_TRUE(offPath);
  ret = llvm::cast<mlir::ReturnOp>(offPath.front().getTerminator());
  builder.setInsertionPoint(ret);
  EXPECT_TRUE(mlir::succeeded(
      mt::buildGradients(builder, ret.getOperand(0), {offPath.getArgument(0)})))
      << diagnostics;
}

// A loss that does not depend on a `wrt` value gives it a zero gradient of
// its type, the batch dimension included.
TEST_F(GradientCheckTest, IndependentInputGetsZeros) {
  mlir::FuncOp func = parse(
      "func @f(%x: tensor<?x4xf32>, %w: tensor<4xf32>) -> tensor<f32> {\n"
      "  %l = mt.reduce_sum %w {axis = 0} : (tensor<4xf32>) -> tensor<f32>\n"
      "  return %l : tensor<f32>\n}\n");
  ASSERT_TRUE(func);
  auto ret = llvm::cast<mlir::ReturnOp>(func.front().getTerminator());
  mlir::OpBuilder builder(ret);
  auto gradients =
      mt::buildGradients(builder, ret.getOperand(0), {func.getArgument(0)});
  ASSERT_TRUE(mlir::succeeded(gradients)) << diagnostics;
  builder.create<mlir::ReturnOp>(ret.getLoc(), *gradients);
  ret.erase();
  func.setType(mlir::FunctionType::get(&context, func.getArgumentTypes(),
                                       {func.getArgument(0).getType()}));
  ASSERT_TRUE(mlir::succeeded(mlir::verify(func))) << diagnostics;
  auto zeros = mt::interp::interpret(
      func,
      {draw({mlir::ShapedType::kDynamicSize, 4}, {}, 3), draw({4}, {}, 3)}, {});
  ASSERT_TRUE(mlir::succeeded(zeros)) << diagnostics;
  EXPECT_EQ(zeros->front().shape, (std::vector<int64_t>{3, 4}));
  for (double value : zeros->front().data)
    EXPECT_EQ(value, 0.0);
}

TEST_F(GradientCheckTest, LossMustBeAScalar) {
  mlir::FuncOp func = parse("func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
                            "  return %x : tensor<4xf32>\n}\n");
  ASSERT_TRUE(func);
  auto ret = llvm::cast<mlir::ReturnOp>(func.front().getTerminator());
  mlir::OpBuilder builder(ret);
  diagnostics.clear();
  EXPECT_TRUE(mlir::failed(
      mt::buildGradients(builder, ret.getOperand(0), {func.getArgument(0)})));
  EXPECT_NE(diagnostics.find("expected a rank-0 f32 loss, got "),
            std::string::npos)
      << diagnostics;
  EXPECT_NE(diagnostics.find("tensor<4xf32>"), std::string::npos)
      << diagnostics;
}

} // namespace
