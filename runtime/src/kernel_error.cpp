//===- kernel_error.cpp - Kernel failures as Errors -----------------------===//

#include "mtc/kernel_error.h"
#include "mtc/error.h"

#include <fmt/format.h>

#include <mutex>
#include <string>
#include <utility>

namespace mtc {

namespace {

std::mutex kernelErrorMutex;
std::string kernelErrorText;

void recordKernelError(void *, const char *message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  std::lock_guard<std::mutex> lock(kernelErrorMutex);
  if (!kernelErrorText.empty())
    kernelErrorText += "; ";
  kernelErrorText += text;
}

std::string takeKernelError() {
  std::lock_guard<std::mutex> lock(kernelErrorMutex);
  return std::exchange(kernelErrorText, std::string());
}

} // namespace

void installKernelErrorHandler(const mtc_model &model) {
  if (model.install_error_handler)
    model.install_error_handler(recordKernelError);
}

void clearKernelError() { takeKernelError(); }

void checkKernelResult(int rc) {
  if (rc == 0)
    return;
  std::string message = takeKernelError();
  throw Error(fmt::format("kernel error {}: {}", rc,
                          message.empty() ? "(no message)" : message));
}

} // namespace mtc
