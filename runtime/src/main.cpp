//===- main.cpp - Entry point of a compiled model executable --------------===//
//
// Kept out of mtc_runtime so that embedders link the library without a main.
//
//===----------------------------------------------------------------------===//

#include "mtc/cli.h"

#include <csignal>

int main(int argc, char **argv) {
  // Past a file-size limit (RLIMIT_FSIZE) a write then fails with EFBIG,
  // which the checkpoint writer reports, keeping the previous file, rather
  // than the default action of SIGXFSZ killing the process mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  return mtc_main(argc, argv);
}
