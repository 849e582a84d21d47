//===- MTDialect.cpp - the mt dialect -------------------------------------===//

#include "mt/Dialect/MTDialect.h"
#include "mt/Dialect/MTOps.h"

#include "mt/Dialect/MTOpsDialect.cpp.inc"

void mt::MTDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mt/Dialect/MTOps.cpp.inc"
      >();
}
