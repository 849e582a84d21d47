// mt-bench-matmul: GFLOP/s of every matmul and batch_matmul shape of the
// two benchmark configs (bench/models: seed_size.mlir, small.mlir) at batch
// 32, in every layout decomposition and autodiff produce, each beside its
// bound measured in the same run:
//  - the ceiling: the machine's f32 FMA peak on all threads (a register-only
//    FMA loop, the most any sgemm can reach; OpenBLAS reaches ~90% of it);
//  - for thin shapes (min(M, N, K) < 128), the lower of the ceiling and the
//    rate memory bandwidth allows for the bytes the kernel must move
//    (operands read once, result written once; bandwidth measured here by a
//    streaming read on all threads).
// Kernels are compiled exactly as mtc compiles them (one-op mt.kernel,
// lowerKernel, scheduleKernel), JIT for the host target, their parallel
// loops on the runtime's thread pool as in a compiled model; each time is
// the median of 7 runs after one warm-up.
//
//   mt-bench-matmul [name-substring] [--asm DIR]

#include "BenchKernel.h"

#include "Codegen/KernelCodegenSettings.h"

#include "Conversion/MTToHalide/LowerPrimitive.h"

#include "mtc/thread_pool.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kBatch = 32;

double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

//===----------------------------------------------------------------------===//
// The machine's bounds
//===----------------------------------------------------------------------===//

typedef float V8 __attribute__((vector_size(32)));
typedef float V16 __attribute__((vector_size(64)));

/// 12 independent FMA chains, enough to cover the FMA latency on two pipes;
/// each function is compiled for its ISA, so the body is a macro rather
/// than a template (which would be compiled for the baseline ISA). Returns
/// the flops done.
#define MT_FMA_LOOP(Vec, lanes)                                                \
  Vec acc[12], a, b;                                                           \
  for (int i = 0; i < lanes; ++i) {                                            \
    a[i] = 0.999999f;                                                          \
    b[i] = 1e-7f;                                                              \
  }                                                                            \
  for (Vec & v : acc)                                                          \
    v = b;                                                                     \
  for (long it = 0; it < iterations; ++it)                                     \
    for (Vec & v : acc)                                                        \
      v = v * a + b;                                                           \
  volatile float sink = 0;                                                     \
  for (Vec & v : acc)                                                          \
    sink = sink + v[0];                                                        \
  return 2.0 * lanes * 12 * iterations;

__attribute__((target("avx2,fma"))) double fmaAvx2(long iterations) {
  MT_FMA_LOOP(V8, 8)
}
__attribute__((target("avx512f"))) double fmaAvx512(long iterations) {
  MT_FMA_LOOP(V16, 16)
}

template <typename Work> double onAllThreads(Work work) {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  std::atomic<long long> total{0};
  double start = seconds();
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { total += static_cast<long long>(work(t)); });
  for (std::thread &t : pool)
    t.join();
  return static_cast<double>(total) / (seconds() - start);
}

/// f32 FMA peak in GFLOP/s, best of 3 runs of about 20 ms.
double fmaPeak(bool avx512) {
  double best = 0;
  for (int i = 0; i < 3; ++i)
    best = std::max(best, onAllThreads([&](unsigned) {
                      return avx512 ? fmaAvx512(3000000) : fmaAvx2(3000000);
                    }));
  return best / 1e9;
}

/// Streaming read bandwidth in GB/s, best of 3 passes over 256 MiB.
double readBandwidth() {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  size_t perThread = (size_t(256) << 20) / sizeof(float) / threads;
  std::vector<std::vector<uint32_t>> data(threads,
                                          std::vector<uint32_t>(perThread, 1));
  double best = 0;
  for (int pass = 0; pass < 3; ++pass)
    best = std::max(best, onAllThreads([&](unsigned t) {
                      // Integer adds vectorize (float adds would be
                      // bound by their latency, not by memory).
                      uint32_t sum = 0;
                      const uint32_t *p = data[t].data();
                      for (size_t i = 0; i < perThread; ++i)
                        sum += p[i];
                      volatile uint32_t sink = sum;
                      (void)sink;
                      return perThread * sizeof(uint32_t);
                    }));
  return best / 1e9;
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

struct Shape {
  std::string name;
  std::string op; // mt op text with %a, %b
  std::string lhs, rhs, result;
  double m, n, k, batches; // per product, and how many products
};

std::string t(const std::string &dims) { return "tensor<" + dims + "xf32>"; }
std::string s(long v) { return std::to_string(v); }

/// The products of one config: each linear in the forward (x W^T), input
/// gradient (dY W) and weight gradient (dY^T x over all rows) layouts, and
/// attention's per-head products forward and backward.
std::vector<Shape> shapesOf(const std::string &config, long f, long seq, long d,
                            long heads, long ff, long tasks) {
  std::vector<Shape> shapes;
  auto linear = [&](const std::string &what, long rows, long in, long out) {
    std::string x = "?x" + s(rows) + "x" + s(in),
                y = "?x" + s(rows) + "x" + s(out);
    std::string w = s(out) + "x" + s(in);
    double m = kBatch * rows;
    shapes.push_back({config + " " + what + " x.W^T",
                      "mt.matmul %a, %b {transpose_rhs = true}", t(x), t(w),
                      t(y), m, double(out), double(in), 1});
    shapes.push_back({config + " " + what + " dY.W", "mt.matmul %a, %b", t(y),
                      t(w), t(x), m, double(in), double(out), 1});
    shapes.push_back({config + " " + what + " dY^T.x",
                      "mt.contract_leading %a, %b", t(y), t(x),
                      t(s(out) + "x" + s(in)), double(out), double(in),
                      double(rows) * kBatch, 1});
  };
  linear("input " + s(f) + "->" + s(d), seq, f, d);
  linear("qkv/out " + s(d) + "->" + s(d), seq, d, d);
  linear("linear1 " + s(d) + "->" + s(ff), seq, d, ff);
  linear("linear2 " + s(ff) + "->" + s(d), seq, ff, d);
  linear("task q " + s(d) + "->" + s(d), tasks, d, d);
  long dk = d / heads;
  auto head = [&](const std::string &what, const std::string &op,
                  const std::string &lhs, const std::string &rhs,
                  const std::string &result, double m, double n, double k) {
    std::string pre = "?x" + s(heads) + "x";
    shapes.push_back({config + " " + what, op, t(pre + lhs), t(pre + rhs),
                      t(pre + result), m, n, k, double(kBatch * heads)});
  };
  auto attention = [&](const std::string &what, long q, long kv) {
    std::string Q = s(q) + "x" + s(dk), K = s(kv) + "x" + s(dk),
                P = s(q) + "x" + s(kv);
    // Q K^T (also dP = dO V^T), P V (also dQ = dS K), P^T dO (also
    // dK = dS^T Q).
    head(what + " Q.K^T", "mt.batch_matmul %a, %b {transpose_rhs = true}", Q, K,
         P, q, kv, dk);
    head(what + " P.V", "mt.batch_matmul %a, %b", P, K, Q, q, dk, kv);
    head(what + " P^T.dO", "mt.batch_matmul %a, %b {transpose_lhs = true}", P,
         Q, K, kv, dk, q);
  };
  attention("self-attn", seq, seq);
  attention("task cross-attn", tasks, seq);
  return shapes;
}

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//

std::vector<int> sizesOf(mlir::Type type) {
  std::vector<int> sizes;
  for (int64_t dim :
       llvm::reverse(type.cast<mlir::RankedTensorType>().getShape()))
    sizes.push_back(dim < 0 ? kBatch : static_cast<int>(dim));
  return sizes;
}

std::string fileNameOf(std::string name) {
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return name;
}

/// Median milliseconds of one call of the compiled kernel; with `asmDir`,
/// also writes the kernel's assembly there.
double timeShape(mlir::MLIRContext &context, const Shape &shape,
                 const Halide::Target &target, const std::string &asmDir) {
  std::string source = "func @k(%a: " + shape.lhs + ", %b: " + shape.rhs +
                       ") -> " + shape.result + " {\n  %r = " + shape.op +
                       " : (" + shape.lhs + ", " + shape.rhs + ") -> " +
                       shape.result + "\n  return %r : " + shape.result + "\n}";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString(source, &context);
  if (!module) {
    std::fprintf(stderr, "cannot parse %s\n", source.c_str());
    std::exit(1);
  }
  mlir::Operation *op = mt::bench::outlineFirstKernel(*module);
  mt::LoweredKernel lowered = mt::bench::lowerOneOp(op, target, true);
  std::mt19937 rng(7);
  std::vector<Halide::Buffer<float>> inputs;
  for (unsigned i = 0; i < 2; ++i) {
    inputs.emplace_back(sizesOf(op->getOperand(i).getType()));
    inputs.back().for_each_value([&](float &v) {
      v = std::uniform_real_distribution<float>(-1, 1)(rng);
    });
    lowered.inputs[i].set(inputs.back());
  }
  lowered.batch.set(kBatch);
  Halide::Pipeline pipeline(lowered.outputFuncs());
  if (!asmDir.empty())
    pipeline.compile_to_assembly(asmDir + "/" + fileNameOf(shape.name) + ".s",
                                 lowered.arguments(), "k", target);
  pipeline.compile_jit(target);
  // The same ABI as Halide's JIT handler, whose user context is opaque.
  pipeline.jit_handlers().custom_do_par_for = reinterpret_cast<int (*)(
      Halide::JITUserContext *,
      int (*)(Halide::JITUserContext *, int, uint8_t *), int, int, uint8_t *)>(
      mtc::doParFor);
  Halide::Buffer<float> out(sizesOf(op->getResult(0).getType()));
  pipeline.realize(out, target);
  std::vector<double> times;
  for (int run = 0; run < 7; ++run) {
    double start = seconds();
    pipeline.realize(out, target);
    times.push_back((seconds() - start) * 1e3);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  mlir::MLIRContext context;
  context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
  Halide::Target target = mt::kernelJitTarget();
  bool avx512 = target.has_feature(Halide::Target::AVX512);
  double peak = fmaPeak(avx512), bandwidth = readBandwidth();
  std::printf("target %s, %u threads\n", target.to_string().c_str(),
              std::thread::hardware_concurrency());
  std::printf("ceiling: f32 FMA peak %.1f GFLOP/s (%s); read bandwidth %.1f "
              "GB/s\n",
              peak, avx512 ? "AVX-512" : "AVX2", bandwidth);
  std::printf("%-40s %16s %9s %8s %8s %6s\n", "product (batch 32)",
              "M x N x K (xP)", "ms", "GFLOP/s", "bound", "%bound");
  std::vector<Shape> shapes = shapesOf("seed", 64, 128, 512, 8, 2048, 3);
  for (const Shape &shape : shapesOf("small", 32, 64, 128, 4, 512, 3))
    shapes.push_back(shape);
  std::string filter, asmDir;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--asm" && i + 1 < argc)
      asmDir = argv[++i];
    else
      filter = argv[i];
  }
  double worst = 1e9;
  for (const Shape &shape : shapes) {
    if (shape.name.find(filter) == std::string::npos)
      continue;
    double ms = timeShape(context, shape, target, asmDir);
    // The ceiling again beside each product: these VMs' clocks drift.
    peak = fmaPeak(avx512);
    double flops = 2 * shape.m * shape.n * shape.k * shape.batches;
    double bytes = 4 * shape.batches *
                   (shape.m * shape.k + shape.k * shape.n + shape.m * shape.n);
    bool thin = std::min({shape.m, shape.n, shape.k}) < 128;
    double bound =
        thin ? std::min(peak, flops / (bytes / (bandwidth * 1e9)) / 1e9) : peak;
    double rate = flops / (ms * 1e-3) / 1e9;
    worst = std::min(worst, rate / bound);
    char dims[64];
    std::snprintf(dims, sizeof dims, "%.0fx%.0fx%.0f (x%.0f)", shape.m, shape.n,
                  shape.k, shape.batches);
    std::printf("%-40s %16s %9.3f %8.1f %8.1f %5.0f%%\n", shape.name.c_str(),
                dims, ms, rate, bound, 100 * rate / bound);
    std::fflush(stdout);
  }
  std::printf("worst: %.0f%% of its bound\n", 100 * worst);
  return 0;
}
