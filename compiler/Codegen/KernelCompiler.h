//===- KernelCompiler.h - mt.kernel -> ahead-of-time Halide objects -*- C++
//-*-===//
//
// Each distinct kernel (same body, same operand and result types) becomes
// one Halide pipeline: one ImageParam per kernel input, the body lowered op
// by op (compiler/Conversion/MTToHalide/LowerKernel.h), every stage
// scheduled for the target (compiler/Schedules/Schedule.h), compiled ahead
// of time with no Halide runtime of its own, several kernels to an object
// file (mt_kernels_<n>.o). The seed
// model's identical layers thus share their kernels, and so do elementwise
// kernels that differ only in shape (FlatKernels.h). Calling convention of
// every compiled kernel (one buffer per result, in yield order):
//
//   int <symbol>(int32_t batch, halide_buffer_t *input0, ...,
//                halide_buffer_t *result0, ...)
//
// and Halide's `int <symbol>_argv(void **args)` beside it (args[0] points
// to the batch), which the generated host code's call tables use.
//
//===----------------------------------------------------------------------===//

#ifndef MT_CODEGEN_KERNELCOMPILER_H
#define MT_CODEGEN_KERNELCOMPILER_H

#include "mt/Dialect/MTOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <functional>
#include <string>
#include <vector>

namespace mt {

/// The compiled kernels of a module.
struct KernelLibrary {
  /// The symbol each kernel op calls (identical kernels share one).
  llvm::DenseMap<mlir::Operation *, std::string> symbolOf;
  /// The kernel ops compiled over one flat dimension (FlatKernels.h): the
  /// caller passes their non-scalar tensors as rank-1 buffers.
  llvm::DenseSet<mlir::Operation *> flattened;
  /// One entry per distinct Halide kernel, in first-use order.
  std::vector<std::string> symbols;
  /// The kernels that are one mt.all_reduce: not Halide pipelines but calls
  /// of the runtime's reduction hook, which the host code defines
  /// (HostCodegen.h); their symbolOf is `mt_all_reduce_<operand count>`.
  llvm::DenseSet<mlir::Operation *> allReduces;
  /// The kernels' objects, then the Halide runtime's (if it was asked for).
  std::vector<std::string> objectFiles;
};

struct KernelCompileOptions {
  std::string halideTarget;    ///< a Halide target string
  std::string outputDir;       ///< where objects (and statements) are written
  bool emitStatements = false; ///< also write <symbol>.stmt files
  unsigned threads = 2;        ///< kernels compiled in parallel
  /// Keep Halide's checks of the buffers each kernel is called with. Off,
  /// kernels are smaller and compile faster (the small benchmark config
  /// with training: 52 -> 34 s of Halide compile on 2 threads): the
  /// generated host code builds every buffer from the same IR.
  bool asserts = false;
  /// Where to write the Halide runtime the kernels link against (one per
  /// binary; none if empty). It is compiled on the same workers as the
  /// kernels: measured, it took 0.9 s of one core after them, the other
  /// idle.
  std::string runtimeObject;
  /// Run on the calling thread while the workers compile, once the library
  /// knows every kernel's symbol (its objectFiles are not written yet); its
  /// failure fails the compilation. The generated host code is built here.
  std::function<bool(const KernelLibrary &)> whileCompiling;
};

/// Compiles every mt.kernel of `module`, and the Halide runtime if
/// options.runtimeObject names a file. Failures are reported as
/// diagnostics on the offending op (on the module for the runtime), or by
/// options.whileCompiling.
mlir::FailureOr<KernelLibrary>
compileKernels(mlir::ModuleOp module, const KernelCompileOptions &options);

} // namespace mt

#endif // MT_CODEGEN_KERNELCOMPILER_H
