# -*- Python -*-
# lit configuration for the mt tests; paths come from lit.site.cfg.py.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "MT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mt_obj_root, "test")

config.substitutions.append(("%mt_src_root", config.mt_src_root))
config.substitutions.append(("%python", config.python_executable))

llvm_config.use_default_substitutions()
# `not` and `count` live only in the LLVM tools directory (TOOLCHAIN §5).
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["mt-opt", "mtc"], [config.mt_tools_dir])
