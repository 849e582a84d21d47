//===- TestUtil.h - Helpers for the runtime tests ---------------*- C++ -*-===//
#ifndef MTC_TEST_TESTUTIL_H
#define MTC_TEST_TESTUTIL_H

#include "mtc/safetensors.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace testutil {

/// A fresh directory, removed with its contents at scope exit.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  std::string path(const std::string &name) const;

private:
  std::string dir;
};

std::string readFile(const std::string &path);
void writeFile(const std::string &path, const std::string &bytes);

/// A safetensors file assembled by hand, so tests can write any header.
std::string rawSafetensors(const std::string &header, const std::string &data);

struct ProcessResult {
  bool exited = false; // false: killed by a signal (a crash)
  int exitCode = -1;
  std::string out, err;
};

/// Runs the executable `path` with `args` and the extra environment
/// variables `env` ("NAME=value"), capturing its output.
ProcessResult runProgram(const std::string &path,
                         const std::vector<std::string> &args,
                         const std::vector<std::string> &env = {});

/// The same, killed with SIGKILL once it has run for `limit` (0: never);
/// `exited` tells whether it ended before that.
ProcessResult runProgramFor(const std::string &path,
                            const std::vector<std::string> &args,
                            std::chrono::microseconds limit,
                            const std::vector<std::string> &env = {});

/// Runs the fake model's executable with `args`, capturing its output.
ProcessResult runFakeModel(const std::vector<std::string> &args);

/// A dataset for the fake model: x [n, 4, 3] f32 and task [n] i32, drawn
/// from `seed`.
struct FakeData {
  std::vector<float> x;
  std::vector<int32_t> task;
};
FakeData makeFakeData(int64_t n, uint32_t seed);
void writeFakeData(const std::string &path, const FakeData &data);

/// The fake model's outputs computed directly, in double precision.
struct FakeOutputs {
  std::vector<double> sentiment, score;
};
FakeOutputs fakeReference(const FakeData &data,
                          const std::vector<float> &weight,
                          const std::vector<float> &bias);

std::vector<float> toFloats(const mtc::TensorView &t);

/// Expects two safetensors files to hold the same tensors, byte for byte,
/// and the same metadata (a resumed run against an uninterrupted one).
void expectSameSafetensors(const std::string &expected,
                           const std::string &actual);

} // namespace testutil

#endif // MTC_TEST_TESTUTIL_H
