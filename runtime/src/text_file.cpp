//===- text_file.cpp - Writing a small text file atomically ---------------===//

#include "mtc/text_file.h"
#include "mtc/error.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mtc {

void writeTextFile(const std::string &path, const std::string &text,
                   const std::string &what) {
  std::string temp = path + ".tmp";
  std::FILE *f = std::fopen(temp.c_str(), "w");
  bool ok = f && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f && std::fclose(f) != 0)
    ok = false;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    throw Error(fmt::format("{}: cannot write {}: {}", path, what, reason));
  }
}

} // namespace mtc
