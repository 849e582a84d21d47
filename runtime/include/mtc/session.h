//===- session.h - A model ready to run -------------------------*- C++ -*-===//
//
// The arena is allocated once for the largest batch and touched at start-up
// (DESIGN §4); forward() allocates nothing. Kernel errors reach the runtime
// through the model's install_error_handler and come back as Errors.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_SESSION_H
#define MTC_SESSION_H

#include "mtc/aligned_buffer.h"
#include "mtc/model_abi.h"
#include "mtc/parameters.h"

#include <cstdint>
#include <string>

namespace mtc {

class Session {
public:
  /// Checks the model's tables and this CPU's features, allocates the arena
  /// for `maxBatch` examples and installs the kernel error handler. Throws
  /// Error.
  Session(const mtc_model &model, int64_t maxBatch);

  const mtc_model &model() const { return m; }
  int64_t maxBatch() const { return capacity; }
  size_t arenaBytes() const { return arena.size(); }

  /// Regrows the arena (allocated and touched anew) when `maxBatch` exceeds
  /// the current capacity; otherwise does nothing.
  void reserve(int64_t maxBatch);

  void initWeights(uint64_t seed);
  void loadWeights(const std::string &path);
  bool hasWeights() const { return weightsSet; }
  const ParameterStore &parameters() const { return params; }

  /// Runs `forward` on `batch` <= maxBatch() examples; inputs and outputs
  /// follow the model's tables. Throws Error when the weights are not set
  /// or a kernel reports an error (with the kernel's message).
  void forward(int64_t batch, const void *const *inputs, void *const *outputs);

private:
  const mtc_model &m;
  AlignedBuffer arena;
  int64_t capacity = 0;
  ParameterStore params;
  bool weightsSet = false;
};

} // namespace mtc

#endif // MTC_SESSION_H
