//===- FuzzInputFile.h - Fuzz inputs as files -------------------*- C++ -*-===//
//
// The dataset and checkpoint readers take a path: each input is written to
// one temporary file, reused across inputs and removed at exit.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_TEST_FUZZ_FUZZINPUTFILE_H
#define MTC_TEST_FUZZ_FUZZINPUTFILE_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace fuzz {

/// Writes `data` to the target's temporary file and returns its path.
inline const std::string &asFile(const uint8_t *data, size_t size) {
  static const std::string path = [] {
    const char *dir = std::getenv("TMPDIR");
    std::string pattern =
        std::string(dir && *dir ? dir : "/tmp") + "/mtc-fuzz.XXXXXX";
    int fd = ::mkstemp(pattern.data());
    if (fd < 0)
      std::abort();
    ::close(fd);
    static std::string removeAtExit;
    removeAtExit = pattern;
    std::atexit([] { std::remove(removeAtExit.c_str()); });
    return pattern;
  }();
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) ||
      std::fclose(f) != 0)
    std::abort();
  return path;
}

} // namespace fuzz

#endif // MTC_TEST_FUZZ_FUZZINPUTFILE_H
