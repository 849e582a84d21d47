# -*- Python -*-
# lit configuration for the mt tests; paths come from lit.site.cfg.py.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mt_obj_root, "test")

config.substitutions.append(("%mt_src_root", config.mt_src_root))
config.substitutions.append(("%mt_obj_root", config.mt_obj_root))
config.substitutions.append(("%python", config.python_executable))
# mtc by path, without the sanitizer stage's --sanitize.
config.substitutions.append(("%mtc_plain", os.path.join(config.mt_tools_dir, "mtc")))

llvm_config.use_default_substitutions()
# `not` and `count` live only in the LLVM tools directory (TOOLCHAIN §5).
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# `lit -Dsanitize=1` (scripts/test's sanitizer stage): every model a test
# compiles gets AddressSanitizer + UBSan on its host code and runtime
# (mtc --sanitize), and a report aborts, so `not` cannot mistake it for an
# expected failure.
sanitize = lit_config.params.get("sanitize") == "1"
mtc = ToolSubst("mtc", extra_args=["--sanitize"]) if sanitize else "mtc"
llvm_config.add_tool_substitutions(["mt-opt", mtc], [config.mt_tools_dir])
# A test's own link of a model library holding the instrumented runtime.
config.substitutions.append(
    ("%sanitize_flags", "-fsanitize=address,undefined" if sanitize else ""))
if sanitize:
    config.environment["ASAN_OPTIONS"] = "abort_on_error=1:detect_leaks=1"
    config.environment["UBSAN_OPTIONS"] = \
        "abort_on_error=1:halt_on_error=1:print_stacktrace=1"

# `REQUIRES: numpy` / `REQUIRES: torch`: a Python with that module (Debian's
# python3-numpy / python3-torch), as %numpy_python / %torch_python: the
# build's Python, else the system's. Tests that need one show as unsupported
# where there is none.
import subprocess


def python_with(module):
    for candidate in [config.python_executable, "/usr/bin/python3"]:
        try:
            if subprocess.run([candidate, "-c", "import " + module],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                return candidate
        except OSError:
            pass
    return None


for module in ["numpy", "torch"]:
    found = python_with(module)
    if found:
        config.available_features.add(module)
        config.substitutions.append(("%" + module + "_python", found))

# `REQUIRES: mpi`: Open MPI's mpirun (scripts/setup installs it), as
# %mpirun: as root, and with more ranks than this machine's 2 cores.
import shutil

# Under the sanitizers, ranks keep ASan's checks but not its leak report:
# Open MPI's own allocations outlive MPI_Finalize (in plugins it has
# unloaded, so no suppression can name them); the same models' leaks are
# still checked where they run in one process.
mpirun = shutil.which("mpirun")
if mpirun:
    config.available_features.add("mpi")
    rank_options = " -x ASAN_OPTIONS=abort_on_error=1:detect_leaks=0" \
        if sanitize else ""
    config.substitutions.append(
        ("%mpirun", mpirun + " --allow-run-as-root --oversubscribe" +
         rank_options))
