//===- session.cpp - A model ready to run: arena, parameters, errors ------===//

#include "mtc/session.h"
#include "mtc/cpu_features.h"
#include "mtc/error.h"
#include "mtc/init.h"
#include "mtc/kernel_error.h"
#include "mtc/model.h"
#include "mtc/thread_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace mtc {

namespace {

const mtc_model &checkedModel(const mtc_model &model) {
  checkModelTables(model);
  checkCpuFeatures(model);
  return model;
}

} // namespace

Session::Session(const mtc_model &model, int64_t maxBatch)
    : m(checkedModel(model)), params(model) {
  installKernelErrorHandler(m);
  installThreadPool(m);
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
  // Into a scratch store first: a file that fails half-way (a missing or
  // mis-shaped tensor) leaves the weights as they were.
  ParameterStore loaded(m);
  mtc::loadWeights(path, loaded);
  for (int i = 0; i < m.num_params; ++i)
    std::copy_n(loaded.data(i), loaded.numElements(i), params.data(i));
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
  clearKernelError();
  checkKernelResult(m.forward(arena.data(), batch, inputs,
                              params.forwardArgument(), outputs));
}

} // namespace mtc
