//===- mtc.cpp - the multitask Transformer compiler driver ----------------===//
//
// model.mlir -> (buildPrimitivePipeline, buildKernelPipeline) -> kernels ->
// Halide objects + generated host code -> executable or library. `--emit`
// stops the real driver at any stage, in this order:
//   mlir, halide-stmt, object, library or shared, executable.
// `--backend=interpreter` runs the planned IR through the reference
// interpreter instead (the oracle for compiled binaries).
//
//===----------------------------------------------------------------------===//

#include "Codegen/HostCodegen.h"
#include "Codegen/KernelCompiler.h"
#include "Codegen/Toolchain.h"
#include "Pipeline/Pipeline.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/Arithmetic/IR/Arithmetic.h"
#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/xxhash.h"

#include <Halide.h>

#include "InterpreterBackend.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Emit { Mlir, HalideStmt, Object, Library, Shared, Executable };

cl::OptionCategory mtcCategory("mtc options");

// Required, but checked after parsing so that --print-runtime needs none.
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                               cl::cat(mtcCategory));
cl::opt<std::string> outputFile("o", cl::desc("output path"),
                                cl::value_desc("path"), cl::cat(mtcCategory));
cl::opt<Emit> emitStage(
    "emit", cl::desc("the last stage to run"), cl::init(Emit::Executable),
    cl::values(clEnumValN(Emit::Mlir, "mlir", "the planned IR"),
               clEnumValN(Emit::HalideStmt, "halide-stmt",
                          "each kernel's lowered Halide statement (a dir)"),
               clEnumValN(Emit::Object, "object",
                          "kernel, host and Halide runtime objects (a dir)"),
               clEnumValN(Emit::Library, "library",
                          "a static library and its C header (<o>.h)"),
               clEnumValN(Emit::Shared, "shared",
                          "a shared library exporting the C API (mtc.h): "
                          "what the Python package loads"),
               clEnumValN(Emit::Executable, "executable",
                          "a standalone executable (default)")),
    cl::cat(mtcCategory));
cl::opt<std::string> targetName(
    "target",
    cl::desc("host, x86-64-avx2, x86-64-avx512, cuda, or a Halide target "
             "string"),
    cl::init("host"), cl::cat(mtcCategory));
cl::opt<std::string>
    dumpAfter("dump-after", cl::desc("write the IR after this pass (or 'all')"),
              cl::value_desc("pass|all"), cl::cat(mtcCategory));
cl::opt<std::string> dumpDir("dump-dir",
                             cl::desc("directory for --dump-after files "
                                      "(default: stderr)"),
                             cl::cat(mtcCategory));
cl::opt<bool> noFuse("no-fuse",
                     cl::desc("one primitive per kernel (mt-fuse makes "
                              "one-op groups); the same numbers as fused"),
                     cl::cat(mtcCategory));
cl::opt<bool> kernelAsserts(
    "kernel-asserts",
    cl::desc("keep Halide's buffer checks in every kernel (off by default: "
             "the generated host code is the only caller; on, they catch a "
             "compiler bug as a located kernel error)"),
    cl::cat(mtcCategory));
cl::opt<bool> sanitize(
    "sanitize",
    cl::desc("build the host code and the runtime with AddressSanitizer and "
             "UndefinedBehaviorSanitizer (not the Halide kernels), to find "
             "memory errors of a model's runs or of an embedder's calls"),
    cl::cat(mtcCategory));
cl::opt<bool> profile("profile",
                      cl::desc("per-kernel timings from Halide's profiler, "
                               "printed when the binary exits"),
                      cl::cat(mtcCategory));
cl::opt<bool> printRuntime(
    "print-runtime",
    cl::desc("print where the runtime's headers and libraries are taken "
             "from (an installed prefix, or the build tree) and exit"),
    cl::Hidden, cl::cat(mtcCategory));
cl::opt<bool> inferenceOnly(
    "inference-only",
    cl::desc("compile only the forward entry point (no train / eval)"),
    cl::cat(mtcCategory));
cl::opt<unsigned> jobs("j", cl::desc("kernels compiled in parallel"),
                       cl::init(2), cl::cat(mtcCategory));
cl::opt<std::string>
    backend("backend",
            cl::desc("halide (compile) or interpreter (run the planned IR "
                     "on --data through the reference interpreter)"),
            cl::init("halide"), cl::cat(mtcCategory));
cl::opt<std::string>
    entryPoint("entry",
               cl::desc("interpreter: the entry point to run (forward, "
                        "train_step_adam, train_step_sgd, eval_step)"),
               cl::init("forward"), cl::cat(mtcCategory));
cl::opt<bool> interpretKernels(
    "interpret-kernels",
    cl::desc("interpreter: run the kernel IR (after mt-fuse, "
             "mt-outline-kernels, mt-plan-memory) instead of the primitives, "
             "to tell a fusion bug from a lowering bug"),
    cl::cat(mtcCategory));
cl::opt<std::string> dataFile("data", cl::desc("interpreter: dataset"),
                              cl::cat(mtcCategory));
cl::opt<std::string> weightsFile("weights", cl::desc("interpreter: weights"),
                                 cl::cat(mtcCategory));
cl::opt<std::string> predictionsFile("out",
                                     cl::desc("interpreter: predictions"),
                                     cl::cat(mtcCategory));

int fail(const llvm::Twine &message) {
  llvm::errs() << "mtc: " << message << "\n";
  return 1;
}

/// Resolves --target to a Halide target and the CPU features it needs.
bool resolveTarget(Halide::Target &target, std::vector<std::string> &features,
                   std::string &error) {
  std::string name = targetName;
  if (name == "host")
    target = Halide::get_host_target();
  else if (name == "x86-64-avx2")
    target = Halide::Target("x86-64-linux-avx-avx2-f16c-fma-sse41");
  else if (name == "x86-64-avx512")
    target = Halide::Target(
        "x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-sse41");
  else if (name == "cuda")
    // Volta's PTX (sm_70): Volta and every later GPU run it, the newer ones
    // through the driver's JIT (Halide 14 knows capabilities up to 86); a
    // Halide target string with cuda_capability_NN picks another.
    target = Halide::get_host_target()
                 .with_feature(Halide::Target::CUDA)
                 .with_feature(Halide::Target::CUDACapability70);
  else if (Halide::Target::validate_target_string(name)) {
    target = Halide::Target(name);
  } else {
    error = "unknown target '" + name +
            "'; expected host, x86-64-avx2, x86-64-avx512, cuda or a Halide "
            "target string";
    return false;
  }
  if (target.has_gpu_feature() && !target.has_feature(Halide::Target::CUDA)) {
    error = "target '" + name +
            "': the only GPU target MTC schedules for "
            "is CUDA";
    return false;
  }
  if (target.arch != Halide::Target::X86 || target.bits != 64 ||
      target.os != Halide::Target::Linux) {
    error = "target '" + name + "': only x86-64 Linux is supported";
    return false;
  }
  if (profile)
    target = target.with_feature(Halide::Target::Profile);
  const std::pair<Halide::Target::Feature, const char *> known[] = {
      {Halide::Target::SSE41, "sse41"},
      {Halide::Target::AVX, "avx"},
      {Halide::Target::AVX2, "avx2"},
      {Halide::Target::FMA, "fma"},
      {Halide::Target::F16C, "f16c"},
      {Halide::Target::AVX512, "avx512f"},
      {Halide::Target::AVX512_Skylake, "avx512bw"},
      {Halide::Target::AVX512_Skylake, "avx512dq"},
      {Halide::Target::AVX512_Skylake, "avx512vl"}};
  for (auto &[feature, cpuName] : known)
    if (target.has_feature(feature))
      features.push_back(cpuName);
  return true;
}

/// Writes each pass's IR after it ran (--dump-after).
struct DumpAfter : public PassInstrumentation {
  void runAfterPass(Pass *pass, Operation *op) override {
    std::string argument = pass->getArgument().str();
    if (dumpAfter != "all" && dumpAfter != argument)
      return;
    ++index;
    if (dumpDir.empty()) {
      llvm::errs() << "// ----- IR after " << argument << " -----\n";
      op->print(llvm::errs());
      llvm::errs() << "\n";
      return;
    }
    std::string path = llvm::formatv("{0}/{1:02}-{2}.mlir", dumpDir.getValue(),
                                     index, argument);
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec) {
      llvm::errs() << "mtc: cannot write " << path << ": " << ec.message()
                   << "\n";
      return;
    }
    op->print(os);
  }
  unsigned index = 0;
};

std::string fingerprintOf(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  // xxHash64 is stable across LLVM versions (llvm::hash_value is not):
  // checkpoints keep this fingerprint.
  return llvm::utohexstr(llvm::xxHash64(os.str()), /*LowerCase=*/true);
}

/// --help lists mtc's own options. The hundreds that the linked LLVM and
/// MLIR libraries register (every backend's) still work, and --help-hidden
/// lists them.
void hideLibraryOptions() {
  for (auto &entry : cl::getRegisteredOptions()) {
    cl::Option *option = entry.second;
    bool generic = llvm::any_of(option->Categories, [](auto *category) {
      return category->getName() == "Generic Options"; // --help, --version
    });
    if (!generic && !llvm::is_contained(option->Categories, &mtcCategory) &&
        option->getOptionHiddenFlag() == cl::NotHidden)
      option->setHiddenFlag(cl::Hidden);
  }
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  hideLibraryOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "mtc: compiles a multitask Transformer model\n");

  if (printRuntime) {
    llvm::outs() << mt::describeRuntimeLayout();
    return 0;
  }
  if (inputFile.empty())
    return fail("no model file given (usage: mtc [options] <model.mlir>; "
                "--help lists the options)");
  // Flag errors first, before any work.
  if (backend != "halide" && backend != "interpreter")
    return fail("unknown backend '" + backend +
                "'; expected halide or interpreter");
  Halide::Target target;
  std::vector<std::string> features;
  std::string error;
  if (backend == "halide" && !resolveTarget(target, features, error))
    return fail(error);
  // The generated host code passes host buffers and never copies results
  // back from the device: until it manages device memory (the issue "CUDA
  // target"), a CUDA build stops at the kernels.
  if (backend == "halide" && target.has_feature(Halide::Target::CUDA) &&
      emitStage != Emit::Mlir && emitStage != Emit::HalideStmt &&
      emitStage != Emit::Object)
    return fail("--target " + targetName +
                ": CUDA code generation stops at the kernels for now "
                "(--emit=halide-stmt or --emit=object); executables and "
                "libraries need the device-memory runtime, not built yet");
  if (sanitize && emitStage == Emit::Shared)
    return fail("--sanitize with --emit=shared: a sanitized library loads "
                "only into a process started with the sanitizer runtime "
                "(not Python's); sanitize an executable or --emit=library");

  MLIRContext context;
  context.loadDialect<mt::MTDialect, StandardOpsDialect,
                      arith::ArithmeticDialect>();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile(inputFile, sourceMgr, &context);
  if (!module)
    return 1;

  if (!dumpDir.empty() && dumpAfter.empty())
    dumpAfter = "all";
  if (!dumpDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(dumpDir))
      return fail("cannot create " + dumpDir + ": " + ec.message());

  PassManager pm(&context);
  bool interpret = backend == "interpreter";
  mt::buildPrimitivePipeline(pm, interpret ? entryPoint != "forward"
                                           : !inferenceOnly);
  // The interpreter runs primitives unless asked for the kernels; code
  // generation needs planned kernels.
  if (!interpret || interpretKernels)
    mt::buildKernelPipeline(pm, /*fuse=*/!noFuse);
  if (!dumpAfter.empty()) {
    bool known = dumpAfter == "all";
    for (Pass &pass : pm.getPasses())
      known = known || pass.getArgument() == dumpAfter;
    if (!known)
      return fail("--dump-after: no pass '" + dumpAfter + "' in the pipeline");
    pm.addInstrumentation(std::make_unique<DumpAfter>());
  }
  if (failed(pm.run(*module)))
    return 1;

  std::string stem = llvm::sys::path::stem(inputFile).str();
  if (interpret)
    return mt::runInterpreterBackend(*module, entryPoint, dataFile, weightsFile,
                                     predictionsFile);

  if (emitStage == Emit::Mlir) {
    std::string path = outputFile.empty() ? "-" : outputFile.getValue();
    auto out = openOutputFile(path, &error);
    if (!out)
      return fail(error);
    module->print(out->os());
    out->os() << "\n";
    out->keep();
    return 0;
  }

  // Everything but the final product goes to a work directory.
  std::string output = outputFile.empty() ? stem : outputFile.getValue();
  bool outputIsDir = emitStage == Emit::HalideStmt || emitStage == Emit::Object;
  llvm::SmallString<128> work;
  if (outputIsDir) {
    work = output;
    if (std::error_code ec = llvm::sys::fs::create_directories(work))
      return fail("cannot create " + output + ": " + ec.message());
  } else if (std::error_code ec =
                 llvm::sys::fs::createUniqueDirectory("mtc", work)) {
    return fail("cannot create a work directory: " + ec.message());
  }
  auto cleanup = llvm::make_scope_exit([&] {
    if (!outputIsDir)
      llvm::sys::fs::remove_directories(work);
  });

  mt::KernelCompileOptions kernelOptions;
  kernelOptions.halideTarget = target.to_string();
  kernelOptions.outputDir = work.str().str();
  kernelOptions.emitStatements = emitStage == Emit::HalideStmt;
  kernelOptions.threads = jobs;
  kernelOptions.asserts = kernelAsserts;
  if (emitStage != Emit::HalideStmt)
    kernelOptions.runtimeObject = (work + "/halide_runtime.o").str();

  // The host code needs the kernels' symbols, not their objects: it is
  // generated and compiled (by `c++`, another process) while the kernels
  // compile.
  std::string hostSource = (work + "/" + stem + "_model.cpp").str();
  std::string hostObject = (work + "/" + stem + "_model.o").str();
  mt::ToolchainOptions toolchain;
  toolchain.sanitize = sanitize;
  std::string hostError;
  if (emitStage != Emit::HalideStmt)
    kernelOptions.whileCompiling = [&](const mt::KernelLibrary &kernels) {
      mt::HostCodegenOptions hostOptions;
      hostOptions.modelName = stem;
      hostOptions.fingerprint = fingerprintOf(*module);
      hostOptions.halideTarget = target.to_string();
      hostOptions.requiredCpuFeatures = features;
      {
        std::error_code ec;
        llvm::raw_fd_ostream os(hostSource, ec);
        if (ec) {
          hostError = "cannot write " + hostSource + ": " + ec.message();
          return false;
        }
        if (failed(mt::emitHostCode(*module, kernels, hostOptions, os)))
          return false; // reported as a diagnostic
      }
      return mt::compileHostCode(hostSource, hostObject, toolchain, hostError);
    };
  FailureOr<mt::KernelLibrary> kernels =
      mt::compileKernels(*module, kernelOptions);
  if (!hostError.empty())
    return fail(hostError);
  if (failed(kernels))
    return 1;
  if (emitStage == Emit::HalideStmt)
    return 0;

  std::vector<std::string> objects = kernels->objectFiles;
  objects.push_back(hostObject);
  if (emitStage == Emit::Object)
    return 0;

  if (emitStage == Emit::Library) {
    std::string header =
        (llvm::sys::path::parent_path(output) +
         (llvm::sys::path::has_parent_path(output) ? "/" : "") +
         llvm::sys::path::stem(output) + ".h")
            .str();
    if (!mt::archiveLibrary(objects, output, header, toolchain, error))
      return fail(error);
    return 0;
  }
  if (emitStage == Emit::Shared) {
    if (!mt::linkSharedLibrary(objects, output, toolchain, error))
      return fail(error);
    return 0;
  }
  if (!mt::linkExecutable(objects, output, toolchain, error))
    return fail(error);
  return 0;
}
