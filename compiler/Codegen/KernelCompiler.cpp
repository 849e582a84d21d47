//===- KernelCompiler.cpp - mt.kernel -> ahead-of-time Halide objects -----===//
//
// Deduplicates kernels by structure, builds each distinct kernel's pipeline
// serially (it reads MLIR), then compiles the pipelines, and the Halide
// runtime they link against, on worker threads.
//
//===----------------------------------------------------------------------===//

#include "Codegen/KernelCompiler.h"

#include "Codegen/FlatKernels.h"
#include "Codegen/KernelCodegenSettings.h"

#include "Conversion/MTToHalide/LowerKernel.h"
#include "Schedules/Schedule.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <Halide.h>

#include <atomic>
#include <future>
#include <mutex>

using namespace mlir;

namespace mt {
namespace {

/// A key that is equal for kernels computing the same function: each body
/// op's name, attributes, result types and operands (as positions). With
/// `flat`, the types are those of the kernel's flat copy (FlatKernels.h), so
/// the key is known before any copy is made.
std::string structuralKey(KernelOp kernel, bool flat) {
  auto typeOf = [&](Value v) {
    return flat ? flatType(v.getType()) : v.getType();
  };
  std::string key;
  llvm::raw_string_ostream os(key);
  DenseMap<Value, unsigned> ids;
  Block &body = kernel.getBody().front();
  for (BlockArgument arg : body.getArguments()) {
    ids[arg] = ids.size();
    os << "arg:" << typeOf(arg) << ";";
  }
  for (Operation &op : body) {
    os << op.getName() << "(";
    for (Value operand : op.getOperands())
      os << ids.lookup(operand) << ",";
    os << ")";
    for (NamedAttribute attr : op.getAttrs())
      os << attr.getName().getValue() << "=" << attr.getValue() << ";";
    for (Value result : op.getResults()) {
      os << typeOf(result) << ";";
      ids[result] = ids.size();
    }
    os << "\n";
  }
  return os.str();
}

/// Builds and schedules the pipeline of one kernel.
FailureOr<std::pair<Halide::Pipeline, std::vector<Halide::Argument>>>
buildPipeline(KernelOp kernel, const Halide::Target &target) {
  FailureOr<LoweredKernel> lowered = lowerKernel(kernel);
  if (failed(lowered) || failed(scheduleKernel(*lowered, target)))
    return failure();
  return std::make_pair(Halide::Pipeline(lowered->outputFuncs()),
                        lowered->arguments());
}

} // namespace

FailureOr<KernelLibrary> compileKernels(ModuleOp module,
                                        const KernelCompileOptions &options) {
  Halide::Target target =
      kernelCodegenTarget(Halide::Target(options.halideTarget))
          .with_feature(Halide::Target::NoRuntime);
  if (!options.asserts)
    target = target.with_feature(Halide::Target::NoAsserts)
                 .with_feature(Halide::Target::NoBoundsQuery);

  KernelLibrary library;
  llvm::StringMap<std::string> symbolOfKey;
  // What is compiled for each distinct kernel: the kernel itself, or its
  // flat copy in `scratch`.
  std::vector<KernelOp> distinct;
  OwningOpRef<ModuleOp> scratch = ModuleOp::create(module.getLoc());
  OpBuilder builder(scratch->getBodyRegion());
  bool misplaced = false;
  module.walk([&](KernelOp kernel) {
    Block &body = kernel.getBody().front();
    if (auto reduce = dyn_cast<AllReduceOp>(body.front())) {
      if (&body.front() != body.getTerminator()->getPrevNode()) {
        misplaced = true;
        kernel.emitOpError("holds an mt.all_reduce and other ops; the "
                           "reduction must be a kernel of its own");
      }
      library.allReduces.insert(kernel);
      library.symbolOf[kernel] =
          "mt_all_reduce_" + std::to_string(reduce.getInputs().size());
      return;
    }
    bool flat = isFlattenable(kernel);
    if (flat)
      library.flattened.insert(kernel);
    auto [it, inserted] = symbolOfKey.try_emplace(
        structuralKey(kernel, flat), "mt_" + kernel.getKernelName().str());
    library.symbolOf[kernel] = it->second;
    if (inserted) {
      library.symbols.push_back(it->second);
      distinct.push_back(flat ? cloneFlattened(kernel, builder) : kernel);
    }
  });

  if (misplaced)
    return failure();

  // Building a pipeline touches MLIR (diagnostics, types): done serially.
  // Halide's compilation of distinct pipelines is independent and runs on
  // `threads` workers.
  std::vector<std::pair<Halide::Pipeline, std::vector<Halide::Argument>>>
      pipelines;
  for (KernelOp kernel : distinct) {
    try {
      auto built = buildPipeline(kernel, target);
      if (failed(built))
        return failure();
      pipelines.push_back(std::move(*built));
    } catch (const Halide::Error &error) {
      kernel.emitOpError() << "Halide rejected the kernel: " << error.what();
      return failure();
    }
  }

  // Job 0 is the Halide runtime when it is asked for: queued first, as the
  // longest single job, so no core idles at the end.
  bool withRuntime = !options.runtimeObject.empty();
  size_t firstKernelJob = withRuntime ? 1 : 0;
  size_t jobs = firstKernelJob + distinct.size();
  library.objectFiles.resize(distinct.size());
  auto compileJob = [&](size_t job) {
    if (job < firstKernelJob) {
      Halide::compile_standalone_runtime(options.runtimeObject,
                                         Halide::Target(options.halideTarget));
      return;
    }
    size_t i = job - firstKernelJob;
    const std::string &symbol = library.symbols[i];
    std::string base = options.outputDir + "/" + symbol;
    auto &[pipeline, arguments] = pipelines[i];
    pipeline.compile_to_object(base + ".o", arguments, symbol, target);
    if (options.emitStatements)
      pipeline.compile_to_lowered_stmt(base + ".stmt", arguments, Halide::Text,
                                       target);
    library.objectFiles[i] = base + ".o";
  };
  std::atomic<size_t> next{0};
  std::mutex errorMutex;
  std::string firstError;
  auto worker = [&]() {
    for (size_t job = next++; job < jobs; job = next++) {
      try {
        compileJob(job);
      } catch (const Halide::Error &error) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (firstError.empty())
          firstError =
              (job < firstKernelJob
                   ? std::string("the Halide runtime")
                   : "kernel " + library.symbols[job - firstKernelJob]) +
              ": " + error.what();
      }
    }
  };
  std::vector<std::future<void>> workers;
  for (unsigned t = 0; t < std::max(1u, options.threads); ++t)
    workers.push_back(std::async(std::launch::async, worker));
  for (auto &w : workers)
    w.get();
  if (!firstError.empty()) {
    module.emitError() << "Halide failed to compile " << firstError;
    return failure();
  }
  if (withRuntime)
    library.objectFiles.push_back(options.runtimeObject);
  return library;
}

} // namespace mt
