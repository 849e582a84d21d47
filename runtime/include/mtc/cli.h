//===- cli.h - The command line of a compiled model -------------*- C++ -*-===//
//
// Every compiled model executable is `main` calling mtc_main with the
// model linked in through mtc_model_get():
//   info [--json]                  tasks, inputs, outputs, parameters, arena
//   init --out W [--seed N]        seeded initial weights
//   predict --data D [--weights W | --seed N] --out O [--batch-size N]
//   train --data T [--val V] --epochs N --checkpoint C [...]  (trainer.h)
//   eval --data D --weights W [--json] [--batch-size N]       (eval.h)
// Exit status: 0 on success, 1 for bad input (a message on stderr starting
// with the program name), 2 for a usage error.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_CLI_H
#define MTC_CLI_H

int mtc_main(int argc, char **argv);

#endif // MTC_CLI_H
