//===- session.cpp - A model ready to run: arena, parameters, errors ------===//

#include "mtc/session.h"
#include "mtc/cpu_features.h"
#include "mtc/error.h"
#include "mtc/init.h"
#include "mtc/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <utility>

namespace mtc {

namespace {

// Halide's error handler is process-wide and has no user pointer we own, so
// the messages go to one process-wide slot.
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

const mtc_model &checkedModel(const mtc_model &model) {
  checkModelTables(model);
  checkCpuFeatures(model);
  return model;
}

} // namespace

Session::Session(const mtc_model &model, int64_t maxBatch)
    : m(checkedModel(model)), params(model) {
  if (m.install_error_handler)
    m.install_error_handler(recordKernelError);
  reserve(std::max<int64_t>(maxBatch, 1));
}

void Session::reserve(int64_t maxBatch) {
  if (maxBatch <= capacity)
    return;
  int64_t limit = std::numeric_limits<int64_t>::max();
  if (m.arena_bytes_per_example > 0 &&
      maxBatch > (limit - m.arena_static_bytes) / m.arena_bytes_per_example)
    throw Error(fmt::format("the arena for a batch of {} examples would "
                            "exceed 2^63 bytes",
                            maxBatch));
  // Release the old arena first so the peak is one arena, not two.
  arena = AlignedBuffer();
  arena = AlignedBuffer(m.arena_static_bytes +
                        maxBatch * m.arena_bytes_per_example);
  capacity = maxBatch;
}

void Session::initWeights(uint64_t seed) {
  initParameters(seed, params);
  weightsSet = true;
}

void Session::loadWeights(const std::string &path) {
  weightsSet = false;
  mtc::loadWeights(path, params);
  weightsSet = true;
}

void Session::forward(int64_t batch, const void *const *inputs,
                      void *const *outputs) {
  if (!weightsSet)
    throw Error("the weights are not set: initialise or load them first");
  if (batch < 0 || batch > capacity)
    throw Error(fmt::format("batch of {} examples outside the session's "
                            "capacity of {}",
                            batch, capacity));
  if (batch == 0)
    return;
  takeKernelError();
  int rc =
      m.forward(arena.data(), batch, inputs, params.forwardArgument(), outputs);
  if (rc != 0) {
    std::string message = takeKernelError();
    throw Error(fmt::format("kernel error {}: {}", rc,
                            message.empty() ? "(no message)" : message));
  }
}

} // namespace mtc
