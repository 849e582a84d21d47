//===- main.cpp - Entry point of a compiled model executable --------------===//
//
// Kept out of mtc_runtime so that embedders link the library without a main.
//
//===----------------------------------------------------------------------===//

#include "mtc/cli.h"

int main(int argc, char **argv) { return mtc_main(argc, argv); }
