//===- Toolchain.h - turning generated code into binaries -------*- C++ -*-===//
//
// mtc generates C++ (the host side) and Halide objects (the kernels); this
// file compiles and links them with the system C++ compiler and archiver,
// against the runtime built with mtc (paths fixed at configure time).
//
//===----------------------------------------------------------------------===//

#ifndef MT_CODEGEN_TOOLCHAIN_H
#define MT_CODEGEN_TOOLCHAIN_H

#include <string>
#include <vector>

namespace mt {

/// How generated code is built. `sanitize`: the host code is instrumented
/// with AddressSanitizer and UndefinedBehaviorSanitizer and linked against
/// the runtime built the same way (the Halide kernels are not).
struct ToolchainOptions {
  bool sanitize = false;
};

/// Where the runtime's headers and libraries are taken from, one per line:
/// an installed prefix's when mtc runs from one, else the build tree's.
std::string describeRuntimeLayout();

/// Compiles generated host code into an object file.
bool compileHostCode(const std::string &source, const std::string &object,
                     const ToolchainOptions &options, std::string &error);

/// Links a standalone executable (the runtime's CLI as main).
bool linkExecutable(const std::vector<std::string> &objects,
                    const std::string &output,
                    const ToolchainOptions &options, std::string &error);

/// Writes a static library holding the objects and the runtime, and a
/// single self-contained C header (mtc.h with model_abi.h). With
/// `sanitize`, whoever links it passes -fsanitize=address,undefined too.
bool archiveLibrary(const std::vector<std::string> &objects,
                    const std::string &library, const std::string &header,
                    const ToolchainOptions &options, std::string &error);

/// Links a shared library holding the objects and the whole runtime, so it
/// exports the C API (mtc.h) and mtc_main: what the Python package loads.
bool linkSharedLibrary(const std::vector<std::string> &objects,
                       const std::string &output,
                       const ToolchainOptions &options, std::string &error);

} // namespace mt

#endif // MT_CODEGEN_TOOLCHAIN_H
