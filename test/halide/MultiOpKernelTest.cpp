// Hand-written mt.kernel regions holding several primitives (what fusion
// will make), compiled the way mtc compiles them (lowerKernel, then
// scheduleKernel for the CPU, JIT here) and checked against the reference
// interpreter evaluating the same body op by op, on fresh random inputs at
// batch 1, 3, 17 and 32: matmul + bias + relu (the epilogue computed in the
// matmul's register tiles), the same with both the pre-activation and the
// activation as results, two epilogue results or a reduction of the sum
// beside the epilogue (the sum then materialized),
// batch rows (one-row tiles), a
// scaled attention-score batch_matmul with an in-kernel constant, a
// softmax row, and a layer-norm row with four results. Floats agree within 1e-5
// of the output's largest magnitude.

#include "Codegen/KernelCodegenSettings.h"
#include "Conversion/MTToHalide/LowerKernel.h"
#include "Interpreter/Interpreter.h"
#include "Schedules/Schedule.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"
#include "llvm/ADT/DenseMap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

namespace {

struct Case {
  std::string name;
  /// A module whose @f holds one mt.kernel.
  std::string source;
  /// Roles the lowering must give: the expected anchor op name and whether
  /// an output is computed in the anchor's tiles.
  std::string anchor;
  bool anchorTilesAnOutput;
};

std::ostream &operator<<(std::ostream &os, const Case &c) {
  return os << c.name;
}

const Case kCases[] = {
    {"matmul_bias_relu", R"(
func @f(%x: tensor<?x37x64xf32>, %w: tensor<41x64xf32>, %b: tensor<41xf32>) -> tensor<?x37x41xf32> {
  %k = mt.kernel "k" (%x, %w, %b) : (tensor<?x37x64xf32>, tensor<41x64xf32>, tensor<41xf32>) -> tensor<?x37x41xf32> {
  ^bb0(%a: tensor<?x37x64xf32>, %c: tensor<41x64xf32>, %d: tensor<41xf32>):
    %0 = mt.matmul %a, %c {transpose_rhs = true} : (tensor<?x37x64xf32>, tensor<41x64xf32>) -> tensor<?x37x41xf32>
    %1 = mt.add %0, %d : (tensor<?x37x41xf32>, tensor<41xf32>) -> tensor<?x37x41xf32>
    %2 = mt.relu %1 : (tensor<?x37x41xf32>) -> tensor<?x37x41xf32>
    mt.yield %2 : tensor<?x37x41xf32>
  }
  return %k : tensor<?x37x41xf32>
})",
     "mt.matmul", true},
    {"matmul_bias_relu_two_results", R"(
func @f(%x: tensor<?x7x33xf32>, %w: tensor<33x13xf32>, %b: tensor<13xf32>) -> (tensor<?x7x13xf32>, tensor<?x7x13xf32>) {
  %k:2 = mt.kernel "k" (%x, %w, %b) : (tensor<?x7x33xf32>, tensor<33x13xf32>, tensor<13xf32>) -> (tensor<?x7x13xf32>, tensor<?x7x13xf32>) {
  ^bb0(%a: tensor<?x7x33xf32>, %c: tensor<33x13xf32>, %d: tensor<13xf32>):
    %0 = mt.matmul %a, %c : (tensor<?x7x33xf32>, tensor<33x13xf32>) -> tensor<?x7x13xf32>
    %1 = mt.add %0, %d : (tensor<?x7x13xf32>, tensor<13xf32>) -> tensor<?x7x13xf32>
    %2 = mt.relu %1 : (tensor<?x7x13xf32>) -> tensor<?x7x13xf32>
    mt.yield %1, %2 : tensor<?x7x13xf32>, tensor<?x7x13xf32>
  }
  return %k#0, %k#1 : tensor<?x7x13xf32>, tensor<?x7x13xf32>
})",
     "mt.matmul", true},
    {"two_epilogue_results", R"(
func @f(%x: tensor<?x3x8x8xf32>, %y: tensor<?x3x8x8xf32>, %s: tensor<?x3x8x1xf32>) -> (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>) {
  %k:2 = mt.kernel "k" (%x, %y, %s) : (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>, tensor<?x3x8x1xf32>) -> (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>) {
  ^bb0(%a: tensor<?x3x8x8xf32>, %c: tensor<?x3x8x8xf32>, %d: tensor<?x3x8x1xf32>):
    %0 = mt.batch_matmul %a, %c {transpose_rhs = true} : (tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
    %1 = mt.div %0, %d : (tensor<?x3x8x8xf32>, tensor<?x3x8x1xf32>) -> tensor<?x3x8x8xf32>
    %2 = mt.neg %1 : (tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32>
    %3 = mt.mul %0, %d : (tensor<?x3x8x8xf32>, tensor<?x3x8x1xf32>) -> tensor<?x3x8x8xf32>
    mt.yield %2, %3 : tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>
  }
  return %k#0, %k#1 : tensor<?x3x8x8xf32>, tensor<?x3x8x8xf32>
})",
     "mt.batch_matmul", false},
    {"sum_also_reduced", R"(
func @f(%x: tensor<?x5x8xf32>, %w: tensor<8x16xf32>) -> (tensor<?x5x16xf32>, tensor<?x5xf32>) {
  %k:2 = mt.kernel "k" (%x, %w) : (tensor<?x5x8xf32>, tensor<8x16xf32>) -> (tensor<?x5x16xf32>, tensor<?x5xf32>) {
  ^bb0(%a: tensor<?x5x8xf32>, %c: tensor<8x16xf32>):
    %0 = mt.matmul %a, %c : (tensor<?x5x8xf32>, tensor<8x16xf32>) -> tensor<?x5x16xf32>
    %1 = mt.relu %0 : (tensor<?x5x16xf32>) -> tensor<?x5x16xf32>
    %2 = mt.reduce_sum %0 {axis = 2} : (tensor<?x5x16xf32>) -> tensor<?x5xf32>
    mt.yield %1, %2 : tensor<?x5x16xf32>, tensor<?x5xf32>
  }
  return %k#0, %k#1 : tensor<?x5x16xf32>, tensor<?x5xf32>
})",
     "mt.matmul", false},
    {"batch_rows_matmul_bias", R"(
func @f(%x: tensor<?x40xf32>, %w: tensor<19x40xf32>, %b: tensor<19xf32>) -> tensor<?x19xf32> {
  %k = mt.kernel "k" (%x, %w, %b) : (tensor<?x40xf32>, tensor<19x40xf32>, tensor<19xf32>) -> tensor<?x19xf32> {
  ^bb0(%a: tensor<?x40xf32>, %c: tensor<19x40xf32>, %d: tensor<19xf32>):
    %0 = mt.matmul %a, %c {transpose_rhs = true} : (tensor<?x40xf32>, tensor<19x40xf32>) -> tensor<?x19xf32>
    %1 = mt.add %0, %d : (tensor<?x19xf32>, tensor<19xf32>) -> tensor<?x19xf32>
    mt.yield %1 : tensor<?x19xf32>
  }
  return %k : tensor<?x19xf32>
})",
     "mt.matmul", true},
    {"scaled_attention_scores", R"(
func @f(%q: tensor<?x3x7x8xf32>, %kk: tensor<?x3x9x8xf32>) -> tensor<?x3x7x9xf32> {
  %k = mt.kernel "k" (%q, %kk) : (tensor<?x3x7x8xf32>, tensor<?x3x9x8xf32>) -> tensor<?x3x7x9xf32> {
  ^bb0(%a: tensor<?x3x7x8xf32>, %c: tensor<?x3x9x8xf32>):
    %s = mt.constant dense<0.35355339> : tensor<f32>
    %0 = mt.batch_matmul %a, %c {transpose_rhs = true} : (tensor<?x3x7x8xf32>, tensor<?x3x9x8xf32>) -> tensor<?x3x7x9xf32>
    %1 = mt.mul %0, %s : (tensor<?x3x7x9xf32>, tensor<f32>) -> tensor<?x3x7x9xf32>
    mt.yield %1 : tensor<?x3x7x9xf32>
  }
  return %k : tensor<?x3x7x9xf32>
})",
     "mt.batch_matmul", true},
    {"softmax_row", R"(
func @f(%x: tensor<?x5x19xf32>) -> tensor<?x5x19xf32> {
  %k = mt.kernel "k" (%x) : (tensor<?x5x19xf32>) -> tensor<?x5x19xf32> {
  ^bb0(%a: tensor<?x5x19xf32>):
    %0 = mt.reduce_max %a {axis = 2, keep_dims = true} : (tensor<?x5x19xf32>) -> tensor<?x5x1xf32>
    %1 = mt.sub %a, %0 : (tensor<?x5x19xf32>, tensor<?x5x1xf32>) -> tensor<?x5x19xf32>
    %2 = mt.exp %1 : (tensor<?x5x19xf32>) -> tensor<?x5x19xf32>
    %3 = mt.reduce_sum %2 {axis = 2, keep_dims = true} : (tensor<?x5x19xf32>) -> tensor<?x5x1xf32>
    %4 = mt.div %2, %3 : (tensor<?x5x19xf32>, tensor<?x5x1xf32>) -> tensor<?x5x19xf32>
    mt.yield %4 : tensor<?x5x19xf32>
  }
  return %k : tensor<?x5x19xf32>
})",
     "mt.reduce_sum", false},
    // What mt-fuse makes of a training step's layer norm: two reductions
    // computed inside the kernel, four results of two shapes.
    {"layer_norm_row", R"(
func @f(%x: tensor<?x5x24xf32>, %g: tensor<24xf32>, %b: tensor<24xf32>) -> (tensor<?x5x24xf32>, tensor<?x5x1xf32>, tensor<?x5x24xf32>, tensor<?x5x24xf32>) {
  %k:4 = mt.kernel "k" (%x, %g, %b) : (tensor<?x5x24xf32>, tensor<24xf32>, tensor<24xf32>) -> (tensor<?x5x24xf32>, tensor<?x5x1xf32>, tensor<?x5x24xf32>, tensor<?x5x24xf32>) {
  ^bb0(%a: tensor<?x5x24xf32>, %c: tensor<24xf32>, %d: tensor<24xf32>):
    %0 = mt.reduce_mean %a {axis = 2, keep_dims = true} : (tensor<?x5x24xf32>) -> tensor<?x5x1xf32>
    %1 = mt.sub %a, %0 : (tensor<?x5x24xf32>, tensor<?x5x1xf32>) -> tensor<?x5x24xf32>
    %2 = mt.mul %1, %1 : (tensor<?x5x24xf32>, tensor<?x5x24xf32>) -> tensor<?x5x24xf32>
    %3 = mt.reduce_mean %2 {axis = 2, keep_dims = true} : (tensor<?x5x24xf32>) -> tensor<?x5x1xf32>
    %4 = mt.constant dense<1.0e-5> : tensor<f32>
    %5 = mt.add %3, %4 : (tensor<?x5x1xf32>, tensor<f32>) -> tensor<?x5x1xf32>
    %6 = mt.rsqrt %5 : (tensor<?x5x1xf32>) -> tensor<?x5x1xf32>
    %7 = mt.mul %1, %6 : (tensor<?x5x24xf32>, tensor<?x5x1xf32>) -> tensor<?x5x24xf32>
    %8 = mt.mul %7, %c : (tensor<?x5x24xf32>, tensor<24xf32>) -> tensor<?x5x24xf32>
    %9 = mt.add %8, %d : (tensor<?x5x24xf32>, tensor<24xf32>) -> tensor<?x5x24xf32>
    mt.yield %1, %6, %7, %9 : tensor<?x5x24xf32>, tensor<?x5x1xf32>, tensor<?x5x24xf32>, tensor<?x5x24xf32>
  }
  return %k#0, %k#1, %k#2, %k#3 : tensor<?x5x24xf32>, tensor<?x5x1xf32>, tensor<?x5x24xf32>, tensor<?x5x24xf32>
})",
     "mt.reduce_mean", false},
};

/// The mt.kernel of a parsed case (null if there is none).
mt::KernelOp theKernel(mlir::ModuleOp module) {
  mt::KernelOp kernel;
  module.walk([&](mt::KernelOp k) { kernel = k; });
  return kernel;
}

std::vector<int64_t> resolve(mlir::Type type, int64_t batch) {
  std::vector<int64_t> shape;
  for (int64_t d : type.cast<mlir::RankedTensorType>().getShape())
    shape.push_back(d < 0 ? batch : d);
  return shape;
}

std::vector<int> halideSizes(const std::vector<int64_t> &shape) {
  return std::vector<int>(shape.rbegin(), shape.rend());
}

class MultiOpKernelTest : public ::testing::TestWithParam<Case> {
protected:
  MultiOpKernelTest() {
    context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
  }
  mlir::MLIRContext context;
};

TEST_P(MultiOpKernelTest, MatchesTheInterpreter) {
  const Case &c = GetParam();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString(c.source, &context);
  ASSERT_TRUE(module) << c.source;
  mt::KernelOp kernel = theKernel(*module);
  ASSERT_TRUE(kernel);

  mlir::FailureOr<mt::LoweredKernel> lowered = mt::lowerKernel(kernel);
  ASSERT_TRUE(mlir::succeeded(lowered));
  ASSERT_TRUE(lowered->anchor);
  EXPECT_EQ(lowered->anchor->getName().getStringRef(), c.anchor);
  EXPECT_EQ(lowered->anchorOutput.has_value(), c.anchorTilesAnOutput);
  EXPECT_EQ(lowered->outputs.size(), kernel.getNumResults());
  Halide::Target target = mt::kernelJitTarget();
  ASSERT_TRUE(mlir::succeeded(mt::scheduleKernel(*lowered, target)));
  Halide::Pipeline pipeline(lowered->outputFuncs());
  pipeline.compile_jit(target);

  std::mt19937 rng(2024);
  for (int64_t batch : {1, 3, 17, 32}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    std::vector<mt::interp::Tensor> inputs;
    std::vector<Halide::Buffer<float>> buffers;
    for (mlir::Value input : kernel.getInputs()) {
      std::vector<int64_t> shape = resolve(input.getType(), batch);
      mt::interp::Tensor t =
          mt::interp::Tensor::zeros(shape, mt::interp::ElementKind::F32);
      buffers.emplace_back(halideSizes(shape));
      for (size_t i = 0; i < t.data.size(); ++i) {
        float v = std::uniform_real_distribution<float>(-2, 2)(rng);
        t.data[i] = v;
        buffers.back().data()[i] = v;
      }
      inputs.push_back(t);
      lowered->inputs[inputs.size() - 1].set(buffers.back());
    }
    lowered->batch.set(static_cast<int32_t>(batch));
    std::vector<Halide::Buffer<float>> outs;
    std::vector<Halide::Buffer<>> realized;
    for (mlir::Value result : kernel.getResults()) {
      outs.emplace_back(halideSizes(resolve(result.getType(), batch)));
      realized.push_back(outs.back());
    }
    pipeline.realize(Halide::Realization(realized), target);

    // The interpreter evaluates the kernel's body op by op; @f passes its
    // arguments to the kernel and returns its results.
    auto func = module->lookupSymbol<mlir::FuncOp>("f");
    auto interpreted = mt::interp::interpret(func, inputs, {});
    ASSERT_TRUE(mlir::succeeded(interpreted));
    std::vector<mt::interp::Tensor> want = *interpreted;
    ASSERT_EQ(want.size(), outs.size());
    for (size_t r = 0; r < outs.size(); ++r) {
      SCOPED_TRACE("result " + std::to_string(r));
      ASSERT_EQ(want[r].data.size(),
                static_cast<size_t>(outs[r].number_of_elements()));
      double largest = 1e-6;
      for (double v : want[r].data)
        largest = std::max(largest, std::fabs(v));
      for (size_t i = 0; i < want[r].data.size(); ++i)
        ASSERT_LE(std::fabs(outs[r].data()[i] - want[r].data[i]),
                  1e-5 * largest)
            << "at " << i << ": kernel " << outs[r].data()[i]
            << ", interpreter " << want[r].data[i];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(HandWritten, MultiOpKernelTest,
                         ::testing::ValuesIn(kCases),
                         [](const auto &info) { return info.param.name; });

} // namespace

namespace {

/// This machine may lack AVX-512, so the AVX-512 register tile (3 vectors x
/// 8 rows) is checked for code generation only: the schedule is legal for
/// Halide, and its inner loop runs on zmm registers.
TEST(Avx512MatmulCodegen, CompilesToZmmFmas) {
  mlir::MLIRContext context;
  context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
  // 48 columns and 16 rows: room for the whole 3 x 8 tile.
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::parseSourceString(R"(
func @f(%x: tensor<?x16x64xf32>, %w: tensor<48x64xf32>, %b: tensor<48xf32>) -> tensor<?x16x48xf32> {
  %k = mt.kernel "k" (%x, %w, %b) : (tensor<?x16x64xf32>, tensor<48x64xf32>, tensor<48xf32>) -> tensor<?x16x48xf32> {
  ^bb0(%a: tensor<?x16x64xf32>, %c: tensor<48x64xf32>, %d: tensor<48xf32>):
    %0 = mt.matmul %a, %c {transpose_rhs = true} : (tensor<?x16x64xf32>, tensor<48x64xf32>) -> tensor<?x16x48xf32>
    %1 = mt.add %0, %d : (tensor<?x16x48xf32>, tensor<48xf32>) -> tensor<?x16x48xf32>
    mt.yield %1 : tensor<?x16x48xf32>
  }
  return %k : tensor<?x16x48xf32>
})",
                                                                     &context);
  ASSERT_TRUE(module);
  mt::KernelOp kernel = theKernel(*module);
  ASSERT_TRUE(kernel);
  mlir::FailureOr<mt::LoweredKernel> lowered = mt::lowerKernel(kernel);
  ASSERT_TRUE(mlir::succeeded(lowered));
  Halide::Target target("x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-"
                        "fma-sse41-no_runtime");
  ASSERT_TRUE(mlir::succeeded(mt::scheduleKernel(*lowered, target)));
  std::string path = ::testing::TempDir() + "/mt_avx512_matmul.s";
  Halide::Pipeline(lowered->outputFuncs())
      .compile_to_assembly(path, lowered->arguments(), "k", target);
  std::ifstream file(path);
  int zmmFmas = 0;
  for (std::string line; std::getline(file, line);)
    if (line.find("vfmadd") != std::string::npos &&
        line.find("%zmm") != std::string::npos)
      ++zmmFmas;
  // The unrolled tile: 3 x 8 accumulators.
  EXPECT_GE(zmmFmas, 24) << "the AVX-512 matmul has " << zmmFmas << " zmm FMAs";
}

} // namespace
