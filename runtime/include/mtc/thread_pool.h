//===- thread_pool.h - The kernels' parallel loops --------------*- C++ -*-===//
//
// Halide's kernels run their parallel loops through halide_do_par_for. Its
// default thread pool puts idle workers to sleep, so each of the hundreds
// of parallel loops of a train step first wakes a worker through the
// kernel (a futex and an inter-processor interrupt, costly on a VM) and
// starts on one core while it wakes. This pool keeps its workers spinning
// for a while after each loop, so the next loop, microseconds later, finds
// them awake; they sleep only when no loop has come for kSpinBeforeSleep.
//
// Threads: HL_NUM_THREADS when set (as Halide's pool reads it), else the
// cores; the calling thread is one of them. A loop entered while another
// runs (a nested loop, or a second session on another thread) runs its
// iterations on the calling thread alone. Which thread runs an iteration
// never changes a result: Halide's iterations write disjoint outputs.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_THREAD_POOL_H
#define MTC_THREAD_POOL_H

#include "mtc/model_abi.h"

namespace mtc {

/// halide_do_par_for's contract: runs task(user_context, i, closure) for i
/// in [min, min + size); returns 0, or the first non-zero result a task
/// returned (the other iterations still run).
int doParFor(void *userContext, mtc_task_fn task, int min, int size,
             uint8_t *closure);

/// Makes `model`'s kernels run their parallel loops through doParFor.
void installThreadPool(const mtc_model &model);

} // namespace mtc

#endif // MTC_THREAD_POOL_H
