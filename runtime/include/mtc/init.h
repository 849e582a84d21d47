//===- init.h - Seeded parameter initialisation -----------------*- C++ -*-===//
//
// The compiler records, per parameter, the distribution PyTorch's module
// would draw it from (zeros, ones, U(-scale, scale), N(0, scale^2)); the
// runtime draws it. Each parameter gets its own stream derived from the seed
// and the parameter's NAME, so adding, removing or reordering parameters
// leaves the others' values unchanged. The generator is splitmix64 and the
// transforms are written out here (not <random>'s distributions, whose
// output differs between standard libraries), so a seed gives the same
// weights everywhere.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_INIT_H
#define MTC_INIT_H

#include "mtc/model_abi.h"

#include <cstdint>
#include <string_view>

namespace mtc {

class ParameterStore;

/// The random stream of one parameter.
class ParamRng {
public:
  ParamRng(uint64_t seed, std::string_view name);
  uint64_t next();
  /// Uniform in [0, 1), 53 random bits.
  double uniform01();

private:
  uint64_t state;
};

/// Fills `out` (paramElements(param) floats) by `param.init`. Throws Error
/// for an unknown init or a negative scale.
void initParameter(const mtc_param_info &param, uint64_t seed, float *out);

/// Initialises every parameter of the store's model.
void initParameters(uint64_t seed, ParameterStore &store);

} // namespace mtc

#endif // MTC_INIT_H
