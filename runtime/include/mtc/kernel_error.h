//===- kernel_error.h - Kernel failures as Errors ---------------*- C++ -*-===//
//
// Halide kernels report failures through a process-wide error handler with
// no user pointer we own; the model's install_error_handler routes them to
// one process-wide slot here, and a non-zero entry-point result becomes an
// Error carrying the kernel's message. Forward, train and eval steps all
// go through it.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_KERNEL_ERROR_H
#define MTC_KERNEL_ERROR_H

#include "mtc/model_abi.h"

namespace mtc {

/// Routes `model`'s kernel error messages to the runtime's slot.
void installKernelErrorHandler(const mtc_model &model);

/// Forgets messages left by an earlier failure; call before an entry point.
void clearKernelError();

/// Throws Error "kernel error RC: <message>" when `rc` is non-zero.
void checkKernelResult(int rc);

} // namespace mtc

#endif // MTC_KERNEL_ERROR_H
