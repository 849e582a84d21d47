//===- Parameters.h - parameter descriptions of model ops -------*- C++ -*-===//

#ifndef MT_DIALECT_PARAMETERS_H
#define MT_DIALECT_PARAMETERS_H

#include "llvm/ADT/SmallVector.h"
#include <cstdint>
#include <string>

namespace mt {

enum class InitRule { Zeros, Ones, Uniform, Normal };

/// One parameter as PyTorch names, shapes and initialises it. `scale` is the
/// bound of `Uniform` and the standard deviation of `Normal`.
struct ParameterSpec {
  std::string name;
  llvm::SmallVector<int64_t, 2> shape;
  InitRule init;
  double scale = 0.0;
};

const char *stringifyInitRule(InitRule rule);

} // namespace mt

#endif // MT_DIALECT_PARAMETERS_H
