//===- InterpreterTest.cpp - the reference interpreter against hand values ===//
//
// Every primitive op on small worked examples whose results are computed by
// hand or from closed forms, the f32 rounding and float64 accumulation the
// oracle promises, and every class of bad input (each a located, specific
// diagnostic, never a crash).
//
//===----------------------------------------------------------------------===//

#include "Interpreter/Interpreter.h"
#include "support/MlirTest.h"

#include "mt/Dialect/DropoutHash.h"
#include "mt/Dialect/MTDialect.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace {
using mt::interp::ElementKind;
using mt::interp::ParameterValues;
using mt::interp::Tensor;

/// The value f32 holds for `x`: what the interpreter stores for an f32
/// result computed exactly as `x`.
double f32(double x) { return static_cast<double>(static_cast<float>(x)); }

std::vector<double> f32(std::vector<double> values) {
  for (double &value : values)
    value = f32(value);
  return values;
}

/// Expects `shape` and exactly `values` (NaN matches NaN).
void expectTensor(const Tensor &tensor, std::vector<int64_t> shape,
                  std::vector<double> values,
                  ElementKind kind = ElementKind::F32) {
  EXPECT_EQ(tensor.shape, shape);
  EXPECT_EQ(tensor.kind, kind);
  ASSERT_EQ(tensor.data.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i]))
      EXPECT_TRUE(std::isnan(tensor.data[i])) << "at " << i;
    else
      EXPECT_EQ(tensor.data[i], values[i]) << "at " << i;
  }
}

class InterpreterTest : public mt::testing::MlirTest {
protected:
  /// Parses `source` and returns its function @main.
  mlir::FuncOp parse(llvm::StringRef source) {
    module = mlir::parseSourceString(source, &context);
    EXPECT_TRUE(module) << "parse failed:\n" << diagnostics;
    return module ? module->lookupSymbol<mlir::FuncOp>("main") : nullptr;
  }

  mlir::FailureOr<std::vector<Tensor>> run(llvm::StringRef source,
                                           std::vector<Tensor> args,
                                           const ParameterValues &params = {}) {
    diagnostics.clear();
    mlir::FuncOp func = parse(source);
    if (!func)
      return mlir::failure();
    return mt::interp::interpret(func, args, params);
  }

  /// Interprets @main, expecting success.
  std::vector<Tensor> runOk(llvm::StringRef source, std::vector<Tensor> args,
                            const ParameterValues &params = {}) {
    auto results = run(source, std::move(args), params);
    EXPECT_TRUE(mlir::succeeded(results)) << diagnostics;
    return mlir::succeeded(results) ? *results : std::vector<Tensor>{};
  }

  /// Interprets @main, expecting failure; returns the diagnostics.
  std::string runError(llvm::StringRef source, std::vector<Tensor> args,
                       const ParameterValues &params = {}) {
    auto results = run(source, std::move(args), params);
    EXPECT_TRUE(mlir::failed(results));
    return diagnostics;
  }

  /// The first op named `name` in the parsed module.
  mlir::Operation *findOp(llvm::StringRef name) {
    mlir::Operation *found = nullptr;
    module->walk([&](mlir::Operation *op) {
      if (!found && op->getName().getStringRef() == name)
        found = op;
    });
    return found;
  }
};

#define EXPECT_DIAGNOSTIC(text, expected)                                      \
  EXPECT_NE((text).find(expected), std::string::npos)                          \
      << "expected \"" << (expected) << "\" in:\n"                             \
      << (text)

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

TEST(InterpreterTensorTest, FactoriesStoreExactValues) {
  Tensor x = Tensor::f32({2, 2}, {0.1, 1.0, -2.5, 3.0});
  EXPECT_EQ(x.numElements(), 4);
  EXPECT_EQ(x.data[0], f32(0.1)); // Rounded to float.
  EXPECT_NE(x.data[0], 0.1);
  Tensor ids = Tensor::i32({3}, {-7, 0, 2147483647});
  expectTensor(ids, {3}, {-7, 0, 2147483647}, ElementKind::I32);
  expectTensor(Tensor::i1({2}, {true, false}), {2}, {1, 0}, ElementKind::I1);
  expectTensor(Tensor::zeros({2, 0, 3}, ElementKind::I32), {2, 0, 3}, {},
               ElementKind::I32);
  EXPECT_EQ(Tensor::f32({}, {5.0}).numElements(), 1); // A scalar.
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, MatmulHandWorked2x3x4) {
  const char *source = R"mlir(
    func @main(%x: tensor<?x2x3xf32>, %w: tensor<3x4xf32>, %wt: tensor<4x3xf32>)
        -> (tensor<?x2x4xf32>, tensor<?x2x4xf32>) {
      %y = mt.matmul %x, %w : (tensor<?x2x3xf32>, tensor<3x4xf32>) -> tensor<?x2x4xf32>
      %z = mt.matmul %x, %wt {transpose_rhs = true}
          : (tensor<?x2x3xf32>, tensor<4x3xf32>) -> tensor<?x2x4xf32>
      return %y, %z : tensor<?x2x4xf32>, tensor<?x2x4xf32>
    })mlir";
  // The second example is the first negated, so its product is too.
  Tensor x = Tensor::f32({2, 2, 3}, {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6});
  Tensor w = Tensor::f32({3, 4}, {1, 0, 2, -1, 0, 1, 1, 2, 3, -1, 0, 1});
  Tensor wt = Tensor::f32({4, 3}, {1, 0, 3, 0, 1, -1, 2, 1, 0, -1, 2, 1});
  std::vector<Tensor> results = runOk(source, {x, w, wt});
  ASSERT_EQ(results.size(), 2u);
  std::vector<double> expected{10,  -1, 4,  6,  22,  -1, 13,  12,
                               -10, 1,  -4, -6, -22, 1,  -13, -12};
  expectTensor(results[0], {2, 2, 4}, expected);
  expectTensor(results[1], {2, 2, 4}, expected);
}

TEST_F(InterpreterTest, MatmulAccumulatesInDouble) {
  const char *source = R"mlir(
    func @main(%x: tensor<1x3xf32>, %w: tensor<3x1xf32>) -> tensor<1x1xf32> {
      %y = mt.matmul %x, %w : (tensor<1x3xf32>, tensor<3x1xf32>) -> tensor<1x1xf32>
      return %y : tensor<1x1xf32>
    })mlir";
  // In f32, 1e8 + 1 rounds back to 1e8 and the sum would be 0.
  std::vector<Tensor> results =
      runOk(source, {Tensor::f32({1, 3}, {1e8, 1, -1e8}),
                     Tensor::f32({3, 1}, {1, 1, 1})});
  ASSERT_EQ(results.size(), 1u);
  expectTensor(results[0], {1, 1}, {1});
}

TEST_F(InterpreterTest, BatchMatmulTransposes) {
  const char *source = R"mlir(
    func @main(%a: tensor<?x2x2xf32>, %b: tensor<?x2x2xf32>)
        -> (tensor<?x2x2xf32>, tensor<?x2x2xf32>, tensor<?x2x2xf32>, tensor<?x2x2xf32>) {
      %0 = mt.batch_matmul %a, %b : (tensor<?x2x2xf32>, tensor<?x2x2xf32>) -> tensor<?x2x2xf32>
      %1 = mt.batch_matmul %a, %b {transpose_rhs = true}
          : (tensor<?x2x2xf32>, tensor<?x2x2xf32>) -> tensor<?x2x2xf32>
      %2 = mt.batch_matmul %a, %b {transpose_lhs = true}
          : (tensor<?x2x2xf32>, tensor<?x2x2xf32>) -> tensor<?x2x2xf32>
      %3 = mt.batch_matmul %a, %b {transpose_lhs = true, transpose_rhs = true}
          : (tensor<?x2x2xf32>, tensor<?x2x2xf32>) -> tensor<?x2x2xf32>
      return %0, %1, %2, %3 : tensor<?x2x2xf32>, tensor<?x2x2xf32>, tensor<?x2x2xf32>, tensor<?x2x2xf32>
    })mlir";
  // Example 0: A = [[1,2],[3,4]], B = [[5,6],[7,8]]; example 1: I times B.
  Tensor a = Tensor::f32({2, 2, 2}, {1, 2, 3, 4, 1, 0, 0, 1});
  Tensor b = Tensor::f32({2, 2, 2}, {5, 6, 7, 8, 5, 6, 7, 8});
  std::vector<Tensor> results = runOk(source, {a, b});
  ASSERT_EQ(results.size(), 4u);
  expectTensor(results[0], {2, 2, 2}, {19, 22, 43, 50, 5, 6, 7, 8}); // A B
  expectTensor(results[1], {2, 2, 2}, {17, 23, 39, 53, 5, 7, 6, 8}); // A B^T
  expectTensor(results[2], {2, 2, 2}, {26, 30, 38, 44, 5, 6, 7, 8}); // A^T B
  // A^T B^T = (B A)^T, B A = [[23,34],[31,46]].
  expectTensor(results[3], {2, 2, 2}, {23, 31, 34, 46, 5, 7, 6, 8});
}

TEST_F(InterpreterTest, ContractLeadingSumsOverEveryLeadingDimension) {
  const char *source = R"mlir(
    func @main(%a: tensor<?x2x2xf32>, %b: tensor<?x2x1xf32>) -> tensor<2x1xf32> {
      %0 = mt.contract_leading %a, %b : (tensor<?x2x2xf32>, tensor<?x2x1xf32>) -> tensor<2x1xf32>
      return %0 : tensor<2x1xf32>
    })mlir";
  // Rows (1, 2), (3, 4) | (5, 6), (7, 8) against 1, 2 | 3, 4:
  // column 0: 1 + 6 + 15 + 28, column 1: 2 + 8 + 18 + 32.
  Tensor a = Tensor::f32({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor b = Tensor::f32({2, 2, 1}, {1, 2, 3, 4});
  std::vector<Tensor> results = runOk(source, {a, b});
  ASSERT_EQ(results.size(), 1u);
  expectTensor(results[0], {2, 1}, {50, 60});
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, BinaryOpsBroadcastLikeNumPy) {
  const char *source = R"mlir(
    func @main(%x: tensor<?x2x3xf32>, %v: tensor<3xf32>, %c: tensor<2x1xf32>, %s: tensor<f32>)
        -> (tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<?x2x3xf32>, tensor<2x3xf32>,
            tensor<3xf32>, tensor<3xf32>) {
      %add = mt.add %x, %v : (tensor<?x2x3xf32>, tensor<3xf32>) -> tensor<?x2x3xf32>
      %sub = mt.sub %c, %v : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
      %mul = mt.mul %x, %c : (tensor<?x2x3xf32>, tensor<2x1xf32>) -> tensor<?x2x3xf32>
      %div = mt.div %v, %c : (tensor<3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
      %max = mt.max %v, %s : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
      %min = mt.min %s, %v : (tensor<f32>, tensor<3xf32>) -> tensor<3xf32>
      return %add, %sub, %mul, %div, %max, %min
          : tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<?x2x3xf32>, tensor<2x3xf32>,
            tensor<3xf32>, tensor<3xf32>
    })mlir";
  Tensor x = Tensor::f32({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  Tensor v = Tensor::f32({3}, {10, 20, 30});
  Tensor c = Tensor::f32({2, 1}, {1, 2});
  Tensor s = Tensor::f32({}, {15});
  std::vector<Tensor> results = runOk(source, {x, v, c, s});
  ASSERT_EQ(results.size(), 6u);
  expectTensor(results[0], {2, 2, 3},
               {11, 22, 33, 14, 25, 36, 17, 28, 39, 20, 31, 42});
  expectTensor(results[1], {2, 3}, {-9, -19, -29, -8, -18, -28});
  expectTensor(results[2], {2, 2, 3},
               {1, 2, 3, 8, 10, 12, 7, 8, 9, 20, 22, 24});
  expectTensor(results[3], {2, 3}, {10, 20, 30, 5, 10, 15});
  expectTensor(results[4], {3}, {15, 20, 30});
  expectTensor(results[5], {3}, {10, 15, 15});
}

TEST_F(InterpreterTest, PowBroadcastsAnOuterProduct) {
  const char *source = R"mlir(
    func @main(%b: tensor<2x1xf32>, %e: tensor<3xf32>) -> tensor<2x3xf32> {
      %p = mt.pow %b, %e : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
      return %p : tensor<2x3xf32>
    })mlir";
  std::vector<Tensor> results = runOk(
      source, {Tensor::f32({2, 1}, {2, 4}), Tensor::f32({3}, {0, 0.5, 3})});
  ASSERT_EQ(results.size(), 1u);
  expectTensor(results[0], {2, 3}, {1, f32(std::sqrt(2.0)), 8, 1, 2, 64});
}

TEST_F(InterpreterTest, UnaryOpsMatchClosedForms) {
  const char *source = R"mlir(
    func @main(%x: tensor<4xf32>)
        -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
            tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
      %0 = mt.exp %x : (tensor<4xf32>) -> tensor<4xf32>
      %1 = mt.tanh %x : (tensor<4xf32>) -> tensor<4xf32>
      %2 = mt.erf %x : (tensor<4xf32>) -> tensor<4xf32>
      %3 = mt.neg %x : (tensor<4xf32>) -> tensor<4xf32>
      %4 = mt.abs %x : (tensor<4xf32>) -> tensor<4xf32>
      %5 = mt.sin %x : (tensor<4xf32>) -> tensor<4xf32>
      %6 = mt.cos %x : (tensor<4xf32>) -> tensor<4xf32>
      %7 = mt.relu %x : (tensor<4xf32>) -> tensor<4xf32>
      %8 = mt.gelu %x : (tensor<4xf32>) -> tensor<4xf32>
      %9 = mt.sigmoid %x : (tensor<4xf32>) -> tensor<4xf32>
      return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9
          : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
            tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    })mlir";
  std::vector<Tensor> results =
      runOk(source, {Tensor::f32({4}, {-1, 0, 0.5, 1})});
  ASSERT_EQ(results.size(), 10u);
  // Each value is the exact closed form, then rounded to f32 once.
  expectTensor(
      results[0], {4},
      f32({0.36787944117144233, 1, 1.6487212707001282, 2.718281828459045}));
  expectTensor(
      results[1], {4},
      f32({-0.7615941559557649, 0, 0.46211715726000974, 0.7615941559557649}));
  expectTensor(
      results[2], {4},
      f32({-0.8427007929497149, 0, 0.5204998778130465, 0.8427007929497149}));
  expectTensor(results[3], {4}, {1, 0, -0.5, -1});
  expectTensor(results[4], {4}, {1, 0, 0.5, 1});
  expectTensor(
      results[5], {4},
      f32({-0.8414709848078965, 0, 0.479425538604203, 0.8414709848078965}));
  expectTensor(
      results[6], {4},
      f32({0.5403023058681398, 1, 0.8775825618903728, 0.5403023058681398}));
  expectTensor(results[7], {4}, {0, 0, 0.5, 1});
  // gelu(x) = x (1 + erf(x / sqrt 2)) / 2; gelu(1) = Phi(1).
  expectTensor(
      results[8], {4},
      f32({-0.15865525393145707, 0, 0.34573123063700656, 0.8413447460685429}));
  expectTensor(
      results[9], {4},
      f32({0.2689414213699951, 0.5, 0.6224593312018546, 0.7310585786300049}));
}

TEST_F(InterpreterTest, LogSqrtRsqrtMatchClosedForms) {
  const char *source = R"mlir(
    func @main(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
      %0 = mt.log %x : (tensor<4xf32>) -> tensor<4xf32>
      %1 = mt.sqrt %x : (tensor<4xf32>) -> tensor<4xf32>
      %2 = mt.rsqrt %x : (tensor<4xf32>) -> tensor<4xf32>
      return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    })mlir";
  std::vector<Tensor> results =
      runOk(source, {Tensor::f32({4}, {0.25, 1, 2, 4})});
  ASSERT_EQ(results.size(), 3u);
  expectTensor(
      results[0], {4},
      f32({-1.3862943611198906, 0, 0.6931471805599453, 1.3862943611198906}));
  expectTensor(results[1], {4}, f32({0.5, 1, 1.4142135623730951, 2}));
  expectTensor(results[2], {4}, f32({2, 1, 0.7071067811865476, 0.5}));
}

TEST_F(InterpreterTest, RoundsEveryF32ResultAndFollowsIEEE) {
  const char *source = R"mlir(
    func @main(%a: tensor<3xf32>, %b: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
      %s = mt.add %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
      %q = mt.div %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
      return %s, %q : tensor<3xf32>, tensor<3xf32>
    })mlir";
  std::vector<Tensor> results = runOk(
      source, {Tensor::f32({3}, {1, 1, -1}), Tensor::f32({3}, {1e-8, 3, 0})});
  ASSERT_EQ(results.size(), 2u);
  // 1 + 1e-8 is 1 in f32; 1 / 3 is the float nearest 1/3; -1 / 0 is -inf.
  expectTensor(results[0], {3}, {1, 4, -1});
  expectTensor(results[1], {3},
               {f32(1.0 / f32(1e-8)), f32(1.0 / 3.0),
                -std::numeric_limits<double>::infinity()});
}

TEST_F(InterpreterTest, MaxMinReluAndReduceMaxPropagateNaN) {
  const char *source = R"mlir(
    func @main(%x: tensor<3xf32>, %y: tensor<3xf32>)
        -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) {
      %max = mt.max %x, %y : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
      %min = mt.min %x, %y : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
      %relu = mt.relu %x : (tensor<3xf32>) -> tensor<3xf32>
      %rmax = mt.reduce_max %x {axis = 0} : (tensor<3xf32>) -> tensor<f32>
      return %max, %min, %relu, %rmax : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>
    })mlir";
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Tensor> results = runOk(
      source, {Tensor::f32({3}, {1, nan, -3}), Tensor::f32({3}, {nan, 2, 5})});
  ASSERT_EQ(results.size(), 4u);
  expectTensor(results[0], {3}, {nan, nan, 5});
  expectTensor(results[1], {3}, {nan, nan, -3});
  expectTensor(results[2], {3}, {1, nan, 0});
  expectTensor(results[3], {}, {nan});
}

TEST_F(InterpreterTest, CompareAllPredicates) {
  const char *source = R"mlir(
    func @main(%x: tensor<4xf32>, %t: tensor<f32>, %i: tensor<?xi32>, %j: tensor<?xi32>)
        -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>,
            tensor<4xi1>, tensor<?xi1>, tensor<?xi1>) {
      %eq = mt.compare %x, %t {predicate = "eq"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xi1>
      %ne = mt.compare %x, %t {predicate = "ne"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xi1>
      %lt = mt.compare %x, %t {predicate = "lt"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xi1>
      %le = mt.compare %x, %t {predicate = "le"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xi1>
      %gt = mt.compare %x, %t {predicate = "gt"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xi1>
      %ge = mt.compare %x, %t {predicate = "ge"} : (tensor<4xf32>, tensor<f32>) -> tensor<4xi1>
      %ieq = mt.compare %i, %j {predicate = "eq"} : (tensor<?xi32>, tensor<?xi32>) -> tensor<?xi1>
      %ilt = mt.compare %i, %j {predicate = "lt"} : (tensor<?xi32>, tensor<?xi32>) -> tensor<?xi1>
      return %eq, %ne, %lt, %le, %gt, %ge, %ieq, %ilt
          : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>,
            tensor<4xi1>, tensor<?xi1>, tensor<?xi1>
    })mlir";
  std::vector<Tensor> results = runOk(
      source, {Tensor::f32({4}, {1, 2, 3, 4}), Tensor::f32({}, {2}),
               Tensor::i32({3}, {1, 5, -3}), Tensor::i32({3}, {1, 4, -2})});
  ASSERT_EQ(results.size(), 8u);
  const ElementKind i1 = ElementKind::I1;
  expectTensor(results[0], {4}, {0, 1, 0, 0}, i1);
  expectTensor(results[1], {4}, {1, 0, 1, 1}, i1);
  expectTensor(results[2], {4}, {1, 0, 0, 0}, i1);
  expectTensor(results[3], {4}, {1, 1, 0, 0}, i1);
  expectTensor(results[4], {4}, {0, 0, 1, 1}, i1);
  expectTensor(results[5], {4}, {0, 1, 1, 1}, i1);
  expectTensor(results[6], {3}, {1, 0, 0}, i1);
  expectTensor(results[7], {3}, {0, 0, 1}, i1);
}

TEST_F(InterpreterTest, SelectBroadcastsThreeOperands) {
  const char *source = R"mlir(
    func @main(%c: tensor<2x1xi1>, %t: tensor<3xf32>, %f: tensor<f32>,
               %m: tensor<3xi1>, %a: tensor<3xi32>, %b: tensor<3xi32>)
        -> (tensor<2x3xf32>, tensor<3xi32>) {
      %s = mt.select %c, %t, %f : (tensor<2x1xi1>, tensor<3xf32>, tensor<f32>) -> tensor<2x3xf32>
      %i = mt.select %m, %a, %b : (tensor<3xi1>, tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
      return %s, %i : tensor<2x3xf32>, tensor<3xi32>
    })mlir";
  std::vector<Tensor> results = runOk(
      source, {Tensor::i1({2, 1}, {true, false}), Tensor::f32({3}, {1, 2, 3}),
               Tensor::f32({}, {-1}), Tensor::i1({3}, {true, false, true}),
               Tensor::i32({3}, {7, 8, 9}), Tensor::i32({3}, {-7, -8, -9})});
  ASSERT_EQ(results.size(), 2u);
  expectTensor(results[0], {2, 3}, {1, 2, 3, -1, -1, -1});
  expectTensor(results[1], {3}, {7, -8, 9}, ElementKind::I32);
}

TEST_F(InterpreterTest, CastBetweenF32I32AndI1) {
  const char *source = R"mlir(
    func @main(%x: tensor<5xf32>, %i: tensor<3xi32>, %m: tensor<2xi1>)
        -> (tensor<5xi32>, tensor<5xi1>, tensor<3xf32>, tensor<3xi1>, tensor<2xf32>,
            tensor<2xi32>) {
      %0 = mt.cast %x : (tensor<5xf32>) -> tensor<5xi32>
      %1 = mt.cast %x : (tensor<5xf32>) -> tensor<5xi1>
      %2 = mt.cast %i : (tensor<3xi32>) -> tensor<3xf32>
      %3 = mt.cast %i : (tensor<3xi32>) -> tensor<3xi1>
      %4 = mt.cast %m : (tensor<2xi1>) -> tensor<2xf32>
      %5 = mt.cast %m : (tensor<2xi1>) -> tensor<2xi32>
      return %0, %1, %2, %3, %4, %5 : tensor<5xi32>, tensor<5xi1>, tensor<3xf32>,
          tensor<3xi1>, tensor<2xf32>, tensor<2xi32>
    })mlir";
  std::vector<Tensor> results =
      runOk(source, {Tensor::f32({5}, {2.7, -2.7, 0.5, -0.0, 3}),
                     Tensor::i32({3}, {16777217, 0, -5}),
                     Tensor::i1({2}, {true, false})});
  ASSERT_EQ(results.size(), 6u);
  // Float to int truncates toward zero; to i1 is x != 0; 2^24 + 1 rounds
  // to 2^24 in f32.
  expectTensor(results[0], {5}, {2, -2, 0, 0, 3}, ElementKind::I32);
  expectTensor(results[1], {5}, {1, 1, 1, 0, 1}, ElementKind::I1);
  expectTensor(results[2], {3}, {16777216, 0, -5});
  expectTensor(results[3], {3}, {1, 0, 1}, ElementKind::I1);
  expectTensor(results[4], {2}, {1, 0});
  expectTensor(results[5], {2}, {1, 0}, ElementKind::I32);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, ReductionsOverEachAxis) {
  const char *source = R"mlir(
    func @main(%x: tensor<2x3x2xf32>)
        -> (tensor<3x2xf32>, tensor<2x1x2xf32>, tensor<2x3xf32>, tensor<2x2xf32>,
            tensor<2x1x2xf32>, tensor<2x3xf32>, tensor<1x3x2xf32>) {
      %0 = mt.reduce_sum %x {axis = 0} : (tensor<2x3x2xf32>) -> tensor<3x2xf32>
      %1 = mt.reduce_sum %x {axis = 1, keep_dims = true} : (tensor<2x3x2xf32>) -> tensor<2x1x2xf32>
      %2 = mt.reduce_sum %x {axis = 2} : (tensor<2x3x2xf32>) -> tensor<2x3xf32>
      %3 = mt.reduce_max %x {axis = 1} : (tensor<2x3x2xf32>) -> tensor<2x2xf32>
      %4 = mt.reduce_max %x {axis = 1, keep_dims = true} : (tensor<2x3x2xf32>) -> tensor<2x1x2xf32>
      %5 = mt.reduce_mean %x {axis = 2} : (tensor<2x3x2xf32>) -> tensor<2x3xf32>
      %6 = mt.reduce_mean %x {axis = 0, keep_dims = true} : (tensor<2x3x2xf32>) -> tensor<1x3x2xf32>
      return %0, %1, %2, %3, %4, %5, %6 : tensor<3x2xf32>, tensor<2x1x2xf32>, tensor<2x3xf32>,
          tensor<2x2xf32>, tensor<2x1x2xf32>, tensor<2x3xf32>, tensor<1x3x2xf32>
    })mlir";
  // x[a][b][c] = 6a + 2b + c + 1.
  std::vector<Tensor> results =
      runOk(source,
            {Tensor::f32({2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})});
  ASSERT_EQ(results.size(), 7u);
  expectTensor(results[0], {3, 2}, {8, 10, 12, 14, 16, 18});
  expectTensor(results[1], {2, 1, 2}, {9, 12, 27, 30});
  expectTensor(results[2], {2, 3}, {3, 7, 11, 15, 19, 23});
  expectTensor(results[3], {2, 2}, {5, 6, 11, 12});
  expectTensor(results[4], {2, 1, 2}, {5, 6, 11, 12});
  expectTensor(results[5], {2, 3}, {1.5, 3.5, 5.5, 7.5, 9.5, 11.5});
  expectTensor(results[6], {1, 3, 2}, {4, 5, 6, 7, 8, 9});
}

TEST_F(InterpreterTest, SoftmaxChainOfExpAndReductions) {
  const char *source = R"mlir(
    func @main(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
      %m = mt.reduce_max %x {axis = 1, keep_dims = true} : (tensor<?x3xf32>) -> tensor<?x1xf32>
      %d = mt.sub %x, %m : (tensor<?x3xf32>, tensor<?x1xf32>) -> tensor<?x3xf32>
      %e = mt.exp %d : (tensor<?x3xf32>) -> tensor<?x3xf32>
      %s = mt.reduce_sum %e {axis = 1, keep_dims = true} : (tensor<?x3xf32>) -> tensor<?x1xf32>
      %p = mt.div %e, %s : (tensor<?x3xf32>, tensor<?x1xf32>) -> tensor<?x3xf32>
      return %p : tensor<?x3xf32>
    })mlir";
  // Softmax is shift-invariant: both rows give softmax([1, 2, 3]).
  std::vector<Tensor> results =
      runOk(source, {Tensor::f32({2, 3}, {1, 2, 3, 101, 102, 103})});
  ASSERT_EQ(results.size(), 1u);
  std::vector<double> expected{0.09003057317038046, 0.24472847105479767,
                               0.6652409557748219};
  ASSERT_EQ(results[0].shape, (std::vector<int64_t>{2, 3}));
  for (int64_t i = 0; i < 6; ++i)
    EXPECT_NEAR(results[0].data[i], expected[i % 3], 2e-7) << "at " << i;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, BroadcastInDimPlacesOperandDimensions) {
  const char *source = R"mlir(
    func @main(%x: tensor<?x2xf32>, %v: tensor<3xf32>, %c: tensor<2x1xf32>)
        -> (tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<?x3x2xf32>) {
      %a = mt.broadcast_in_dim %v {broadcast_dimensions = [2]} : (tensor<3xf32>) -> tensor<?x2x3xf32>
      %b = mt.broadcast_in_dim %c {broadcast_dimensions = [0, 1]} : (tensor<2x1xf32>) -> tensor<2x3xf32>
      %d = mt.broadcast_in_dim %x {broadcast_dimensions = [0, 2]} : (tensor<?x2xf32>) -> tensor<?x3x2xf32>
      return %a, %b, %d : tensor<?x2x3xf32>, tensor<2x3xf32>, tensor<?x3x2xf32>
    })mlir";
  std::vector<Tensor> results =
      runOk(source, {Tensor::f32({2, 2}, {1, 2, 3, 4}),
                     Tensor::f32({3}, {7, 8, 9}), Tensor::f32({2, 1}, {1, 2})});
  ASSERT_EQ(results.size(), 3u);
  // The new `?` dimension takes the batch size of %x.
  expectTensor(results[0], {2, 2, 3}, {7, 8, 9, 7, 8, 9, 7, 8, 9, 7, 8, 9});
  expectTensor(results[1], {2, 3}, {1, 1, 1, 2, 2, 2});
  // result[b, i, j] = x[b, j].
  expectTensor(results[2], {2, 3, 2}, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
}

TEST_F(InterpreterTest, TransposeIndexOrder) {
  const char *source = R"mlir(
    func @main(%x: tensor<2x3x4xf32>, %i: tensor<2x3xi32>)
        -> (tensor<4x2x3xf32>, tensor<3x2xi32>) {
      %t = mt.transpose %x {permutation = [2, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
      %u = mt.transpose %i {permutation = [1, 0]} : (tensor<2x3xi32>) -> tensor<3x2xi32>
      return %t, %u : tensor<4x2x3xf32>, tensor<3x2xi32>
    })mlir";
  // x[a, b, c] = 100 a + 10 b + c, so result[i, j, k] = x[j, k, i] =
  // 100 j + 10 k + i.
  std::vector<double> x, expected;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 4; ++c)
        x.push_back(100 * a + 10 * b + c);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 3; ++k)
        expected.push_back(100 * j + 10 * k + i);
  std::vector<Tensor> results =
      runOk(source, {Tensor::f32({2, 3, 4}, x),
                     Tensor::i32({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_EQ(results.size(), 2u);
  expectTensor(results[0], {4, 2, 3}, expected);
  EXPECT_EQ(results[0].data[1 * 6 + 0 * 3 + 2], 21); // result[1, 0, 2]
  expectTensor(results[1], {3, 2}, {1, 4, 2, 5, 3, 6}, ElementKind::I32);
}

TEST_F(InterpreterTest, ReshapeKeepsRowMajorOrder) {
  const char *source = R"mlir(
    func @main(%x: tensor<?x2x3xf32>, %m: tensor<2x3xi1>) -> (tensor<?x6xf32>, tensor<3x2xi1>) {
      %r = mt.reshape %x : (tensor<?x2x3xf32>) -> tensor<?x6xf32>
      %s = mt.reshape %m : (tensor<2x3xi1>) -> tensor<3x2xi1>
      return %r, %s : tensor<?x6xf32>, tensor<3x2xi1>
    })mlir";
  std::vector<Tensor> results = runOk(
      source, {Tensor::f32({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
               Tensor::i1({2, 3}, {true, false, false, true, true, false})});
  ASSERT_EQ(results.size(), 2u);
  expectTensor(results[0], {2, 6}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  expectTensor(results[1], {3, 2}, {1, 0, 0, 1, 1, 0}, ElementKind::I1);
}

TEST_F(InterpreterTest, SlicePadConcat) {
  const char *source = R"mlir(
    func @main(%x: tensor<2x4xf32>, %p: tensor<2x2xf32>, %a: tensor<2x1xf32>,
               %i: tensor<2xi32>, %j: tensor<1xi32>)
        -> (tensor<2x2xf32>, tensor<1x4xf32>, tensor<5x2xf32>, tensor<2x3xf32>,
            tensor<2x3xf32>, tensor<3xi32>) {
      %s1 = mt.slice %x {axis = 1, start = 1, size = 2} : (tensor<2x4xf32>) -> tensor<2x2xf32>
      %s0 = mt.slice %x {axis = 0, start = 1, size = 1} : (tensor<2x4xf32>) -> tensor<1x4xf32>
      %p0 = mt.pad %p {axis = 0, low = 1, high = 2} : (tensor<2x2xf32>) -> tensor<5x2xf32>
      %p1 = mt.pad %p {axis = 1, low = 1, high = 0} : (tensor<2x2xf32>) -> tensor<2x3xf32>
      %c = mt.concat %a, %p {axis = 1} : (tensor<2x1xf32>, tensor<2x2xf32>) -> tensor<2x3xf32>
      %ci = mt.concat %i, %j {axis = 0} : (tensor<2xi32>, tensor<1xi32>) -> tensor<3xi32>
      return %s1, %s0, %p0, %p1, %c, %ci : tensor<2x2xf32>, tensor<1x4xf32>, tensor<5x2xf32>,
          tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xi32>
    })mlir";
  std::vector<Tensor> results = runOk(
      source, {Tensor::f32({2, 4}, {0, 1, 2, 3, 4, 5, 6, 7}),
               Tensor::f32({2, 2}, {1, 2, 3, 4}), Tensor::f32({2, 1}, {9, 8}),
               Tensor::i32({2}, {1, 2}), Tensor::i32({1}, {3})});
  ASSERT_EQ(results.size(), 6u);
  expectTensor(results[0], {2, 2}, {1, 2, 5, 6});
  expectTensor(results[1], {1, 4}, {4, 5, 6, 7});
  expectTensor(results[2], {5, 2}, {0, 0, 1, 2, 3, 4, 0, 0, 0, 0});
  expectTensor(results[3], {2, 3}, {0, 1, 2, 0, 3, 4});
  expectTensor(results[4], {2, 3}, {9, 1, 2, 8, 3, 4});
  expectTensor(results[5], {3}, {1, 2, 3}, ElementKind::I32);
}

TEST_F(InterpreterTest, GatherAndScatterAddArePaired) {
  const char *source = R"mlir(
    func @main(%table: tensor<4x2xf32>, %ids: tensor<?x3xi32>)
        -> (tensor<?x3x2xf32>, tensor<4x2xf32>) {
      %g = mt.gather %table, %ids : (tensor<4x2xf32>, tensor<?x3xi32>) -> tensor<?x3x2xf32>
      %s = mt.scatter_add %ids, %g {num_rows = 4} : (tensor<?x3xi32>, tensor<?x3x2xf32>) -> tensor<4x2xf32>
      return %g, %s : tensor<?x3x2xf32>, tensor<4x2xf32>
    })mlir";
  Tensor table = Tensor::f32({4, 2}, {0, 1, 10, 11, 20, 21, 30, 31});
  Tensor ids = Tensor::i32({2, 3}, {3, 0, 3, 1, 1, 2});
  std::vector<Tensor> results = runOk(source, {table, ids});
  ASSERT_EQ(results.size(), 2u);
  expectTensor(results[0], {2, 3, 2},
               {30, 31, 0, 1, 30, 31, 10, 11, 10, 11, 20, 21});
  // Each row of the table summed as often as it was gathered.
  expectTensor(results[1], {4, 2}, {0, 1, 20, 22, 20, 21, 60, 62});
}

TEST_F(InterpreterTest, OneHotGivesZeroRowOutOfRange) {
  const char *source = R"mlir(
    func @main(%ids: tensor<?xi32>) -> (tensor<?x3xf32>, tensor<?x3xi1>) {
      %f = mt.one_hot %ids {depth = 3} : (tensor<?xi32>) -> tensor<?x3xf32>
      %m = mt.one_hot %ids {depth = 3} : (tensor<?xi32>) -> tensor<?x3xi1>
      return %f, %m : tensor<?x3xf32>, tensor<?x3xi1>
    })mlir";
  std::vector<Tensor> results =
      runOk(source, {Tensor::i32({4}, {0, 2, 5, -1})});
  ASSERT_EQ(results.size(), 2u);
  std::vector<double> expected{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  expectTensor(results[0], {4, 3}, expected);
  expectTensor(results[1], {4, 3}, expected, ElementKind::I1);
}

TEST_F(InterpreterTest, ConstantsDenseAndSplat) {
  const char *source = R"mlir(
    func @main() -> (tensor<2x2xf32>, tensor<3xf32>, tensor<2xi32>, tensor<2xi1>, tensor<i32>) {
      %0 = mt.constant dense<[[1.5, 2.0], [3.0, -4.0]]> : tensor<2x2xf32>
      %1 = mt.constant dense<0.1> : tensor<3xf32>
      %2 = mt.constant dense<[1, -2]> : tensor<2xi32>
      %3 = mt.constant dense<[true, false]> : tensor<2xi1>
      %4 = mt.constant dense<7> : tensor<i32>
      return %0, %1, %2, %3, %4 : tensor<2x2xf32>, tensor<3xf32>, tensor<2xi32>, tensor<2xi1>, tensor<i32>
    })mlir";
  std::vector<Tensor> results = runOk(source, {});
  ASSERT_EQ(results.size(), 5u);
  expectTensor(results[0], {2, 2}, {1.5, 2, 3, -4});
  expectTensor(results[1], {3}, {f32(0.1), f32(0.1), f32(0.1)});
  expectTensor(results[2], {2}, {1, -2}, ElementKind::I32);
  expectTensor(results[3], {2}, {1, 0}, ElementKind::I1);
  expectTensor(results[4], {}, {7}, ElementKind::I32);
}

TEST_F(InterpreterTest, IotaCountsAlongOneDimension) {
  const char *source = R"mlir(
    func @main(%x: tensor<?xf32>) -> (tensor<2x3xf32>, tensor<?x2xi32>) {
      %0 = mt.iota {dimension = 1} : () -> tensor<2x3xf32>
      %1 = mt.iota {dimension = 0} : () -> tensor<?x2xi32>
      return %0, %1 : tensor<2x3xf32>, tensor<?x2xi32>
    })mlir";
  std::vector<Tensor> results = runOk(source, {Tensor::f32({3}, {0, 0, 0})});
  ASSERT_EQ(results.size(), 2u);
  expectTensor(results[0], {2, 3}, {0, 1, 2, 0, 1, 2});
  expectTensor(results[1], {3, 2}, {0, 0, 1, 1, 2, 2}, ElementKind::I32);
}

TEST_F(InterpreterTest, ResultsMayBeArgumentsAndRankedLate) {
  // Before mt-infer-shapes, types may be unranked: shapes come from the
  // concrete operands.
  const char *source = R"mlir(
    func @main(%a: tensor<*xf32>, %b: tensor<*xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
      %s = mt.add %a, %b : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
      return %s, %a : tensor<*xf32>, tensor<*xf32>
    })mlir";
  Tensor a = Tensor::f32({2, 3}, {1, 2, 3, 4, 5, 6});
  std::vector<Tensor> results =
      runOk(source, {a, Tensor::f32({3}, {10, 20, 30})});
  ASSERT_EQ(results.size(), 2u);
  expectTensor(results[0], {2, 3}, {11, 22, 33, 14, 25, 36});
  expectTensor(results[1], {2, 3}, a.data);
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

const char *kParamSource = R"mlir(
  mt.param @"layer.weight" : tensor<2x3xf32> {init = "zeros"}
  func @main(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
    %w = mt.param_ref @"layer.weight" : tensor<2x3xf32>
    %y = mt.matmul %x, %w {transpose_rhs = true} : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  })mlir";

TEST_F(InterpreterTest, ParamRefReadsTheParameterValue) {
  ParameterValues params{
      {"layer.weight", Tensor::f32({2, 3}, {1, 0, 0, 1, 1, 1})}};
  std::vector<Tensor> results =
      runOk(kParamSource, {Tensor::f32({1, 3}, {1, 2, 3})}, params);
  ASSERT_EQ(results.size(), 1u);
  expectTensor(results[0], {1, 2}, {1, 6});
}

TEST_F(InterpreterTest, ErrorMissingParameter) {
  std::string text = runError(kParamSource, {Tensor::f32({1, 3}, {1, 2, 3})});
  EXPECT_DIAGNOSTIC(text, "parameter 'layer.weight' has no value");
}

TEST_F(InterpreterTest, ErrorMisShapedParameter) {
  ParameterValues params{
      {"layer.weight", Tensor::f32({3, 2}, {1, 2, 3, 4, 5, 6})}};
  std::string text =
      runError(kParamSource, {Tensor::f32({1, 3}, {1, 2, 3})}, params);
  EXPECT_DIAGNOSTIC(text, "parameter 'layer.weight' has shape [3, 2], which "
                          "does not match its type 'tensor<2x3xf32>'");
}

//===----------------------------------------------------------------------===//
// Bad input
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, ErrorGatherIndexOutOfRange) {
  const char *source = R"mlir(
    func @main(%table: tensor<10x2xf32>, %ids: tensor<?xi32>) -> tensor<?x2xf32> {
      %g = mt.gather %table, %ids : (tensor<10x2xf32>, tensor<?xi32>) -> tensor<?x2xf32>
      return %g : tensor<?x2xf32>
    })mlir";
  Tensor table = Tensor::zeros({10, 2}, ElementKind::F32);
  std::string text = runError(source, {table, Tensor::i32({4}, {0, 1, 9, 12})});
  EXPECT_DIAGNOSTIC(text,
                    "gather index 12 at position 3 is out of range [0, 10)");
  text = runError(source, {table, Tensor::i32({2}, {-1, 0})});
  EXPECT_DIAGNOSTIC(text,
                    "gather index -1 at position 0 is out of range [0, 10)");
}

TEST_F(InterpreterTest, ErrorScatterAddIndexOutOfRange) {
  const char *source = R"mlir(
    func @main(%ids: tensor<?xi32>, %u: tensor<?x2xf32>) -> tensor<3x2xf32> {
      %s = mt.scatter_add %ids, %u {num_rows = 3} : (tensor<?xi32>, tensor<?x2xf32>) -> tensor<3x2xf32>
      return %s : tensor<3x2xf32>
    })mlir";
  std::string text =
      runError(source, {Tensor::i32({2}, {2, 3}),
                        Tensor::zeros({2, 2}, ElementKind::F32)});
  EXPECT_DIAGNOSTIC(text,
                    "scatter_add index 3 at position 1 is out of range [0, 3)");
}

TEST_F(InterpreterTest, ErrorArgumentsThatDoNotFitTheSignature) {
  const char *source = R"mlir(
    func @main(%x: tensor<?x4xf32>, %ids: tensor<?xi32>) -> tensor<?x4xf32> {
      return %x : tensor<?x4xf32>
    })mlir";
  Tensor x = Tensor::zeros({2, 4}, ElementKind::F32);
  Tensor ids = Tensor::i32({2}, {0, 1});
  EXPECT_DIAGNOSTIC(
      runError(source, {Tensor::zeros({2, 5}, ElementKind::F32), ids}),
      "argument #0 has shape [2, 5], which does not match its "
      "type 'tensor<?x4xf32>'");
  EXPECT_DIAGNOSTIC(runError(source, {x, Tensor::i32({3}, {0, 1, 2})}),
                    "argument #1 has extent 3 at dynamic dimension 0, but the "
                    "batch size is 2");
  EXPECT_DIAGNOSTIC(runError(source, {x, Tensor::f32({2}, {0, 1})}),
                    "argument #1 has element type f32, but its type is "
                    "'tensor<?xi32>'");
  EXPECT_DIAGNOSTIC(runError(source, {x}), "expected 2 arguments, got 1");
  EXPECT_DIAGNOSTIC(
      runError(source, {Tensor{{2, 4}, ElementKind::F32, {1, 2, 3}}, ids}),
      "argument #0 holds 3 values, but its shape [2, 4] has 8 elements");
  EXPECT_DIAGNOSTIC(
      runError(source, {x, Tensor{{2}, ElementKind::I32, {0, 2.5}}}),
      "argument #1 holds 2.5 at position 1, which is not an i32 value");
}

TEST_F(InterpreterTest, ErrorRuntimeShapesOfUnrankedOperands) {
  const char *source = R"mlir(
    func @main(%a: tensor<*xf32>, %b: tensor<*xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
      %s = mt.add %a, %b : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
      %m = mt.matmul %a, %b : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
      return %s, %m : tensor<*xf32>, tensor<*xf32>
    })mlir";
  Tensor a = Tensor::zeros({2, 3}, ElementKind::F32);
  EXPECT_DIAGNOSTIC(runError(source, {a, Tensor::zeros({4}, ElementKind::F32)}),
                    "operands do not broadcast: dimension 1 of the broadcast "
                    "shape: 3 vs 4 (shapes [2, 3] and [4])");
  EXPECT_DIAGNOSTIC(
      runError(source, {a, Tensor::zeros({2, 3}, ElementKind::F32)}),
      "contraction dimension differs: lhs has 3, rhs has 2");
}

TEST_F(InterpreterTest, ErrorCastOverflowsI32) {
  const char *source = R"mlir(
    func @main(%x: tensor<2xf32>) -> tensor<2xi32> {
      %i = mt.cast %x : (tensor<2xf32>) -> tensor<2xi32>
      return %i : tensor<2xi32>
    })mlir";
  EXPECT_DIAGNOSTIC(runError(source, {Tensor::f32({2}, {1, 3e9})}),
                    "value 3e+09 at position 1 does not fit i32");
}

TEST_F(InterpreterTest, ErrorBatchSizeUnknown) {
  const char *source = R"mlir(
    func @main() -> tensor<?x2xf32> {
      %0 = mt.iota {dimension = 1} : () -> tensor<?x2xf32>
      return %0 : tensor<?x2xf32>
    })mlir";
  EXPECT_DIAGNOSTIC(
      runError(source, {}),
      "result type 'tensor<?x2xf32>' has a dynamic dimension, but "
      "the batch size is unknown: no argument or operand has one");
}

TEST_F(InterpreterTest, ErrorModelOpIsNotAPrimitive) {
  const char *source = R"mlir(
    func @main(%x: tensor<?x3xf32>) -> tensor<?x4xf32> {
      %h = mt.dense %x {out_features = 4, path = "proj"} : (tensor<?x3xf32>) -> tensor<?x4xf32>
      return %h : tensor<?x4xf32>
    })mlir";
  EXPECT_DIAGNOSTIC(runError(source, {Tensor::zeros({1, 3}, ElementKind::F32)}),
                    "op 'mt.dense' is not a primitive; run mt-decompose first");
}

TEST_F(InterpreterTest, ErrorDropoutNeedsAnEntryPoint) {
  const char *source = R"mlir(
    func @main(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
      %d = mt.dropout %x {rate = 1.0e-01} : (tensor<?x3xf32>) -> tensor<?x3xf32>
      return %d : tensor<?x3xf32>
    })mlir";
  EXPECT_DIAGNOSTIC(
      runError(source, {Tensor::zeros({1, 3}, ElementKind::F32)}),
      "op 'mt.dropout' is not a primitive; run mt-prune-to-inference first");
}

TEST_F(InterpreterTest, ErrorForeignOpIsUnsupported) {
  const char *source = R"mlir(
    func @callee(%x: tensor<2xf32>) -> tensor<2xf32> {
      return %x : tensor<2xf32>
    }
    func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
      %y = call @callee(%x) : (tensor<2xf32>) -> tensor<2xf32>
      return %y : tensor<2xf32>
    })mlir";
  EXPECT_DIAGNOSTIC(runError(source, {Tensor::zeros({2}, ElementKind::F32)}),
                    "op 'std.call' is not supported by the reference "
                    "interpreter");
}

//===----------------------------------------------------------------------===//
// evaluateOp on its own
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, EvaluateOpChecksOperandsAgainstTheBatch) {
  mlir::FuncOp func = parse(R"mlir(
    func @main(%x: tensor<?x2xf32>, %y: tensor<?x2xf32>) -> tensor<?x2xf32> {
      %s = mt.add %x, %y : (tensor<?x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
      return %s : tensor<?x2xf32>
    })mlir");
  ASSERT_TRUE(func);
  mlir::Operation *add = findOp("mt.add");
  Tensor x = Tensor::f32({1, 2}, {1, 2}), y = Tensor::f32({1, 2}, {0.5, 0.25});
  auto results = mt::interp::evaluateOp(add, {x, y}, {});
  ASSERT_TRUE(mlir::succeeded(results)) << diagnostics;
  expectTensor(results->front(), {1, 2}, {1.5, 2.25});

  EXPECT_TRUE(mlir::failed(mt::interp::evaluateOp(add, {x, y}, {}, 3)));
  EXPECT_DIAGNOSTIC(diagnostics, "operand #0 has extent 1 at dynamic dimension "
                                 "0, but the batch size is 3");
  EXPECT_TRUE(mlir::failed(mt::interp::evaluateOp(add, {x}, {})));
  EXPECT_DIAGNOSTIC(diagnostics, "expected 2 operands, got 1");
}

//===----------------------------------------------------------------------===//
// mt.dropout_mask
//===----------------------------------------------------------------------===//

/// A dropout mask over `[?, 64, 64]` (16384 elements at batch 4).
std::string dropoutSource(double rate, int64_t stream) {
  return "func @main(%x: tensor<?x64x64xf32>, %seed: tensor<i64>) -> "
         "tensor<?x64x64xf32> {\n"
         "  %m = mt.dropout_mask %x, %seed {rate = " +
         std::to_string(rate) + ", stream = " + std::to_string(stream) +
         "} : (tensor<?x64x64xf32>, tensor<i64>) -> tensor<?x64x64xf32>\n"
         "  return %m : tensor<?x64x64xf32>\n}\n";
}

Tensor seedTensor(int64_t seed) {
  return Tensor{{}, ElementKind::I64, {static_cast<double>(seed)}};
}

TEST_F(InterpreterTest, DropoutMaskIsTheSharedHash) {
  const double rate = 0.25;
  const float scale = mt::dropoutScale(rate);
  EXPECT_EQ(scale, 1.0f / 0.75f);
  for (int64_t seed : {int64_t(0), int64_t(42), int64_t(-7)}) {
    for (int64_t stream : {0, 3}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", stream " +
                   std::to_string(stream));
      std::vector<Tensor> results = runOk(
          dropoutSource(rate, stream),
          {Tensor::zeros({2, 64, 64}, ElementKind::F32), seedTensor(seed)});
      ASSERT_EQ(results.size(), 1u);
      const Tensor &mask = results[0];
      EXPECT_EQ(mask.shape, (std::vector<int64_t>{2, 64, 64}));
      for (size_t i = 0; i < mask.data.size(); ++i) {
        ASSERT_EQ(mask.data[i], mt::dropoutMaskValue(seed, stream, rate, i))
            << "at " << i;
        ASSERT_TRUE(mask.data[i] == 0.0 || mask.data[i] == scale) << "at " << i;
      }
    }
  }
}

// The keep count of n independent elements is Binomial(n, 1 - rate); five
// standard deviations make a false failure about a 1-in-a-million event.
TEST_F(InterpreterTest, DropoutMaskKeepsOneMinusRate) {
  const int64_t batch = 4, n = batch * 64 * 64;
  for (double rate : {0.1, 0.5, 0.9}) {
    for (int64_t seed : {1, 2}) {
      for (int64_t stream : {0, 1, 7}) {
        std::vector<Tensor> results =
            runOk(dropoutSource(rate, stream),
                  {Tensor::zeros({batch, 64, 64}, ElementKind::F32),
                   seedTensor(seed)});
        ASSERT_EQ(results.size(), 1u);
        int64_t kept = 0;
        for (double value : results[0].data)
          kept += value != 0.0;
        double mean = n * (1.0 - rate);
        double sd = std::sqrt(n * rate * (1.0 - rate));
        EXPECT_LT(std::abs(kept - mean), 5.0 * sd)
            << "rate " << rate << ", seed " << seed << ", stream " << stream
            << ": kept " << kept << " of " << n;
      }
    }
  }
}

TEST_F(InterpreterTest, DropoutMaskDependsOnSeedAndStream) {
  auto mask = [&](int64_t seed, int64_t stream) {
    std::vector<Tensor> results =
        runOk(dropoutSource(0.5, stream),
              {Tensor::zeros({1, 64, 64}, ElementKind::F32), seedTensor(seed)});
    return results.empty() ? std::vector<double>{} : results[0].data;
  };
  std::vector<double> base = mask(5, 0);
  ASSERT_EQ(base.size(), 4096u);
  EXPECT_EQ(mask(5, 0), base);
  // Two unrelated masks at rate 0.5 agree on about half of the elements.
  for (const std::vector<double> &other : {mask(6, 0), mask(5, 1)}) {
    ASSERT_EQ(other.size(), base.size());
    int64_t same = 0;
    for (size_t i = 0; i < base.size(); ++i)
      same += other[i] == base[i];
    EXPECT_GT(same, 1800);
    EXPECT_LT(same, 2300);
  }
}

TEST_F(InterpreterTest, DropoutMaskWithRateZeroKeepsEverything) {
  std::vector<Tensor> results =
      runOk(dropoutSource(0.0, 2),
            {Tensor::zeros({3, 64, 64}, ElementKind::F32), seedTensor(9)});
  ASSERT_EQ(results.size(), 1u);
  for (double value : results[0].data)
    ASSERT_EQ(value, 1.0);
}

TEST_F(InterpreterTest, DropoutMaskSeedMustBeExact) {
  // Beyond 2^53 doubles skip integers, so the interpreter could not tell
  // neighbouring seeds apart: it refuses them.
  std::string text = runError(dropoutSource(0.1, 0),
                              {Tensor::zeros({1, 64, 64}, ElementKind::F32),
                               Tensor{{}, ElementKind::I64, {0x1p60}}});
  EXPECT_DIAGNOSTIC(text, "argument #1 holds 1.15292e+18 at position 0, which "
                          "is not an i64 value");
}

} // namespace
