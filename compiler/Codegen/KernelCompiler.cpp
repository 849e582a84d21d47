//===- KernelCompiler.cpp - mt.kernel -> ahead-of-time Halide objects -----===//
//
// Deduplicates kernels by structure, builds each distinct kernel's pipeline
// serially (it reads MLIR), then compiles the pipelines on worker threads.
//
//===----------------------------------------------------------------------===//

#include "Codegen/KernelCompiler.h"

#include "Conversion/MTToHalide/LowerPrimitive.h"
#include "Schedules/cpu/CpuSchedule.h"

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
/// op's name, attributes, result types and operands (as positions).
std::string structuralKey(KernelOp kernel) {
  std::string key;
  llvm::raw_string_ostream os(key);
  DenseMap<Value, unsigned> ids;
  Block &body = kernel.getBody().front();
  for (BlockArgument arg : body.getArguments()) {
    ids[arg] = ids.size();
    os << "arg:" << arg.getType() << ";";
  }
  for (Operation &op : body) {
    os << op.getName() << "(";
    for (Value operand : op.getOperands())
      os << ids.lookup(operand) << ",";
    os << ")";
    for (NamedAttribute attr : op.getAttrs())
      os << attr.getName().getValue() << "=" << attr.getValue() << ";";
    for (Value result : op.getResults()) {
      os << result.getType() << ";";
      ids[result] = ids.size();
    }
    os << "\n";
  }
  return os.str();
}

/// Builds and schedules the pipeline of one kernel.
FailureOr<std::pair<Halide::Pipeline, std::vector<Halide::Argument>>>
buildPipeline(KernelOp kernel, const Halide::Target &target) {
  Halide::Param<int32_t> batch("batch");
  std::vector<Halide::Argument> arguments{batch};
  DenseMap<Value, Halide::Func> funcs;
  Block &body = kernel.getBody().front();
  for (BlockArgument arg : body.getArguments()) {
    auto type = arg.getType().cast<RankedTensorType>();
    FailureOr<Halide::Type> element = getHalideType(type.getElementType());
    if (failed(element)) {
      kernel.emitOpError() << "input #" << arg.getArgNumber()
                           << " has an unsupported element type";
      return failure();
    }
    Halide::ImageParam input(*element, type.getRank(),
                             "input" + std::to_string(arg.getArgNumber()));
    arguments.push_back(input);
    funcs[arg] = input;
  }
  Operation *last = nullptr;
  for (Operation &op : body.without_terminator()) {
    std::vector<Halide::Func> operands;
    for (Value operand : op.getOperands())
      operands.push_back(funcs.lookup(operand));
    FailureOr<Halide::Func> func = lowerPrimitive(&op, operands, batch);
    if (failed(func))
      return failure();
    funcs[op.getResult(0)] = *func;
    last = &op;
  }
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().size() != 1 || !last ||
      yield.getValues()[0] != last->getResult(0)) {
    kernel.emitOpError("code generation supports kernels whose last op "
                       "computes their single result");
    return failure();
  }
  Halide::Func result = funcs.lookup(last->getResult(0));
  auto resultType = last->getResult(0).getType().cast<RankedTensorType>();
  SmallVector<int64_t, 4> shape;
  for (int64_t dim : resultType.getShape())
    shape.push_back(ShapedType::isDynamic(dim) ? -1 : dim);
  scheduleForCpu(last, result, shape, target);
  return std::make_pair(Halide::Pipeline(result), arguments);
}

} // namespace

FailureOr<KernelLibrary> compileKernels(ModuleOp module,
                                        const KernelCompileOptions &options) {
  Halide::Target target(options.halideTarget);
  target = target.with_feature(Halide::Target::NoRuntime);

  KernelLibrary library;
  llvm::StringMap<std::string> symbolOfKey;
  std::vector<KernelOp> distinct;
  module.walk([&](KernelOp kernel) {
    std::string key = structuralKey(kernel);
    auto [it, inserted] = symbolOfKey.try_emplace(
        key, "mt_" + kernel.getKernelName().str());
    library.symbolOf[kernel] = it->second;
    if (inserted) {
      library.symbols.push_back(it->second);
      distinct.push_back(kernel);
    }
  });

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

  library.objectFiles.resize(distinct.size());
  std::atomic<size_t> next{0};
  std::mutex errorMutex;
  std::string firstError;
  auto worker = [&]() {
    for (size_t i = next++; i < distinct.size(); i = next++) {
      const std::string &symbol = library.symbols[i];
      std::string base = options.outputDir + "/" + symbol;
      try {
        auto &[pipeline, arguments] = pipelines[i];
        pipeline.compile_to_object(base + ".o", arguments, symbol, target);
        if (options.emitStatements)
          pipeline.compile_to_lowered_stmt(base + ".stmt", arguments,
                                           Halide::Text, target);
        library.objectFiles[i] = base + ".o";
      } catch (const Halide::Error &error) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (firstError.empty())
          firstError = symbol + ": " + error.what();
      }
    }
  };
  std::vector<std::future<void>> workers;
  for (unsigned t = 0; t < std::max(1u, options.threads); ++t)
    workers.push_back(std::async(std::launch::async, worker));
  for (auto &w : workers)
    w.get();
  if (!firstError.empty()) {
    module.emitError() << "Halide failed to compile kernel " << firstError;
    return failure();
  }
  return library;
}

LogicalResult compileHalideRuntime(const std::string &halideTarget,
                                   const std::string &objectPath,
                                   std::string &error) {
  try {
    Halide::compile_standalone_runtime(objectPath,
                                       Halide::Target(halideTarget));
    return success();
  } catch (const Halide::Error &e) {
    error = e.what();
    return failure();
  }
}

} // namespace mt
