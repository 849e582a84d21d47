//===- error.h - User-facing runtime errors ---------------------*- C++ -*-===//
//
// Every failure caused by the user's input (a file, a flag, a CPU, a kernel
// reporting bad data) is an Error whose message is complete on its own: it
// names the file and the tensor and says expected vs actual. The CLI prefixes
// the program name; the C API stores it for mtc_error().
//
//===----------------------------------------------------------------------===//
#ifndef MTC_ERROR_H
#define MTC_ERROR_H

#include <stdexcept>

namespace mtc {

class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace mtc

#endif // MTC_ERROR_H
