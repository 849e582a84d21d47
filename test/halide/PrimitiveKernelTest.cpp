// Every primitive op's Halide kernel (compiler/Conversion/MTToHalide) against
// two oracles, plain C++ loops written here and the reference interpreter
// (compiler/Interpreter), unscheduled and with its CPU schedule
// (compiler/Schedules), each op as a one-op mt.kernel, JIT-compiled once per
// case and run at batch 1, 3 and 17 with fresh random inputs; static sizes are
// chosen off the vector width (7, 13, 33, ...). Floats must agree to a relative
// error below 1e-5 (for sums, relative to the sum of the magnitudes of the
// terms); integers and masks exactly. Also: gather's out-of-range run-time
// error, the diagnostics for ops that have no kernel, and mt.dropout_mask
// against the reference interpreter, bit for bit (both follow
// mt/Dialect/DropoutHash.h).

#include "Codegen/KernelCodegenSettings.h"
#include "Conversion/MTToHalide/LowerKernel.h"
#include "Conversion/MTToHalide/LowerPrimitive.h"
#include "Interpreter/Interpreter.h"
#include "Schedules/Schedule.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

namespace {

using Shape = std::vector<int64_t>;

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Shape unravel(int64_t linear, const Shape &shape) {
  Shape index(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    index[i] = linear % shape[i];
    linear /= shape[i];
  }
  return index;
}

int64_t ravel(const Shape &index, const Shape &shape) {
  int64_t linear = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    linear = linear * shape[i] + index[i];
  return linear;
}

/// A reference tensor: values in double, plus per element the magnitude its
/// error is measured against when larger than the value (the sum of |terms|
/// of a sum; 0 elsewhere).
struct Tensor {
  Shape shape;
  std::vector<double> data;
  std::vector<double> magnitude;

  explicit Tensor(Shape s) : shape(std::move(s)) {
    data.assign(numElements(shape), 0.0);
    magnitude.assign(data.size(), 0.0);
  }
  double at(const Shape &index) const { return data[ravel(index, shape)]; }
};

using Inputs = std::vector<Tensor>;
using Reference = std::function<Tensor(const Inputs &, const Shape &)>;

//===----------------------------------------------------------------------===//
// Reference implementations: the obvious loops.
//===----------------------------------------------------------------------===//

/// NumPy broadcasting: operand dims align right, a size-1 dim reads 0.
Shape broadcastIndex(const Shape &outIndex, const Shape &operandShape) {
  Shape index(operandShape.size());
  size_t offset = outIndex.size() - operandShape.size();
  for (size_t k = 0; k < operandShape.size(); ++k)
    index[k] = operandShape[k] == 1 ? 0 : outIndex[k + offset];
  return index;
}

Reference elementwise(std::function<double(const std::vector<double> &)> fn) {
  return [fn](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    for (int64_t i = 0; i < numElements(outShape); ++i) {
      Shape index = unravel(i, outShape);
      std::vector<double> args;
      for (const Tensor &t : in)
        args.push_back(t.at(broadcastIndex(index, t.shape)));
      out.data[i] = fn(args);
    }
    return out;
  };
}

Reference unary(double (*fn)(double)) {
  return elementwise([fn](const std::vector<double> &a) { return fn(a[0]); });
}

Reference matmul(bool transposeRhs) {
  return [=](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    const Tensor &a = in[0], &b = in[1];
    int64_t k = a.shape.back();
    for (int64_t i = 0; i < numElements(outShape); ++i) {
      Shape index = unravel(i, outShape);
      int64_t n = index.back();
      for (int64_t kk = 0; kk < k; ++kk) {
        Shape ai = index;
        ai.back() = kk;
        double term = a.at(ai) * (transposeRhs ? b.at({n, kk}) : b.at({kk, n}));
        out.data[i] += term;
        out.magnitude[i] += std::fabs(term);
      }
    }
    return out;
  };
}

Reference batchMatmul(bool transposeLhs, bool transposeRhs) {
  return [=](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    const Tensor &a = in[0], &b = in[1];
    size_t r = outShape.size();
    int64_t k = transposeLhs ? a.shape[r - 2] : a.shape[r - 1];
    for (int64_t i = 0; i < numElements(outShape); ++i) {
      Shape index = unravel(i, outShape);
      int64_t m = index[r - 2], n = index[r - 1];
      for (int64_t kk = 0; kk < k; ++kk) {
        Shape ai = index, bi = index;
        ai[r - 2] = transposeLhs ? kk : m;
        ai[r - 1] = transposeLhs ? m : kk;
        bi[r - 2] = transposeRhs ? n : kk;
        bi[r - 1] = transposeRhs ? kk : n;
        double term = a.at(ai) * b.at(bi);
        out.data[i] += term;
        out.magnitude[i] += std::fabs(term);
      }
    }
    return out;
  };
}

/// out[m, n] = sum over the leading index of a[..., m] * b[..., n].
Reference contractLeading() {
  return [](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    const Tensor &a = in[0], &b = in[1];
    int64_t m = a.shape.back(), n = b.shape.back();
    int64_t leading = numElements(a.shape) / m;
    for (int64_t l = 0; l < leading; ++l)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double term = a.data[l * m + i] * b.data[l * n + j];
          out.data[i * n + j] += term;
          out.magnitude[i * n + j] += std::fabs(term);
        }
    return out;
  };
}

enum class Reduce { Sum, Max, Mean };

Reference reduce(Reduce kind, size_t axis, bool keepDims) {
  return [=](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    const Tensor &x = in[0];
    for (int64_t i = 0; i < numElements(outShape); ++i) {
      Shape index = unravel(i, outShape);
      if (!keepDims)
        index.insert(index.begin() + axis, 0);
      double acc = kind == Reduce::Max ? -INFINITY : 0.0, mag = 0.0;
      for (int64_t j = 0; j < x.shape[axis]; ++j) {
        index[axis] = j;
        double v = x.at(index);
        acc = kind == Reduce::Max ? std::max(acc, v) : acc + v;
        mag += std::fabs(v);
      }
      if (kind == Reduce::Mean) {
        acc /= x.shape[axis];
        mag /= x.shape[axis];
      }
      out.data[i] = acc;
      out.magnitude[i] = kind == Reduce::Max ? 0.0 : mag;
    }
    return out;
  };
}

/// Result element = operand element at `source(resultIndex, operandShape)`.
Reference gatherBy(std::function<Shape(const Shape &, const Shape &)> source) {
  return [=](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    for (int64_t i = 0; i < numElements(outShape); ++i)
      out.data[i] = in[0].at(source(unravel(i, outShape), in[0].shape));
    return out;
  };
}

Reference broadcastInDim(Shape dims) {
  return gatherBy([=](const Shape &index, const Shape &inShape) {
    Shape source;
    for (size_t i = 0; i < dims.size(); ++i)
      source.push_back(inShape[i] == 1 ? 0 : index[dims[i]]);
    return source;
  });
}

Reference transpose(Shape perm) {
  return gatherBy([=](const Shape &index, const Shape &) {
    Shape source(perm.size());
    for (size_t i = 0; i < perm.size(); ++i)
      source[perm[i]] = index[i];
    return source;
  });
}

Reference reshape() {
  return [](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    out.data = in[0].data;
    return out;
  };
}

Reference slice(size_t axis, int64_t start) {
  return gatherBy([=](Shape index, const Shape &) {
    index[axis] += start;
    return index;
  });
}

Reference pad(size_t axis, int64_t low) {
  return [=](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    for (int64_t i = 0; i < numElements(outShape); ++i) {
      Shape index = unravel(i, outShape);
      index[axis] -= low;
      if (index[axis] >= 0 && index[axis] < in[0].shape[axis])
        out.data[i] = in[0].at(index);
    }
    return out;
  };
}

Reference concat(size_t axis) {
  return [=](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    for (int64_t i = 0; i < numElements(outShape); ++i) {
      Shape index = unravel(i, outShape);
      for (const Tensor &t : in) {
        if (index[axis] < t.shape[axis]) {
          out.data[i] = t.at(index);
          break;
        }
        index[axis] -= t.shape[axis];
      }
    }
    return out;
  };
}

Reference gather() {
  return [](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    const Tensor &table = in[0], &ids = in[1];
    size_t q = ids.shape.size();
    for (int64_t i = 0; i < numElements(outShape); ++i) {
      Shape index = unravel(i, outShape);
      Shape idIndex(index.begin(), index.begin() + q);
      Shape tableIndex{static_cast<int64_t>(ids.at(idIndex))};
      tableIndex.insert(tableIndex.end(), index.begin() + q, index.end());
      out.data[i] = table.at(tableIndex);
    }
    return out;
  };
}

Reference scatterAdd() {
  return [](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    const Tensor &ids = in[0], &updates = in[1];
    size_t q = ids.shape.size();
    for (int64_t i = 0; i < numElements(updates.shape); ++i) {
      Shape index = unravel(i, updates.shape);
      Shape outIndex{static_cast<int64_t>(
          ids.at(Shape(index.begin(), index.begin() + q)))};
      outIndex.insert(outIndex.end(), index.begin() + q, index.end());
      int64_t o = ravel(outIndex, outShape);
      out.data[o] += updates.data[i];
      out.magnitude[o] += std::fabs(updates.data[i]);
    }
    return out;
  };
}

Reference oneHot() {
  return [](const Inputs &in, const Shape &outShape) {
    Tensor out(outShape);
    for (int64_t i = 0; i < numElements(outShape); ++i) {
      Shape index = unravel(i, outShape);
      int64_t k = index.back();
      index.pop_back();
      out.data[i] = in[0].at(index) == k ? 1.0 : 0.0;
    }
    return out;
  };
}

Reference literal(std::vector<double> values) {
  return [=](const Inputs &, const Shape &outShape) {
    Tensor out(outShape);
    for (size_t i = 0; i < out.data.size(); ++i)
      out.data[i] = values.size() == 1 ? values[0] : values[i];
    return out;
  };
}

Reference iota(size_t dimension) {
  return [=](const Inputs &, const Shape &outShape) {
    Tensor out(outShape);
    for (int64_t i = 0; i < numElements(outShape); ++i)
      out.data[i] = unravel(i, outShape)[dimension];
    return out;
  };
}

double gelu(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
double relu(double x) { return std::max(x, 0.0); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double rsqrt(double x) { return 1.0 / std::sqrt(x); }
double neg(double x) { return -x; }
double truncToInt(double x) { return std::trunc(x); }
double nonZero(double x) { return x != 0.0 ? 1.0 : 0.0; }
double identity(double x) { return x; }

//===----------------------------------------------------------------------===//
// Cases
//===----------------------------------------------------------------------===//

/// How an operand's values are drawn: uniform reals in [lo, hi], reals
/// rounded to halves (so comparisons meet ties), or integers in [lo, hi].
/// i1 operands are always 0/1.
struct Draw {
  enum Kind { Real, Halves, Int } kind = Real;
  double lo = -2.0, hi = 2.0;
};
const Draw kDefault{};
Draw real(double lo, double hi) { return {Draw::Real, lo, hi}; }
Draw halves() { return {Draw::Halves, -2.0, 2.0}; }
Draw ints(double lo, double hi) { return {Draw::Int, lo, hi}; }

struct Case {
  std::string name;
  /// The op, operands named %a0, %a1, ...; its type signature is appended
  /// unless the text has one (mt.constant).
  std::string op;
  std::vector<std::string> operandTypes; // "?x7x13xf32"
  std::string resultType;
  std::vector<Draw> draws; // per operand; missing ones use kDefault
  Reference reference;
};

std::ostream &operator<<(std::ostream &os, const Case &c) {
  return os << c.name;
}

std::vector<Case> allCases() {
  auto cmp = [](double (*f)(double, double)) {
    return elementwise(
        [f](const std::vector<double> &a) { return f(a[0], a[1]); });
  };
  std::vector<Case> cases = {
      // Binary elementwise with broadcasting.
      {"add",
       "mt.add %a0, %a1",
       {"?x7x33xf32", "33xf32"},
       "?x7x33xf32",
       {},
       cmp([](double a, double b) { return a + b; })},
      {"sub",
       "mt.sub %a0, %a1",
       {"?x13xf32", "?x13xf32"},
       "?x13xf32",
       {},
       cmp([](double a, double b) { return a - b; })},
      {"mul",
       "mt.mul %a0, %a1",
       {"?x7x33xf32", "7x1xf32"},
       "?x7x33xf32",
       {},
       cmp([](double a, double b) { return a * b; })},
      {"div",
       "mt.div %a0, %a1",
       {"?x13xf32", "f32"},
       "?x13xf32",
       {kDefault, real(0.5, 2.0)},
       cmp([](double a, double b) { return a / b; })},
      {"max",
       "mt.max %a0, %a1",
       {"1x13xf32", "?x13xf32"},
       "?x13xf32",
       {},
       cmp([](double a, double b) { return std::max(a, b); })},
      {"min",
       "mt.min %a0, %a1",
       {"?x33xf32", "?x1xf32"},
       "?x33xf32",
       {},
       cmp([](double a, double b) { return std::min(a, b); })},
      {"pow",
       "mt.pow %a0, %a1",
       {"?x13xf32", "13xf32"},
       "?x13xf32",
       {real(0.1, 3.0)},
       cmp([](double a, double b) { return std::pow(a, b); })},
      // Unary elementwise.
      {"exp",
       "mt.exp %a0",
       {"?x7x13xf32"},
       "?x7x13xf32",
       {real(-5, 5)},
       unary(std::exp)},
      {"log",
       "mt.log %a0",
       {"?x33xf32"},
       "?x33xf32",
       {real(0.01, 10)},
       unary(std::log)},
      {"tanh",
       "mt.tanh %a0",
       {"?x33xf32"},
       "?x33xf32",
       {real(-4, 4)},
       unary(std::tanh)},
      {"erf",
       "mt.erf %a0",
       {"?x7x13xf32"},
       "?x7x13xf32",
       {real(-5, 5)},
       unary(std::erf)},
      {"sqrt",
       "mt.sqrt %a0",
       {"?x33xf32"},
       "?x33xf32",
       {real(0, 10)},
       unary(std::sqrt)},
      {"rsqrt",
       "mt.rsqrt %a0",
       {"?x33xf32"},
       "?x33xf32",
       {real(0.01, 10)},
       unary(rsqrt)},
      {"neg", "mt.neg %a0", {"?x13xf32"}, "?x13xf32", {}, unary(neg)},
      {"abs", "mt.abs %a0", {"?x13xf32"}, "?x13xf32", {}, unary(std::fabs)},
      {"sin",
       "mt.sin %a0",
       {"?x33xf32"},
       "?x33xf32",
       {real(-6, 6)},
       unary(std::sin)},
      {"cos",
       "mt.cos %a0",
       {"?x33xf32"},
       "?x33xf32",
       {real(-6, 6)},
       unary(std::cos)},
      {"relu", "mt.relu %a0", {"?x7x13xf32"}, "?x7x13xf32", {}, unary(relu)},
      {"gelu",
       "mt.gelu %a0",
       {"?x7x33xf32"},
       "?x7x33xf32",
       {real(-8, 8)},
       unary(gelu)},
      {"sigmoid",
       "mt.sigmoid %a0",
       {"?x33xf32"},
       "?x33xf32",
       {real(-10, 10)},
       unary(sigmoid)},
      // Comparison, selection, casts.
      {"compare_eq",
       "mt.compare %a0, %a1 {predicate = \"eq\"}",
       {"?x13xf32", "13xf32"},
       "?x13xi1",
       {halves(), halves()},
       cmp([](double a, double b) -> double { return a == b; })},
      {"compare_ne",
       "mt.compare %a0, %a1 {predicate = \"ne\"}",
       {"?x13xf32", "f32"},
       "?x13xi1",
       {halves(), halves()},
       cmp([](double a, double b) -> double { return a != b; })},
      {"compare_lt",
       "mt.compare %a0, %a1 {predicate = \"lt\"}",
       {"?x13xf32", "?x13xf32"},
       "?x13xi1",
       {halves(), halves()},
       cmp([](double a, double b) -> double { return a < b; })},
      {"compare_le",
       "mt.compare %a0, %a1 {predicate = \"le\"}",
       {"?x33xi32", "?x33xi32"},
       "?x33xi1",
       {ints(-3, 3), ints(-3, 3)},
       cmp([](double a, double b) -> double { return a <= b; })},
      {"compare_gt",
       "mt.compare %a0, %a1 {predicate = \"gt\"}",
       {"?x7x13xf32", "7x1xf32"},
       "?x7x13xi1",
       {halves(), halves()},
       cmp([](double a, double b) -> double { return a > b; })},
      {"compare_ge",
       "mt.compare %a0, %a1 {predicate = \"ge\"}",
       {"?x13xi32", "13xi32"},
       "?x13xi1",
       {ints(-3, 3), ints(-3, 3)},
       cmp([](double a, double b) -> double { return a >= b; })},
      {"select_f32",
       "mt.select %a0, %a1, %a2",
       {"?x13xi1", "?x13xf32", "f32"},
       "?x13xf32",
       {},
       elementwise([](const std::vector<double> &a) {
         return a[0] != 0 ? a[1] : a[2];
       })},
      {"select_i32",
       "mt.select %a0, %a1, %a2",
       {"?x1xi1", "?x33xi32", "33xi32"},
       "?x33xi32",
       {kDefault, ints(-100, 100), ints(-100, 100)},
       elementwise([](const std::vector<double> &a) {
         return a[0] != 0 ? a[1] : a[2];
       })},
      {"cast_f32_i32",
       "mt.cast %a0",
       {"?x13xf32"},
       "?x13xi32",
       {real(-9, 9)},
       unary(truncToInt)},
      {"cast_f32_i1",
       "mt.cast %a0",
       {"?x13xf32"},
       "?x13xi1",
       {halves()},
       unary(nonZero)},
      {"cast_i32_f32",
       "mt.cast %a0",
       {"?x33xi32"},
       "?x33xf32",
       {ints(-1000, 1000)},
       unary(identity)},
      {"cast_i1_f32",
       "mt.cast %a0",
       {"?x7xi1"},
       "?x7xf32",
       {},
       unary(identity)},
      {"cast_i32_i1",
       "mt.cast %a0",
       {"?x7xi32"},
       "?x7xi1",
       {ints(-2, 2)},
       unary(nonZero)},
      // Reductions.
      {"reduce_sum_inner",
       "mt.reduce_sum %a0 {axis = 2}",
       {"?x7x33xf32"},
       "?x7xf32",
       {},
       reduce(Reduce::Sum, 2, false)},
      {"reduce_sum_keep",
       "mt.reduce_sum %a0 {axis = 2, keep_dims = true}",
       {"?x13x7xf32"},
       "?x13x1xf32",
       {},
       reduce(Reduce::Sum, 2, true)},
      {"reduce_max_middle_keep",
       "mt.reduce_max %a0 {axis = 1, keep_dims = true}",
       {"?x13x7xf32"},
       "?x1x7xf32",
       {},
       reduce(Reduce::Max, 1, true)},
      {"reduce_max_inner",
       "mt.reduce_max %a0 {axis = 1}",
       {"?x33xf32"},
       "?xf32",
       {},
       reduce(Reduce::Max, 1, false)},
      {"reduce_mean_batch",
       "mt.reduce_mean %a0 {axis = 0}",
       {"?x7x13xf32"},
       "7x13xf32",
       {},
       reduce(Reduce::Mean, 0, false)},
      {"reduce_mean_middle",
       "mt.reduce_mean %a0 {axis = 1}",
       {"?x33x7xf32"},
       "?x7xf32",
       {},
       reduce(Reduce::Mean, 1, false)},
      // Linear algebra.
      {"matmul",
       "mt.matmul %a0, %a1",
       {"?x7x33xf32", "33x13xf32"},
       "?x7x13xf32",
       {},
       matmul(false)},
      {"matmul_transpose_rhs",
       "mt.matmul %a0, %a1 {transpose_rhs = true}",
       {"?x33xf32", "13x33xf32"},
       "?x13xf32",
       {},
       matmul(true)},
      {"matmul_tiles",
       "mt.matmul %a0, %a1",
       {"?x37x64xf32", "64x41xf32"},
       "?x37x41xf32",
       {},
       matmul(false)},
      // Examples grouped to share the rhs panel of all of K (512 by up to
      // 48 columns, over 64 KiB), walked in K blocks of 128; batch 17 ends
      // in a short group.
      {"matmul_grouped_k_blocks",
       "mt.matmul %a0, %a1",
       {"?x24x512xf32", "512x56xf32"},
       "?x24x56xf32",
       {},
       matmul(false)},
      // A [out, in] weight of 136 x 1000 elements: staged into [K, N] by all
      // threads (kMinParallelStagedElements), rows of 8 tiles each shifted
      // inwards at both ragged edges.
      {"matmul_transpose_rhs_parallel_staging",
       "mt.matmul %a0, %a1 {transpose_rhs = true}",
       {"?x8x1000xf32", "136x1000xf32"},
       "?x8x136xf32",
       {},
       matmul(true)},
      {"batch_matmul",
       "mt.batch_matmul %a0, %a1",
       {"?x3x7x13xf32", "?x3x13x33xf32"},
       "?x3x7x33xf32",
       {},
       batchMatmul(false, false)},
      {"batch_matmul_transpose_lhs",
       "mt.batch_matmul %a0, %a1 {transpose_lhs = true}",
       {"?x13x7xf32", "?x13x33xf32"},
       "?x7x33xf32",
       {},
       batchMatmul(true, false)},
      {"batch_matmul_transpose_rhs",
       "mt.batch_matmul %a0, %a1 {transpose_rhs = true}",
       {"?x7x13xf32", "?x33x13xf32"},
       "?x7x33xf32",
       {},
       batchMatmul(false, true)},
      {"contract_leading",
       "mt.contract_leading %a0, %a1",
       {"?x5x13xf32", "?x5x33xf32"},
       "13x33xf32",
       {},
       contractLeading()},
      // A weight gradient's size: register tiles, K blocks of one example,
      // parallel row blocks.
      {"contract_leading_tiles",
       "mt.contract_leading %a0, %a1",
       {"?x24x96xf32", "?x24x200xf32"},
       "96x200xf32",
       {},
       contractLeading()},
      // Blocks of one example's 72 rows, the lhs copied in transposed tiles.
      {"contract_leading_transposed_tiles",
       "mt.contract_leading %a0, %a1",
       {"?x72x40xf32", "?x72x48xf32"},
       "40x48xf32",
       {},
       contractLeading()},
      // Examples of 200 rows run in K blocks of 100.
      {"contract_leading_k_blocks",
       "mt.contract_leading %a0, %a1",
       {"?x200x16xf32", "?x200x24xf32"},
       "16x24xf32",
       {},
       contractLeading()},
      // The rows are the batch: K blocks with a ragged last one.
      {"contract_leading_batch_rows",
       "mt.contract_leading %a0, %a1",
       {"?x12xf32", "?x20xf32"},
       "12x20xf32",
       {},
       contractLeading()},
      {"contract_leading_2d",
       "mt.contract_leading %a0, %a1",
       {"11x7xf32", "11x5xf32"},
       "7x5xf32",
       {},
       contractLeading()},
      // Data movement.
      {"broadcast_in_dim",
       "mt.broadcast_in_dim %a0 {broadcast_dimensions = [1, 2]}",
       {"7x13xf32"},
       "?x7x13xf32",
       {},
       broadcastInDim({1, 2})},
      {"broadcast_in_dim_stretch",
       "mt.broadcast_in_dim %a0 {broadcast_dimensions = [0, 2]}",
       {"?x1xi32"},
       "?x7x13xi32",
       {ints(-9, 9)},
       broadcastInDim({0, 2})},
      {"transpose",
       "mt.transpose %a0 {permutation = [0, 2, 1]}",
       {"?x7x33xf32"},
       "?x33x7xf32",
       {},
       transpose({0, 2, 1})},
      {"transpose_heads",
       "mt.transpose %a0 {permutation = [0, 2, 1, 3]}",
       {"?x7x3x13xf32"},
       "?x3x7x13xf32",
       {},
       transpose({0, 2, 1, 3})},
      {"reshape_merge",
       "mt.reshape %a0",
       {"?x7x13xf32"},
       "?x91xf32",
       {},
       reshape()},
      {"reshape_regroup",
       "mt.reshape %a0",
       {"?x4x33xf32"},
       "?x12x11xf32",
       {},
       reshape()},
      {"reshape_split_i1",
       "mt.reshape %a0",
       {"?x6x4x5xi1"},
       "?x4x6x5xi1",
       {},
       reshape()},
      {"slice",
       "mt.slice %a0 {axis = 1, start = 4, size = 13}",
       {"?x33xf32"},
       "?x13xf32",
       {},
       slice(1, 4)},
      {"slice_static",
       "mt.slice %a0 {axis = 0, start = 2, size = 3}",
       {"7x13xi32"},
       "3x13xi32",
       {ints(-50, 50)},
       slice(0, 2)},
      {"pad",
       "mt.pad %a0 {axis = 1, low = 3, high = 17}",
       {"?x13xf32"},
       "?x33xf32",
       {},
       pad(1, 3)},
      {"pad_middle",
       "mt.pad %a0 {axis = 1, low = 2, high = 0}",
       {"?x7x13xf32"},
       "?x9x13xf32",
       {},
       pad(1, 2)},
      {"concat",
       "mt.concat %a0, %a1, %a2 {axis = 1}",
       {"?x7xf32", "?x13xf32", "?x1xf32"},
       "?x21xf32",
       {},
       concat(1)},
      {"concat_middle",
       "mt.concat %a0, %a1 {axis = 1}",
       {"?x3x13xi1", "?x4x13xi1"},
       "?x7x13xi1",
       {},
       concat(1)},
      {"gather",
       "mt.gather %a0, %a1",
       {"33x13xf32", "?x7xi32"},
       "?x7x13xf32",
       {kDefault, ints(0, 32)},
       gather()},
      {"gather_3d_table",
       "mt.gather %a0, %a1",
       {"7x13x3xf32", "?xi32"},
       "?x13x3xf32",
       {kDefault, ints(0, 6)},
       gather()},
      {"scatter_add",
       "mt.scatter_add %a0, %a1 {num_rows = 11}",
       {"?x7xi32", "?x7x13xf32"},
       "11x13xf32",
       {ints(0, 10)},
       scatterAdd()},
      {"scatter_add_wide",
       "mt.scatter_add %a0, %a1 {num_rows = 7}",
       {"?xi32", "?x70xf32"},
       "7x70xf32",
       {ints(0, 6)},
       scatterAdd()},
      {"one_hot",
       "mt.one_hot %a0 {depth = 13}",
       {"?x7xi32"},
       "?x7x13xf32",
       {ints(-2, 14)},
       oneHot()},
      {"one_hot_i1",
       "mt.one_hot %a0 {depth = 5}",
       {"?xi32"},
       "?x5xi1",
       {ints(-1, 5)},
       oneHot()},
      // Constants and iota.
      {"constant_splat",
       "mt.constant dense<2.5> : tensor<7x13xf32>",
       {},
       "7x13xf32",
       {},
       literal({2.5})},
      {"constant_scalar",
       "mt.constant dense<-1.0e-05> : tensor<f32>",
       {},
       "f32",
       {},
       literal({-1.0e-05f})},
      {"constant_small",
       "mt.constant dense<[[1, -2, 3], [4, 5, -6]]> : tensor<2x3xi32>",
       {},
       "2x3xi32",
       {},
       literal({1, -2, 3, 4, 5, -6})},
      {"constant_mask",
       "mt.constant dense<[true, false, true]> : tensor<3xi1>",
       {},
       "3xi1",
       {},
       literal({1, 0, 1})},
      {"constant_buffer", "", {}, "5x7xf32", {}, nullptr},
      {"iota_f32", "mt.iota {dimension = 1}", {}, "?x7x13xf32", {}, iota(1)},
      {"iota_i32", "mt.iota {dimension = 0}", {}, "33xi32", {}, iota(0)},
  };
  // A constant above the inline limit: a Buffer embedded in the pipeline.
  std::vector<double> values;
  std::string text = "mt.constant dense<[";
  for (int i = 0; i < 5; ++i) {
    text += i ? ", [" : "[";
    for (int j = 0; j < 7; ++j) {
      float v = 0.25f * static_cast<float>(i * 7 + j) - 3.0f;
      values.push_back(v);
      text += (j ? ", " : "") + std::to_string(v);
    }
    text += "]";
  }
  text += "]> : tensor<5x7xf32>";
  for (Case &c : cases) {
    if (c.name == "constant_buffer") {
      c.op = text;
      c.reference = literal(values);
    }
  }
  return cases;
}

//===----------------------------------------------------------------------===//
// Harness
//===----------------------------------------------------------------------===//

std::string tensorType(const std::string &shapeAndType) {
  return "tensor<" + shapeAndType + ">";
}

/// The case's op as the one primitive of an mt.kernel inside @kernel.
std::string kernelSource(const Case &c) {
  std::string args, blockArgs, inputs, types;
  for (size_t i = 0; i < c.operandTypes.size(); ++i) {
    std::string sep = i ? ", " : "";
    std::string type = tensorType(c.operandTypes[i]);
    args += sep + "%x" + std::to_string(i) + ": " + type;
    blockArgs += sep + "%a" + std::to_string(i) + ": " + type;
    inputs += sep + "%x" + std::to_string(i);
    types += sep + type;
  }
  std::string result = tensorType(c.resultType);
  std::string op = c.op;
  if (op.find(" : ") == std::string::npos)
    op += " : (" + types + ") -> " + result;
  std::string entry = blockArgs.empty() ? "" : "  ^bb0(" + blockArgs + "):\n";
  return "func @kernel(" + args + ") -> " + result +
         " {\n  %k = mt.kernel \"k\" (" + inputs + ") : (" + types + ") -> " +
         result + " {\n" + entry + "    %r = " + op +
         "\n    mt.yield %r : " + result + "\n  }\n  return %k : " + result +
         "\n}\n";
}

/// The primitive op of a parsed case (inside its kernel, if any).
mlir::Operation *theOp(mlir::ModuleOp module) {
  mlir::Operation *found = nullptr;
  module.walk([&](mlir::Operation *op) {
    if (op->getDialect() &&
        op->getDialect()->getNamespace() ==
            mt::MTDialect::getDialectNamespace() &&
        !llvm::isa<mt::KernelOp, mt::YieldOp>(op))
      found = op;
  });
  return found;
}

Shape resolve(llvm::ArrayRef<int64_t> shape, int64_t batch) {
  Shape s;
  for (int64_t d : shape)
    s.push_back(d < 0 ? batch : d);
  return s;
}

std::vector<int> halideSizes(const Shape &shape) {
  return std::vector<int>(shape.rbegin(), shape.rend());
}

/// A Halide buffer of `type` holding `t` (row-major data, innermost first).
Halide::Buffer<> toBuffer(const Tensor &t, Halide::Type type) {
  Halide::Buffer<> buffer(type, halideSizes(t.shape));
  void *host = buffer.raw_buffer()->host;
  for (size_t i = 0; i < t.data.size(); ++i) {
    if (type == Halide::Float(32))
      static_cast<float *>(host)[i] = static_cast<float>(t.data[i]);
    else if (type == Halide::Int(32))
      static_cast<int32_t *>(host)[i] = static_cast<int32_t>(t.data[i]);
    else
      static_cast<uint8_t *>(host)[i] = static_cast<uint8_t>(t.data[i]);
  }
  return buffer;
}

double elementOf(const Halide::Buffer<> &buffer, size_t i) {
  const void *host = buffer.raw_buffer()->host;
  if (buffer.type() == Halide::Float(32))
    return static_cast<const float *>(host)[i];
  if (buffer.type() == Halide::Int(32))
    return static_cast<const int32_t *>(host)[i];
  return static_cast<const uint8_t *>(host)[i];
}

Tensor draw(const Shape &shape, mlir::Type elementType, const Draw &how,
            std::mt19937 &rng) {
  Tensor t(shape);
  for (double &v : t.data) {
    if (elementType.isInteger(1)) {
      v = std::uniform_int_distribution<int>(0, 1)(rng);
    } else if (how.kind == Draw::Int || elementType.isInteger(32)) {
      v = std::uniform_int_distribution<int>(static_cast<int>(how.lo),
                                             static_cast<int>(how.hi))(rng);
    } else {
      float f = std::uniform_real_distribution<float>(how.lo, how.hi)(rng);
      v = how.kind == Draw::Halves ? std::round(2.0f * f) / 2.0f : f;
    }
  }
  return t;
}

/// A parsed one-op kernel and the Halide pipeline built from it.
class Kernel {
public:
  Kernel(mlir::MLIRContext &context, const std::string &source) {
    module = mlir::parseSourceString(source, &context);
    if (module)
      op = theOp(*module);
  }

  /// Lowers (and optionally schedules) the op's kernel over fresh
  /// ImageParams.
  bool build(bool scheduled, const Halide::Target &target) {
    codegenTarget = mt::kernelCodegenTarget(target);
    mlir::FailureOr<mt::LoweredKernel> lowered =
        mt::lowerKernel(llvm::cast<mt::KernelOp>(op->getParentOp()));
    if (mlir::failed(lowered) || (scheduled && mlir::failed(mt::scheduleKernel(
                                                   *lowered, codegenTarget))))
      return false;
    params = lowered->inputs;
    batch = lowered->batch;
    pipeline = Halide::Pipeline(lowered->outputFuncs());
    pipeline.compile_jit(codegenTarget);
    return true;
  }

  /// Runs the pipeline compiled by build (another target would recompile).
  void realize(Halide::Buffer<> out) { pipeline.realize(out, codegenTarget); }

  mlir::RankedTensorType resultType() const {
    return op->getResult(0).getType().cast<mlir::RankedTensorType>();
  }

  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::Operation *op = nullptr;
  std::vector<Halide::ImageParam> params;
  Halide::Param<int32_t> batch{"batch"};
  Halide::Pipeline pipeline;
  Halide::Target codegenTarget;
};

class PrimitiveKernelTest : public ::testing::TestWithParam<Case> {
protected:
  PrimitiveKernelTest() {
    context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
  }

  void check(const Halide::Target &target, bool scheduled);

  mlir::MLIRContext context;
};

/// The project's oracle too: the reference interpreter evaluates the same op
/// on the same inputs, and the kernel must agree with it (exactly for ints
/// and masks; floats within 1e-5 of the larger of the value and the sum of
/// the magnitudes that make it up, as for the loop reference).
void expectInterpreterAgrees(mlir::Operation *op, const Inputs &inputs,
                             int64_t batch, const Halide::Buffer<> &out,
                             const std::vector<double> &magnitude) {
  std::vector<mt::interp::Tensor> operands;
  for (auto [input, value] : llvm::zip(inputs, op->getOperands())) {
    mlir::Type element =
        value.getType().cast<mlir::RankedTensorType>().getElementType();
    mt::interp::ElementKind kind =
        element.isF32()         ? mt::interp::ElementKind::F32
        : element.isInteger(32) ? mt::interp::ElementKind::I32
        : element.isInteger(64) ? mt::interp::ElementKind::I64
                                : mt::interp::ElementKind::I1;
    operands.push_back({input.shape, kind, input.data});
  }
  auto results = mt::interp::evaluateOp(op, operands, {}, batch);
  ASSERT_TRUE(mlir::succeeded(results)) << "the interpreter rejected the op";
  const mt::interp::Tensor &expected = results->front();
  ASSERT_EQ(expected.data.size(), magnitude.size());
  bool isFloat = out.type().is_float();
  for (size_t i = 0; i < expected.data.size(); ++i) {
    double got = elementOf(out, i), want = expected.data[i];
    if (!isFloat) {
      ASSERT_EQ(got, want) << "interpreter disagrees at " << i;
      continue;
    }
    if (std::isnan(want) && std::isnan(got))
      continue;
    double scale = std::max({std::fabs(want), magnitude[i], 1e-6});
    ASSERT_LE(std::fabs(got - want) / scale, 1e-5)
        << "interpreter disagrees at " << i << ": kernel " << got
        << ", interpreter " << want;
  }
}

void PrimitiveKernelTest::check(const Halide::Target &target, bool scheduled) {
  const Case &c = GetParam();
  std::string source = kernelSource(c);
  Kernel kernel(context, source);
  ASSERT_TRUE(kernel.op) << source;
  ASSERT_TRUE(kernel.build(scheduled, target)) << source;

  bool dynamic = !kernel.resultType().hasStaticShape();
  for (auto operand : kernel.op->getOperandTypes())
    dynamic |= !operand.cast<mlir::RankedTensorType>().hasStaticShape();
  std::mt19937 rng(1234);
  for (int64_t batch : dynamic ? Shape{1, 3, 17} : Shape{1}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    Inputs inputs;
    for (unsigned i = 0; i < kernel.op->getNumOperands(); ++i) {
      auto type =
          kernel.op->getOperand(i).getType().cast<mlir::RankedTensorType>();
      Draw how = i < c.draws.size() ? c.draws[i] : kDefault;
      inputs.push_back(draw(resolve(type.getShape(), batch),
                            type.getElementType(), how, rng));
      kernel.params[i].set(
          toBuffer(inputs.back(), *mt::getHalideType(type.getElementType())));
    }
    kernel.batch.set(static_cast<int32_t>(batch));
    Shape outShape = resolve(kernel.resultType().getShape(), batch);
    Halide::Type outType =
        *mt::getHalideType(kernel.resultType().getElementType());
    Halide::Buffer<> out(outType, halideSizes(outShape));
    kernel.realize(out);

    Tensor want = c.reference(inputs, outShape);
    ASSERT_EQ(want.data.size(), static_cast<size_t>(numElements(outShape)));
    expectInterpreterAgrees(kernel.op, inputs, batch, out, want.magnitude);
    double worst = 0.0;
    int64_t worstAt = -1;
    for (size_t i = 0; i < want.data.size(); ++i) {
      double got = elementOf(out, i), expected = want.data[i];
      if (!outType.is_float()) {
        ASSERT_EQ(got, expected) << "at " << i;
        continue;
      }
      double scale = std::max({std::fabs(expected), want.magnitude[i], 1e-6});
      double err = std::fabs(got - expected) / scale;
      if (!(err <= worst)) {
        worst = err;
        worstAt = static_cast<int64_t>(i);
      }
    }
    if (worstAt >= 0) {
      EXPECT_LT(worst, 1e-5)
          << "at element " << worstAt << ": got " << elementOf(out, worstAt)
          << ", want " << want.data[worstAt];
    }
  }
}

// One test per op for both forms: each test process pays ~0.5 s of Halide
// JIT runtime setup, so splitting them would double the ctest time.
TEST_P(PrimitiveKernelTest, UnscheduledAndScheduled) {
  for (bool scheduled : {false, true}) {
    SCOPED_TRACE(scheduled ? "scheduled" : "unscheduled");
    check(Halide::get_jit_target_from_environment(), scheduled);
  }
}

INSTANTIATE_TEST_SUITE_P(AllPrimitives, PrimitiveKernelTest,
                         ::testing::ValuesIn(allCases()),
                         [](const auto &info) { return info.param.name; });

/// The AVX2 schedules (vector width 8) of the kernel classes whose schedule
/// depends on the width, run on this machine's CPU.
class Avx2ScheduleTest : public PrimitiveKernelTest {};

TEST_P(Avx2ScheduleTest, Scheduled) {
  check(Halide::Target("x86-64-linux-avx-avx2-f16c-fma-sse41"),
        /*scheduled=*/true);
}

std::vector<Case> avx2Cases() {
  std::vector<Case> picked;
  for (const Case &c : allCases())
    for (const char *name :
         {"add", "gelu", "reduce_sum_inner", "reduce_mean_middle",
          "matmul_tiles", "matmul_grouped_k_blocks",
          "matmul_transpose_rhs_parallel_staging", "batch_matmul",
          "contract_leading_tiles", "contract_leading_transposed_tiles",
          "contract_leading_k_blocks", "scatter_add_wide", "one_hot"})
      if (c.name == name)
        picked.push_back(c);
  return picked;
}

INSTANTIATE_TEST_SUITE_P(WidthEight, Avx2ScheduleTest,
                         ::testing::ValuesIn(avx2Cases()),
                         [](const auto &info) { return info.param.name; });

//===----------------------------------------------------------------------===//
// Run-time errors and diagnostics
//===----------------------------------------------------------------------===//

std::string jitErrors;

void recordJitError(Halide::JITUserContext *, const char *message) {
  jitErrors += message;
}

class KernelErrorTest : public ::testing::Test {
protected:
  KernelErrorTest() {
    context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
  }

  /// Lowers the op of `source` and returns the diagnostics it produced.
  std::string loweringDiagnostics(const std::string &source) {
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString(source, &context);
    EXPECT_TRUE(module) << source;
    if (!module)
      return "";
    mlir::Operation *op = theOp(*module);
    std::string messages;
    mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
      messages += d.str();
      return mlir::success();
    });
    std::vector<Halide::Func> funcs;
    for (unsigned i = 0; i < op->getNumOperands(); ++i)
      funcs.emplace_back("operand" + std::to_string(i));
    EXPECT_TRUE(mlir::failed(mt::lowerPrimitive(op, funcs, Halide::Expr(4))));
    return messages;
  }

  mlir::MLIRContext context;
};

TEST_F(KernelErrorTest, GatherOutOfRangeIsARuntimeError) {
  Case c{
      "gather", "mt.gather %a0, %a1", {"4x8xf32", "?x3xi32"}, "?x3x8xf32", {},
      nullptr};
  Kernel kernel(context, kernelSource(c));
  ASSERT_TRUE(kernel.op);
  for (bool scheduled : {false, true}) {
    SCOPED_TRACE(scheduled ? "scheduled" : "unscheduled");
    kernel.params.clear();
    ASSERT_TRUE(
        kernel.build(scheduled, Halide::get_jit_target_from_environment()));
    kernel.pipeline.jit_handlers().custom_error = recordJitError;
    Halide::Buffer<float> table(8, 4);
    table.fill(1.0f);
    Halide::Buffer<int32_t> ids(3, 2);
    ids.fill(0);
    ids(1, 1) = 4; // rows are 0..3
    kernel.params[0].set(table);
    kernel.params[1].set(ids);
    kernel.batch.set(2);
    Halide::Buffer<float> out(8, 3, 2);
    // With an error handler installed the pipeline reports and returns
    // instead of aborting.
    jitErrors.clear();
    kernel.realize(out);
    EXPECT_NE(
        jitErrors.find("mt.gather: index 4 is outside the table of 4 rows"),
        std::string::npos)
        << jitErrors;
    // A valid index afterwards runs normally.
    ids(1, 1) = 3;
    jitErrors.clear();
    kernel.realize(out);
    EXPECT_EQ(jitErrors, "");
    EXPECT_EQ(out(0, 1, 1), 1.0f);
  }
}

TEST_F(KernelErrorTest, ModelOpsMustBeDecomposedFirst) {
  std::string messages = loweringDiagnostics(R"(
    func @f(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
      %y = mt.dense %x {out_features = 4, path = "proj"} : (tensor<?x8xf32>) -> tensor<?x4xf32>
      return %y : tensor<?x4xf32>
    })");
  EXPECT_NE(messages.find("'mt.dense' op is a model-level op: run mt-decompose "
                          "before lowering to Halide"),
            std::string::npos)
      << messages;
}

TEST_F(KernelErrorTest, ParamRefIsNotAKernelOp) {
  std::string messages = loweringDiagnostics(R"(
    mt.param @w : tensor<4x8xf32> {init = "zeros"}
    func @f() -> tensor<4x8xf32> {
      %w = mt.param_ref @w : tensor<4x8xf32>
      return %w : tensor<4x8xf32>
    })");
  EXPECT_NE(messages.find("'mt.param_ref' op is not a Halide kernel op: "
                          "parameters are kernel arguments"),
            std::string::npos)
      << messages;
}

TEST_F(KernelErrorTest, UnrankedTypesAreRejected) {
  std::string messages = loweringDiagnostics(R"(
    func @f(%x: tensor<*xf32>) -> tensor<*xf32> {
      %y = mt.exp %x : (tensor<*xf32>) -> tensor<*xf32>
      return %y : tensor<*xf32>
    })");
  EXPECT_NE(messages.find("'mt.exp' op expects ranked tensor types (run "
                          "mt-infer-shapes first), got 'tensor<*xf32>'"),
            std::string::npos)
      << messages;
}

//===----------------------------------------------------------------------===//
// mt.dropout_mask: the kernel against the reference interpreter, bit for bit
//===----------------------------------------------------------------------===//

class DropoutMaskKernelTest : public KernelErrorTest {};

TEST_F(DropoutMaskKernelTest, MatchesTheInterpreterBitForBit) {
  struct Config {
    std::string shape;
    double rate;
    int64_t stream;
  };
  // 5x7 and 33 are off the vector width, so vector tails are covered.
  for (const Config &config :
       {Config{"?x5x7xf32", 0.25, 3}, Config{"?x33xf32", 0.5, 0},
        Config{"?x5x7xf32", 0.0, 1}}) {
    Case c{"dropout_mask",
           "mt.dropout_mask %a0, %a1 {rate = " + std::to_string(config.rate) +
               ", stream = " + std::to_string(config.stream) + "}",
           {config.shape, "i64"},
           config.shape,
           {},
           nullptr};
    Kernel kernel(context, kernelSource(c));
    ASSERT_TRUE(kernel.op);
    for (bool scheduled : {false, true}) {
      SCOPED_TRACE(config.shape + ", rate " + std::to_string(config.rate) +
                   (scheduled ? ", scheduled" : ", unscheduled"));
      kernel.params.clear();
      ASSERT_TRUE(
          kernel.build(scheduled, Halide::get_jit_target_from_environment()));
      for (int64_t seed :
           {int64_t(0), int64_t(42), int64_t(-3), int64_t(1) << 40}) {
        for (int64_t batch : {1, 3, 17}) {
          SCOPED_TRACE("seed " + std::to_string(seed) + ", batch " +
                       std::to_string(batch));
          Shape shape = resolve(kernel.resultType().getShape(), batch);
          mt::interp::Tensor like =
              mt::interp::Tensor::zeros(shape, mt::interp::ElementKind::F32);
          mt::interp::Tensor seedTensor{
              {}, mt::interp::ElementKind::I64, {static_cast<double>(seed)}};
          auto want = mt::interp::evaluateOp(kernel.op, {like, seedTensor}, {});
          ASSERT_TRUE(mlir::succeeded(want));

          kernel.params[0].set(Halide::Buffer<float>(halideSizes(shape)));
          Halide::Buffer<int64_t> seedBuffer =
              Halide::Buffer<int64_t>::make_scalar();
          seedBuffer() = seed;
          kernel.params[1].set(seedBuffer);
          kernel.batch.set(static_cast<int32_t>(batch));
          Halide::Buffer<float> out(halideSizes(shape));
          kernel.realize(out);
          const std::vector<double> &expected = want->front().data;
          ASSERT_EQ(expected.size(),
                    static_cast<size_t>(out.number_of_elements()));
          for (size_t i = 0; i < expected.size(); ++i)
            ASSERT_EQ(out.data()[i], expected[i]) << "at " << i;
        }
      }
    }
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Batch invariance: a row's result does not depend on how many rows there
// are (predict at any --batch-size gives the same numbers, bit for bit),
// across the matmul schedule's specializations on the batch.
//===----------------------------------------------------------------------===//

class BatchInvarianceTest : public KernelErrorTest {};

TEST_F(BatchInvarianceTest, MatmulRowsAreBitIdenticalAtEveryBatch) {
  for (const char *shapes :
       {"?x128xf32|1x128xf32|?x1xf32", "?x64xf32|3x64xf32|?x3xf32",
        "?x3xf32|128x3xf32|?x128xf32", "?x40xf32|13x40xf32|?x13xf32"}) {
    std::string text(shapes);
    size_t bar1 = text.find('|'), bar2 = text.rfind('|');
    Case c{"matmul",
           "mt.matmul %a0, %a1 {transpose_rhs = true}",
           {text.substr(0, bar1), text.substr(bar1 + 1, bar2 - bar1 - 1)},
           text.substr(bar2 + 1),
           {},
           nullptr};
    SCOPED_TRACE(text);
    Kernel kernel(context, kernelSource(c));
    ASSERT_TRUE(kernel.op);
    ASSERT_TRUE(kernel.build(true, Halide::get_jit_target_from_environment()));
    auto lhsType =
        kernel.op->getOperand(0).getType().cast<mlir::RankedTensorType>();
    auto rhsType =
        kernel.op->getOperand(1).getType().cast<mlir::RankedTensorType>();
    std::mt19937 rng(99);
    const int64_t most = 19;
    Tensor lhs = draw(resolve(lhsType.getShape(), most),
                      lhsType.getElementType(), kDefault, rng);
    Tensor rhs = draw(resolve(rhsType.getShape(), most),
                      rhsType.getElementType(), kDefault, rng);
    kernel.params[1].set(toBuffer(rhs, Halide::Float(32)));
    std::vector<float> reference;
    for (int64_t batch : {most, int64_t(1), int64_t(2), int64_t(5), int64_t(6),
                          int64_t(7), int64_t(13)}) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      Tensor rows(resolve(lhsType.getShape(), batch));
      rows.data.assign(lhs.data.begin(), lhs.data.begin() + rows.data.size());
      kernel.params[0].set(toBuffer(rows, Halide::Float(32)));
      kernel.batch.set(static_cast<int32_t>(batch));
      Halide::Buffer<float> out(
          halideSizes(resolve(kernel.resultType().getShape(), batch)));
      kernel.realize(out);
      if (reference.empty()) {
        reference.assign(out.data(), out.data() + out.number_of_elements());
        continue;
      }
      for (size_t i = 0; i < out.number_of_elements(); ++i)
        ASSERT_EQ(out.data()[i], reference[i]) << "at " << i;
    }
  }
}
