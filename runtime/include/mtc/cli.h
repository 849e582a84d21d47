//===- cli.h - The command line of a compiled model -------------*- C++ -*-===//
//
// Every compiled model executable is `main` calling mtc_main with the
// model linked in through mtc_model_get():
//   info [--json]                  tasks, inputs, outputs, parameters, arena
//   init --out W [--seed N]        seeded initial weights
//   predict --data D [--weights W | --seed N] --out O [--batch-size N]
//   train --data T [--val V] --epochs N --checkpoint C [...]  (trainer.h)
//   eval --data D --weights W [--json] [--out M] [--batch-size N] (eval.h)
// Exit status: 0 on success, 1 for bad input (a message on stderr starting
// with the program name), 2 for a usage error.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_CLI_H
#define MTC_CLI_H

#include "mtc/model_abi.h"

#include <nlohmann/json.hpp>

#include <string>

int mtc_main(int argc, char **argv);

namespace mtc {

/// mtc_main for `model`. With `error`, a failure's message is stored there
/// instead of printed (the C API's mtc_command).
int runCommandLine(const mtc_model &model, int argc, char **argv,
                   std::string *error);

/// What `info --json` prints.
nlohmann::ordered_json infoJson(const mtc_model &model);

} // namespace mtc

#endif // MTC_CLI_H
