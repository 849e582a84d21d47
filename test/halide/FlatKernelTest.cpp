// Flat elementwise kernels (compiler/Codegen/FlatKernels.h): which kernels
// qualify; a flat copy, JIT-compiled as mtc compiles it, computes what the
// reference interpreter computes on the original kernel, at a static shape,
// at a batch shape, and long enough to take the parallel specialization;
// and compileKernels gives two such kernels of different shapes one symbol.

#include "Codegen/FlatKernels.h"
#include "Codegen/KernelCodegenSettings.h"
#include "Codegen/KernelCompiler.h"
#include "Conversion/MTToHalide/LowerKernel.h"
#include "Interpreter/Interpreter.h"
#include "Schedules/Schedule.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {

/// An Adam-like update at shape SHAPE: two tensors and two scalars in, two
/// results out.
std::string adamLike(const std::string &shape) {
  std::string t = "tensor<" + shape + "xf32>";
  return "func @f(%g: " + t + ", %m: " + t +
         ", %b: tensor<f32>, %lr: tensor<f32>) -> (" + t + ", " + t +
         ") {\n"
         "  %k:2 = mt.kernel \"k\" (%g, %m, %b, %lr) : (" +
         t + ", " + t + ", tensor<f32>, tensor<f32>) -> (" + t + ", " + t +
         ") {\n"
         "  ^bb0(%a: " +
         t + ", %c: " + t +
         ", %d: tensor<f32>, %e: tensor<f32>):\n"
         "    %0 = mt.mul %c, %d : (" +
         t + ", tensor<f32>) -> " + t + "\n" + "    %1 = mt.add %0, %a : (" +
         t + ", " + t + ") -> " + t + "\n" + "    %2 = mt.mul %1, %1 : (" + t +
         ", " + t + ") -> " + t + "\n" + "    %3 = mt.sqrt %2 : (" + t +
         ") -> " + t + "\n" + "    %4 = mt.mul %3, %e : (" + t +
         ", tensor<f32>) -> " + t + "\n" + "    %5 = mt.sub %a, %4 : (" + t +
         ", " + t + ") -> " + t + "\n" + "    mt.yield %1, %5 : " + t + ", " +
         t +
         "\n"
         "  }\n"
         "  return %k#0, %k#1 : " +
         t + ", " + t +
         "\n"
         "}\n";
}

class FlatKernelTest : public ::testing::Test {
protected:
  FlatKernelTest() {
    context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
  }

  mlir::OwningOpRef<mlir::ModuleOp> parse(const std::string &source) {
    return mlir::parseSourceString(source, &context);
  }

  static std::vector<mt::KernelOp> kernelsOf(mlir::ModuleOp module) {
    std::vector<mt::KernelOp> kernels;
    module.walk([&](mt::KernelOp k) { kernels.push_back(k); });
    return kernels;
  }

  mlir::MLIRContext context;
};

TEST_F(FlatKernelTest, OnlyUniformElementwiseKernelsQualify) {
  auto flattenable = [&](const std::string &source) {
    mlir::OwningOpRef<mlir::ModuleOp> module = parse(source);
    EXPECT_TRUE(module) << source;
    return module && mt::isFlattenable(kernelsOf(*module).front());
  };
  EXPECT_TRUE(flattenable(adamLike("4x3")));
  EXPECT_TRUE(flattenable(adamLike("?x7x5")));
  // A bias broadcast along rows depends on the shape.
  EXPECT_FALSE(flattenable(R"(
func @f(%x: tensor<?x5xf32>, %b: tensor<5xf32>) -> tensor<?x5xf32> {
  %k = mt.kernel "k" (%x, %b) : (tensor<?x5xf32>, tensor<5xf32>) -> tensor<?x5xf32> {
  ^bb0(%a: tensor<?x5xf32>, %c: tensor<5xf32>):
    %0 = mt.add %a, %c : (tensor<?x5xf32>, tensor<5xf32>) -> tensor<?x5xf32>
    mt.yield %0 : tensor<?x5xf32>
  }
  return %k : tensor<?x5xf32>
})"));
  // A reduction is not elementwise.
  EXPECT_FALSE(flattenable(R"(
func @f(%x: tensor<4x3xf32>) -> tensor<4xf32> {
  %k = mt.kernel "k" (%x) : (tensor<4x3xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4x3xf32>):
    %0 = mt.reduce_sum %a {axis = 1} : (tensor<4x3xf32>) -> tensor<4xf32>
    mt.yield %0 : tensor<4xf32>
  }
  return %k : tensor<4xf32>
})"));
  // A non-scalar constant carries its shape.
  EXPECT_FALSE(flattenable(R"(
func @f(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %k = mt.kernel "k" (%x) : (tensor<2x2xf32>) -> tensor<2x2xf32> {
  ^bb0(%a: tensor<2x2xf32>):
    %c = mt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
    %0 = mt.mul %a, %c : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
    mt.yield %0 : tensor<2x2xf32>
  }
  return %k : tensor<2x2xf32>
})"));
}

/// Runs the flat copy of the kernel in `source` on random inputs of the
/// original shapes at `batch`, passed as rank-1 buffers, against the
/// interpreter on the original kernel.
void expectFlatMatchesInterpreter(mlir::OwningOpRef<mlir::ModuleOp> module,
                                  int64_t batch) {
  mt::KernelOp kernel;
  module->walk([&](mt::KernelOp k) { kernel = k; });
  ASSERT_TRUE(kernel && mt::isFlattenable(kernel));
  mlir::OpBuilder builder(module->getBodyRegion());
  mt::KernelOp flat = mt::cloneFlattened(kernel, builder);
  mlir::FailureOr<mt::LoweredKernel> lowered = mt::lowerKernel(flat);
  ASSERT_TRUE(mlir::succeeded(lowered));
  Halide::Target target = mt::kernelJitTarget();
  ASSERT_TRUE(mlir::succeeded(mt::scheduleKernel(*lowered, target)));
  Halide::Pipeline pipeline(lowered->outputFuncs());

  auto shapeOf = [&](mlir::Type type) {
    std::vector<int64_t> shape;
    for (int64_t d : type.cast<mlir::RankedTensorType>().getShape())
      shape.push_back(d < 0 ? batch : d);
    return shape;
  };
  std::mt19937 rng(7);
  std::vector<mt::interp::Tensor> inputs;
  std::vector<Halide::Buffer<float>> buffers;
  for (unsigned i = 0; i < kernel.getInputs().size(); ++i) {
    mlir::Value input = kernel.getInputs()[i];
    mt::interp::Tensor t = mt::interp::Tensor::zeros(
        shapeOf(input.getType()), mt::interp::ElementKind::F32);
    int rank = input.getType().cast<mlir::RankedTensorType>().getRank();
    buffers.push_back(
        rank == 0 ? Halide::Buffer<float>::make_scalar()
                  : Halide::Buffer<float>(static_cast<int>(t.data.size())));
    for (size_t e = 0; e < t.data.size(); ++e) {
      float v = std::uniform_real_distribution<float>(0.5f, 2.0f)(rng);
      t.data[e] = v;
      buffers.back().data()[e] = v;
    }
    inputs.push_back(t);
    lowered->inputs[i].set(buffers.back());
  }
  lowered->batch.set(static_cast<int32_t>(batch));
  std::vector<Halide::Buffer<float>> outs;
  std::vector<Halide::Buffer<>> realized;
  for (mlir::Value result : kernel.getResults()) {
    int64_t count = 1;
    for (int64_t d : shapeOf(result.getType()))
      count *= d;
    outs.emplace_back(static_cast<int>(count));
    realized.push_back(outs.back());
  }
  pipeline.realize(Halide::Realization(realized), target);

  // @f passes its arguments to the kernel and returns its results.
  auto interpreted = mt::interp::interpret(
      module->lookupSymbol<mlir::FuncOp>("f"), inputs, {});
  ASSERT_TRUE(mlir::succeeded(interpreted));
  for (unsigned r = 0; r < interpreted->size(); ++r) {
    const mt::interp::Tensor &want = (*interpreted)[r];
    ASSERT_EQ(want.data.size(),
              static_cast<size_t>(outs[r].number_of_elements()));
    for (size_t e = 0; e < want.data.size(); ++e)
      ASSERT_LE(std::fabs(outs[r].data()[e] - want.data[e]),
                1e-6 * std::max(1.0, std::fabs(want.data[e])))
          << "result " << r << " at " << e;
  }
}

TEST_F(FlatKernelTest, FlatCopyMatchesTheInterpreter) {
  expectFlatMatchesInterpreter(parse(adamLike("4x3")), 1);
  expectFlatMatchesInterpreter(parse(adamLike("?x7x5")), 3);
  // 35 x 600 = 21000 elements: the parallel specialization (>= 16384).
  expectFlatMatchesInterpreter(parse(adamLike("?x7x5")), 600);
}

TEST_F(FlatKernelTest, KernelsDifferingOnlyInShapeShareOneSymbol) {
  std::string two = adamLike("4x3");
  std::string other = adamLike("?x7x5");
  other.replace(other.find("func @f"), 7, "func @g");
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(two + other);
  ASSERT_TRUE(module);
  mt::KernelCompileOptions options;
  options.halideTarget = Halide::get_host_target().to_string();
  options.outputDir = ::testing::TempDir();
  mlir::FailureOr<mt::KernelLibrary> library =
      mt::compileKernels(*module, options);
  ASSERT_TRUE(mlir::succeeded(library));
  EXPECT_EQ(library->symbols.size(), 1u);
  EXPECT_EQ(library->flattened.size(), 2u);
}

} // namespace
