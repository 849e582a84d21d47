//===- KernelCompiler.cpp - mt.kernel -> ahead-of-time Halide objects -----===//
//
// Deduplicates kernels by structure, builds each distinct kernel's pipeline
// serially (it reads MLIR), then compiles the pipelines, several to an
// object, and the Halide runtime they link against, on worker threads.
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

/// Kernels compiled into one object file. Each LLVM module costs a fixed
/// part (the initial module Halide links in, the pass pipeline, the object
/// writer) whatever its size; kernels in one module share it, while enough
/// objects remain to keep both workers busy to the end. Measured (mtc on
/// examples/digits.mlir with training, 182 kernels, 2 vCPUs of an AMD EPYC
/// Zen 3, 4 interleaved runs each, min / median): one kernel per object
/// 8.86 / 10.00 s wall, 16.4 / 18.6 s of CPU; 8 per object 8.41 / 9.39 s,
/// 15.5 / 17.3 s; 16 per object 8.74 / 9.50 s, 16.0 / 17.4 s.
constexpr size_t kKernelsPerObject = 8;

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
  // longest single job, so no core idles at the end. Then one job per
  // object: kKernelsPerObject consecutive kernels, lowered one by one into
  // one Halide module that LLVM optimizes and emits once.
  bool withRuntime = !options.runtimeObject.empty();
  size_t firstKernelJob = withRuntime ? 1 : 0;
  size_t objects =
      (distinct.size() + kKernelsPerObject - 1) / kKernelsPerObject;
  size_t jobs = firstKernelJob + objects;
  library.objectFiles.resize(objects);
  // What each job is doing, for the message if Halide throws.
  std::vector<std::string> doing(jobs, "the Halide runtime");
  auto compileJob = [&](size_t job) {
    if (job < firstKernelJob) {
      Halide::compile_standalone_runtime(options.runtimeObject,
                                         Halide::Target(options.halideTarget));
      return;
    }
    size_t object = job - firstKernelJob;
    size_t begin = object * kKernelsPerObject;
    size_t end = std::min(distinct.size(), begin + kKernelsPerObject);
    std::string path =
        options.outputDir + "/mt_kernels_" + std::to_string(object) + ".o";
    Halide::Module module("mt_kernels_" + std::to_string(object), target);
    for (size_t i = begin; i < end; ++i) {
      const std::string &symbol = library.symbols[i];
      doing[job] = "kernel " + symbol;
      auto &[pipeline, arguments] = pipelines[i];
      Halide::Module lowered =
          pipeline.compile_to_module(arguments, symbol, target);
      for (const Halide::Internal::LoweredFunc &function : lowered.functions())
        module.append(function);
      for (const Halide::Buffer<> &buffer : lowered.buffers())
        module.append(buffer);
      if (options.emitStatements)
        pipeline.compile_to_lowered_stmt(options.outputDir + "/" + symbol +
                                             ".stmt",
                                         arguments, Halide::Text, target);
    }
    doing[job] = "the object of kernels " + library.symbols[begin] + " to " +
                 library.symbols[end - 1];
    module.compile({{Halide::OutputFileType::object, path}});
    library.objectFiles[object] = path;
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
          firstError = doing[job] + ": " + error.what();
      }
    }
  };
  std::vector<std::future<void>> workers;
  for (unsigned t = 0; t < std::max(1u, options.threads); ++t)
    workers.push_back(std::async(std::launch::async, worker));
  bool sideJobDone = !options.whileCompiling || options.whileCompiling(library);
  for (auto &w : workers)
    w.get();
  if (!sideJobDone)
    return failure();
  if (!firstError.empty()) {
    module.emitError() << "Halide failed to compile " << firstError;
    return failure();
  }
  if (withRuntime)
    library.objectFiles.push_back(options.runtimeObject);
  return library;
}

} // namespace mt
