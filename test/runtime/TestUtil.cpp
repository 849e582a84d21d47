//===- TestUtil.cpp - Files, processes and datasets for runtime tests -----===//

#include "TestUtil.h"
#include "FakeModel.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace testutil {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "mtc-runtime-test.XXXXXX")
          .string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed");
  dir = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

std::string TempDir::path(const std::string &name) const {
  return dir + "/" + name;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), bytes.size());
}

std::string rawSafetensors(const std::string &header, const std::string &data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = char(uint64_t(header.size()) >> (8 * i) & 0xff);
  return bytes + header + data;
}

ProcessResult runProgramFor(const std::string &path,
                            const std::vector<std::string> &args,
                            std::chrono::microseconds limit,
                            const std::vector<std::string> &env) {
  TempDir capture;
  std::string outPath = capture.path("stdout"),
              errPath = capture.path("stderr");
  std::vector<std::string> argStrings = {
      path.substr(path.rfind('/') + 1)};
  argStrings.insert(argStrings.end(), args.begin(), args.end());
  std::vector<char *> argv;
  for (std::string &a : argStrings)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const std::string &var : env)
      ::putenv(const_cast<char *>(var.c_str()));
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (limit.count() > 0) {
    // Poll rather than sleep the whole limit, so a run that ends early is
    // collected at once (and its pid is never signalled after reuse).
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  } else {
    ::waitpid(pid, &status, 0);
  }
  ProcessResult result;
  result.exited = WIFEXITED(status);
  result.exitCode = result.exited ? WEXITSTATUS(status) : -1;
  result.out = readFile(outPath);
  result.err = readFile(errPath);
  return result;
}

ProcessResult runProgram(const std::string &path,
                         const std::vector<std::string> &args,
                         const std::vector<std::string> &env) {
  return runProgramFor(path, args, std::chrono::microseconds(0), env);
}

ProcessResult runFakeModel(const std::vector<std::string> &args) {
  return runProgram(MTC_FAKE_MODEL_PATH, args);
}

FakeData makeFakeData(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> value(-2, 2);
  FakeData data;
  for (int64_t i = 0; i < n * fake::seqLen * fake::features; ++i)
    data.x.push_back(value(gen));
  for (int64_t i = 0; i < n; ++i)
    data.task.push_back(int32_t(gen() % 2));
  return data;
}

void writeFakeData(const std::string &path, const FakeData &data) {
  int64_t n = data.task.size();
  mtc::writeSafetensors(
      path,
      {{"x",
        {mtc::DType::F32, {n, fake::seqLen, fake::features}, data.x.data()}},
       {"task", {mtc::DType::I32, {n}, data.task.data()}}},
      {});
}

FakeOutputs fakeReference(const FakeData &data,
                          const std::vector<float> &weight,
                          const std::vector<float> &bias) {
  FakeOutputs out;
  int64_t n = data.task.size();
  for (int64_t b = 0; b < n; ++b) {
    double pooled[fake::features];
    for (int64_t f = 0; f < fake::features; ++f) {
      double sum = 0;
      for (int64_t s = 0; s < fake::seqLen; ++s)
        sum += data.x[(b * fake::seqLen + s) * fake::features + f];
      pooled[f] = sum / fake::seqLen;
    }
    double logits[fake::classes];
    for (int64_t c = 0; c < fake::classes; ++c) {
      logits[c] = bias[c];
      for (int64_t f = 0; f < fake::features; ++f)
        logits[c] += double(weight[c * fake::features + f]) * pooled[f];
      out.sentiment.push_back(logits[c]);
    }
    out.score.push_back(logits[data.task[b]]);
  }
  return out;
}

std::vector<float> toFloats(const mtc::TensorView &t) {
  const float *p = static_cast<const float *>(t.data);
  return std::vector<float>(p, p + t.numElements());
}

void expectSameSafetensors(const std::string &expected,
                           const std::string &actual) {
  mtc::SafetensorsFile a = mtc::SafetensorsFile::read(expected),
                       b = mtc::SafetensorsFile::read(actual);
  ASSERT_EQ(a.names(), b.names());
  for (const std::string &name : a.names()) {
    const mtc::TensorView *x = a.find(name), *y = b.find(name);
    ASSERT_EQ(x->numBytes(), y->numBytes()) << name;
    EXPECT_EQ(std::memcmp(x->data, y->data, x->numBytes()), 0) << name;
  }
  EXPECT_EQ(a.metadata(), b.metadata());
}

} // namespace testutil
