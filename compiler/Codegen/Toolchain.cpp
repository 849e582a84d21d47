//===- Toolchain.cpp - turning generated code into binaries ---------------===//
//
// Runs the system `c++` and `ar` (found on PATH) with the runtime's paths:
// those of an installed prefix when mtc runs from one, else the build
// tree's, fixed at configure time. A failing tool's command line is
// reported.
//
//===----------------------------------------------------------------------===//

#include "Codegen/Toolchain.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

// Set by CMake: where the runtime and its headers are.
#ifndef MTC_RUNTIME_INCLUDE_DIR
#error "MTC_RUNTIME_INCLUDE_DIR must be defined by the build"
#endif

namespace mt {
namespace {

/// Where the runtime's libraries and headers are.
struct RuntimeLayout {
  std::string include, runtime, runtimeMain, sanitized, sanitizedMain;
};

/// An installed mtc (<prefix>/bin/mtc) uses <prefix>/lib/mtc and
/// <prefix>/include (`cmake --install`); one in the build tree, the build's
/// own files.
const RuntimeLayout &runtimeLayout() {
  static const RuntimeLayout layout = [] {
    static int anchor;
    std::string exe = llvm::sys::fs::getMainExecutable("mtc", &anchor);
    llvm::SmallString<256> prefix(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
    std::string lib = (prefix + "/lib/mtc/").str();
    if (!exe.empty() && llvm::sys::fs::exists(lib + "libmtc_runtime.a"))
      return RuntimeLayout{
          (prefix + "/include").str(), lib + "libmtc_runtime.a",
          lib + "libmtc_runtime_main.a", lib + "libmtc_runtime_sanitized.a",
          lib + "libmtc_runtime_main_sanitized.a"};
    return RuntimeLayout{
        MTC_RUNTIME_INCLUDE_DIR, MTC_RUNTIME_LIBRARY, MTC_RUNTIME_MAIN_LIBRARY,
        MTC_SANITIZED_RUNTIME_LIBRARY, MTC_SANITIZED_RUNTIME_MAIN_LIBRARY};
  }();
  return layout;
}

bool run(llvm::StringRef program, const std::vector<std::string> &arguments,
         std::string &error) {
  auto path = llvm::sys::findProgramByName(program);
  if (!path) {
    error = "cannot find '" + program.str() + "' on PATH";
    return false;
  }
  std::vector<llvm::StringRef> argv{*path};
  for (const std::string &argument : arguments)
    argv.push_back(argument);
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*path, argv, llvm::None, {}, 0, 0,
                                         &message);
  if (status != 0) {
    std::string command = program.str();
    for (const std::string &argument : arguments)
      command += " " + argument;
    error = "'" + command + "' failed" +
            (message.empty() ? " (exit " + std::to_string(status) + ")"
                             : ": " + message);
    return false;
  }
  return true;
}

/// The flags the sanitized runtime is built with (MTC_SANITIZER_FLAGS in
/// runtime/CMakeLists.txt, space-separated).
std::vector<std::string> sanitizerFlags(const ToolchainOptions &options) {
  std::vector<std::string> flags;
  if (!options.sanitize)
    return flags;
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(MTC_SANITIZER_FLAGS).split(parts, ' ', -1, false);
  for (llvm::StringRef flag : parts)
    flags.push_back(flag.str());
  return flags;
}

/// The flags of a link: the sanitizer's, and LLVM's lld where it is on
/// PATH (scripts/setup installs it), else the system default linker.
/// Measured (linking examples/digits.mlir with training, 182 kernels, 2
/// vCPUs of an AMD EPYC Zen 3): GNU ld 0.39 s, gold 0.24 s, lld 0.12 s.
std::vector<std::string> linkFlags(const ToolchainOptions &options) {
  std::vector<std::string> flags = sanitizerFlags(options);
  static const bool haveLld = bool(llvm::sys::findProgramByName("ld.lld"));
  if (haveLld)
    flags.push_back("-fuse-ld=lld");
  return flags;
}

const std::string &runtimeLibrary(const ToolchainOptions &options) {
  return options.sanitize ? runtimeLayout().sanitized : runtimeLayout().runtime;
}

} // namespace

std::string describeRuntimeLayout() {
  const RuntimeLayout &l = runtimeLayout();
  return "include " + l.include + "\nruntime " + l.runtime + "\nmain " +
         l.runtimeMain + "\nsanitized " + l.sanitized + "\nsanitized main " +
         l.sanitizedMain + "\n";
}

bool compileHostCode(const std::string &source, const std::string &object,
                     const ToolchainOptions &options, std::string &error) {
  std::vector<std::string> arguments{"-std=c++17",
                                     "-O2",
                                     "-fPIC",
                                     "-c",
                                     source,
                                     "-o",
                                     object,
                                     "-I" + runtimeLayout().include,
                                     "-I" MTC_HALIDE_INCLUDE_DIR};
  for (std::string &flag : sanitizerFlags(options))
    arguments.push_back(std::move(flag));
  return run("c++", arguments, error);
}

bool linkExecutable(const std::vector<std::string> &objects,
                    const std::string &output, const ToolchainOptions &options,
                    std::string &error) {
  std::vector<std::string> arguments = linkFlags(options);
  arguments.insert(arguments.end(), {"-o", output});
  arguments.insert(arguments.end(), objects.begin(), objects.end());
  arguments.insert(arguments.end(),
                   {options.sanitize ? runtimeLayout().sanitizedMain
                                     : runtimeLayout().runtimeMain,
                    runtimeLibrary(options), "-lfmt", "-lpthread", "-ldl"});
  return run("c++", arguments, error);
}

bool linkSharedLibrary(const std::vector<std::string> &objects,
                       const std::string &output,
                       const ToolchainOptions &options, std::string &error) {
  // Only the C API is exported: the runtime's C++ dependencies (fmt, CLI11,
  // JSON) and Halide's runtime stay local, so they cannot interpose on, or
  // be interposed by, other libraries of the process (PyTorch's).
  std::string versionScript = output + ".map";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(versionScript, ec);
    if (ec) {
      error = "cannot write " + versionScript + ": " + ec.message();
      return false;
    }
    os << "{ global: mtc_*; local: *; };\n";
  }
  std::vector<std::string> arguments = linkFlags(options);
  arguments.insert(arguments.end(), {"-shared", "-o", output,
                                     "-Wl,--version-script=" + versionScript});
  arguments.insert(arguments.end(), objects.begin(), objects.end());
  arguments.insert(arguments.end(),
                   {"-Wl,--whole-archive", runtimeLibrary(options),
                    "-Wl,--no-whole-archive", "-lfmt", "-lpthread", "-ldl"});
  bool linked = run("c++", arguments, error);
  llvm::sys::fs::remove(versionScript);
  return linked;
}

bool archiveLibrary(const std::vector<std::string> &objects,
                    const std::string &library, const std::string &header,
                    const ToolchainOptions &options, std::string &error) {
  // An MRI script merges the runtime archive's members into the library,
  // so embedders link one archive.
  llvm::SmallString<128> script(library);
  script += ".mri";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(script, ec);
    if (ec) {
      error = "cannot write " + script.str().str() + ": " + ec.message();
      return false;
    }
    os << "create " << library << "\n";
    for (const std::string &object : objects)
      os << "addmod " << object << "\n";
    os << "addlib " << runtimeLibrary(options) << "\nsave\nend\n";
  }
  llvm::sys::fs::remove(library);
  auto ar = llvm::sys::findProgramByName("ar");
  if (!ar) {
    error = "cannot find 'ar' on PATH";
    return false;
  }
  std::string message;
  llvm::Optional<llvm::StringRef> redirects[] = {llvm::StringRef(script),
                                                 llvm::None, llvm::None};
  int status = llvm::sys::ExecuteAndWait(*ar, {*ar, "-M"}, llvm::None,
                                         redirects, 0, 0, &message);
  llvm::sys::fs::remove(script);
  if (status != 0) {
    error = "ar -M failed while writing " + library +
            (message.empty() ? "" : ": " + message);
    return false;
  }

  // One header: model_abi.h, then mtc.h without its include of it.
  std::string text;
  for (const char *name : {"model_abi.h", "mtc.h"}) {
    auto buffer =
        llvm::MemoryBuffer::getFile(runtimeLayout().include + "/mtc/" + name);
    if (!buffer) {
      error = std::string("cannot read the runtime header ") + name;
      return false;
    }
    std::string content = (*buffer)->getBuffer().str();
    std::string include = "#include \"mtc/model_abi.h\"";
    if (auto at = content.find(include); at != std::string::npos)
      content.erase(at, include.size());
    text += content + "\n";
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(header, ec);
  if (ec) {
    error = "cannot write " + header + ": " + ec.message();
    return false;
  }
  os << text;
  return true;
}

} // namespace mt
