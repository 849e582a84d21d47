//===- text_file.h - Writing a small text file atomically -------*- C++ -*-===//
//
// The plot and the metrics files: written to `path.tmp`, then renamed over
// `path`, so a reader never sees half a file and a failed write leaves the
// old file as it was.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_TEXT_FILE_H
#define MTC_TEXT_FILE_H

#include <string>

namespace mtc {

/// Writes `text` to `path` atomically. Throws Error "<path>: cannot write
/// <what>: <reason>".
void writeTextFile(const std::string &path, const std::string &text,
                   const std::string &what);

} // namespace mtc

#endif // MTC_TEXT_FILE_H
