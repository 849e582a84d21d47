//===- FakeModel.h - A hand-written model for the runtime tests -*- C++ -*-===//
//
// Stands in for a compiled model (it defines mtc_model_get()):
//   inputs  x [N, 4, 3] f32, task [N] i32 ids in [0, 2)
//   params  head.weight [2, 3], head.bias [2] (PyTorch Linear init)
//   outputs sentiment [N, 2] = head(mean over the sequence of x)
//           score [N, 1]     = sentiment[task]
// The pooled means live in the arena (static 64 bytes, 12 per example) so
// a short arena shows up. A non-finite x is reported through the error
// handler as a kernel error, like a Halide assertion.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_TEST_FAKEMODEL_H
#define MTC_TEST_FAKEMODEL_H

#include <cstdint>

namespace fake {

constexpr int64_t seqLen = 4;
constexpr int64_t features = 3;
constexpr int64_t classes = 2;
constexpr int64_t arenaStaticBytes = 64;
constexpr int64_t arenaBytesPerExample = features * sizeof(float);

} // namespace fake

#endif // MTC_TEST_FAKEMODEL_H
