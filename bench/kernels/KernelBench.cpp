// mt-bench-kernels: times each kernel class's CPU schedule against the same
// Halide algorithm unscheduled, on shapes of the size the examples run at
// batch 32 (the schedules' batch estimate). JIT, host target, best of up to
// 10 runs (fewer for slow unscheduled kernels). Prints one table row per
// kernel; the numbers go into the comments of CpuSchedule.cpp.
// Matmul shapes have their own bench, mt-bench-matmul.
//
//   mt-bench-kernels [name-substring]

#include "BenchKernel.h"

#include "Codegen/KernelCodegenSettings.h"

#include "Conversion/MTToHalide/LowerPrimitive.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

struct Bench {
  const char *name;
  const char *source; // one func whose first mt op is timed
  int batch;
};

const Bench kBenches[] = {
    {"add [32,128,512]+[512]",
     "func @k(%a: tensor<?x128x512xf32>, %b: tensor<512xf32>) -> "
     "tensor<?x128x512xf32> {\n"
     "  %r = mt.add %a, %b : (tensor<?x128x512xf32>, tensor<512xf32>) -> "
     "tensor<?x128x512xf32>\n"
     "  return %r : tensor<?x128x512xf32>\n}",
     32},
    {"gelu [32,128,512]",
     "func @k(%a: tensor<?x128x512xf32>) -> tensor<?x128x512xf32> {\n"
     "  %r = mt.gelu %a : (tensor<?x128x512xf32>) -> tensor<?x128x512xf32>\n"
     "  return %r : tensor<?x128x512xf32>\n}",
     32},
    {"transpose [32,128,512] [0,2,1]",
     "func @k(%a: tensor<?x128x512xf32>) -> tensor<?x512x128xf32> {\n"
     "  %r = mt.transpose %a {permutation = [0, 2, 1]} : "
     "(tensor<?x128x512xf32>) -> tensor<?x512x128xf32>\n"
     "  return %r : tensor<?x512x128xf32>\n}",
     32},
    {"reduce_sum [32,128,512] axis 2",
     "func @k(%a: tensor<?x128x512xf32>) -> tensor<?x128xf32> {\n"
     "  %r = mt.reduce_sum %a {axis = 2} : (tensor<?x128x512xf32>) -> "
     "tensor<?x128xf32>\n"
     "  return %r : tensor<?x128xf32>\n}",
     32},
    {"reduce_mean [32,128,512] axis 1",
     "func @k(%a: tensor<?x128x512xf32>) -> tensor<?x512xf32> {\n"
     "  %r = mt.reduce_mean %a {axis = 1} : (tensor<?x128x512xf32>) -> "
     "tensor<?x512xf32>\n"
     "  return %r : tensor<?x512xf32>\n}",
     32},
    {"matmul [32,128,512]x[512,512]",
     "func @k(%a: tensor<?x128x512xf32>, %w: tensor<512x512xf32>) -> "
     "tensor<?x128x512xf32> {\n"
     "  %r = mt.matmul %a, %w : (tensor<?x128x512xf32>, tensor<512x512xf32>) "
     "-> tensor<?x128x512xf32>\n"
     "  return %r : tensor<?x128x512xf32>\n}",
     32},
    {"matmul^T [32,128,512]x[512,512]^T",
     "func @k(%a: tensor<?x128x512xf32>, %w: tensor<512x512xf32>) -> "
     "tensor<?x128x512xf32> {\n"
     "  %r = mt.matmul %a, %w {transpose_rhs = true} : (tensor<?x128x512xf32>, "
     "tensor<512x512xf32>) -> tensor<?x128x512xf32>\n"
     "  return %r : tensor<?x128x512xf32>\n}",
     32},
    {"batch_matmul [32,8,128,64]x[..,128,64]^T",
     "func @k(%a: tensor<?x8x128x64xf32>, %b: tensor<?x8x128x64xf32>) -> "
     "tensor<?x8x128x128xf32> {\n"
     "  %r = mt.batch_matmul %a, %b {transpose_rhs = true} : "
     "(tensor<?x8x128x64xf32>, tensor<?x8x128x64xf32>) -> "
     "tensor<?x8x128x128xf32>\n"
     "  return %r : tensor<?x8x128x128xf32>\n}",
     32},
    {"gather [8000,512] by [32,128]",
     "func @k(%t: tensor<8000x512xf32>, %i: tensor<?x128xi32>) -> "
     "tensor<?x128x512xf32> {\n"
     "  %r = mt.gather %t, %i : (tensor<8000x512xf32>, tensor<?x128xi32>) -> "
     "tensor<?x128x512xf32>\n"
     "  return %r : tensor<?x128x512xf32>\n}",
     32},
    {"scatter_add [32,128]x512 into 8000",
     "func @k(%i: tensor<?x128xi32>, %u: tensor<?x128x512xf32>) -> "
     "tensor<8000x512xf32> {\n"
     "  %r = mt.scatter_add %i, %u {num_rows = 8000} : (tensor<?x128xi32>, "
     "tensor<?x128x512xf32>) -> tensor<8000x512xf32>\n"
     "  return %r : tensor<8000x512xf32>\n}",
     32},
};

std::vector<int> halideSizes(llvm::ArrayRef<int64_t> shape, int batch) {
  std::vector<int> sizes;
  for (int64_t d : llvm::reverse(shape))
    sizes.push_back(d < 0 ? batch : static_cast<int>(d));
  return sizes;
}

/// Best wall time of one realization, in milliseconds.
double timeKernel(mlir::Operation *op, int batch, bool scheduled,
                  const Halide::Target &target) {
  std::mt19937 rng(7);
  std::vector<Halide::ImageParam> params;
  for (unsigned i = 0; i < op->getNumOperands(); ++i) {
    auto type = op->getOperand(i).getType().cast<mlir::RankedTensorType>();
    Halide::Type elementType = *mt::getHalideType(type.getElementType());
    params.emplace_back(elementType, static_cast<int>(type.getRank()),
                        "in" + std::to_string(i));
    Halide::Buffer<> buffer(elementType, halideSizes(type.getShape(), batch));
    void *host = buffer.raw_buffer()->host;
    for (size_t j = 0; j < buffer.number_of_elements(); ++j) {
      if (elementType.is_float())
        static_cast<float *>(host)[j] =
            std::uniform_real_distribution<float>(-1, 1)(rng);
      else // ids: valid rows of the smallest table here
        static_cast<int32_t *>(host)[j] =
            std::uniform_int_distribution<int32_t>(0, 7999)(rng);
    }
    params.back().set(buffer);
  }
  mt::LoweredKernel lowered = mt::bench::lowerOneOp(op, target, scheduled);
  lowered.batch.set(batch);
  for (size_t i = 0; i < params.size(); ++i)
    lowered.inputs[i].set(params[i].get());
  auto resultType = op->getResult(0).getType().cast<mlir::RankedTensorType>();
  Halide::Pipeline pipeline(lowered.outputFuncs());
  pipeline.compile_jit(target);
  Halide::Buffer<float> out(halideSizes(resultType.getShape(), batch));
  double best = 1e30, total = 0;
  for (int run = 0; run < 10 && total < 3000; ++run) {
    auto start = std::chrono::steady_clock::now();
    pipeline.realize(out, target);
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    best = std::min(best, ms);
    total += ms;
  }
  return best;
}

} // namespace

int main(int argc, char **argv) {
  mlir::MLIRContext context;
  context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
  Halide::Target target = mt::kernelJitTarget();
  std::printf("target %s, natural f32 vector %d\n", target.to_string().c_str(),
              target.natural_vector_size(Halide::Float(32)));
  std::printf("%-42s %14s %14s %8s\n", "kernel", "unscheduled ms",
              "scheduled ms", "speedup");
  for (const Bench &bench : kBenches) {
    if (argc > 1 && std::string(bench.name).find(argv[1]) == std::string::npos)
      continue;
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString(bench.source, &context);
    if (!module) {
      std::fprintf(stderr, "cannot parse the kernel of %s\n", bench.name);
      return 1;
    }
    mlir::Operation *op = mt::bench::outlineFirstKernel(*module);
    double plain = timeKernel(op, bench.batch, false, target);
    double tuned = timeKernel(op, bench.batch, true, target);
    std::printf("%-42s %14.2f %14.2f %7.1fx\n", bench.name, plain, tuned,
                plain / tuned);
    std::fflush(stdout);
  }
  return 0;
}
