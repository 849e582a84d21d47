//===- CudaSchedule.cpp - CUDA schedules of the mt kernels ----------------===//
//
// One rule for every kernel class, so that every kernel compiles for the
// GPU before any is tuned:
//  - the stages a schedule must place (kernel outputs, stages with update
//    definitions: reductions, matmul accumulators, scatters) are computed
//    at the root, every other pure stage is inlined into its readers (a
//    matmul's staged operand and epilogue included);
//  - each definition of a placed stage is one launch: Halide dimension 0
//    (the innermost tensor dimension, contiguous in memory) is the x
//    thread dimension, so neighbouring threads touch neighbouring
//    elements; the outer dimensions are fused into the y dimension; tiles
//    of 32 x 8 threads, ragged edges guarded;
//  - a definition's reduction loops stay serial inside its thread, in
//    input order, so sums keep the CPU schedules' order of terms per
//    element and a scatter's updates to one row never race (its threads
//    own columns);
//  - a rank-0 stage runs in one thread.
// Measured: nothing yet (no GPU was lent to the work that wrote it).
//
//===----------------------------------------------------------------------===//

#include "Schedules/cuda/CudaSchedule.h"

using namespace Halide;

namespace mt {
namespace cuda {
namespace {

constexpr int kThreadsX = 32;
constexpr int kThreadsY = 8;

/// Maps stage `s` of a Func with pure dimensions `vars` (Halide order,
/// innermost first) and reduction variables `rvars` onto GPU threads.
void mapToThreads(Stage s, std::vector<Var> vars,
                  const std::vector<RVar> &rvars) {
  if (vars.empty()) {
    s.gpu_single_thread();
    return;
  }
  Var x = vars[0];
  if (vars.size() == 1) {
    Var block(x.name() + "_block"), thread(x.name() + "_thread");
    s.gpu_tile(x, block, thread, kThreadsX * kThreadsY,
               TailStrategy::GuardWithIf);
    if (!rvars.empty()) {
      std::vector<VarOrRVar> order(rvars.begin(), rvars.end());
      order.push_back(thread);
      order.push_back(block);
      s.reorder(order);
    }
    return;
  }
  Var y = vars[1];
  for (size_t i = 2; i < vars.size(); ++i) {
    Var fused(y.name() + "_" + vars[i].name());
    s.fuse(y, vars[i], fused);
    y = fused;
  }
  Var bx(x.name() + "_block"), by(y.name() + "_block"),
      tx(x.name() + "_thread"), ty(y.name() + "_thread");
  s.gpu_tile(x, y, bx, by, tx, ty, kThreadsX, kThreadsY,
             TailStrategy::GuardWithIf);
  if (!rvars.empty()) {
    std::vector<VarOrRVar> order(rvars.begin(), rvars.end());
    for (const Var &v : {tx, ty, bx, by})
      order.push_back(v);
    s.reorder(order);
  }
}

/// The pure dimensions of update `u` of `f`: those its left-hand side
/// indexes by the bare variable (a scatter's row is an expression).
std::vector<Var> pureVarsOfUpdate(Func f, int u) {
  std::vector<Var> vars;
  std::vector<Expr> lhs = f.update_args(u);
  for (const Var &v : f.args())
    for (const Expr &arg : lhs)
      if (const auto *variable = arg.as<Internal::Variable>())
        if (variable->name == v.name()) {
          vars.push_back(v);
          break;
        }
  return vars;
}

void placeOnGpu(Func f) {
  mapToThreads(f, f.args(), {});
  for (int u = 0, e = f.num_update_definitions(); u < e; ++u)
    mapToThreads(f.update(u), pureVarsOfUpdate(f, u), f.rvars(u));
}

} // namespace

void scheduleKernel(LoweredKernel &k, const Target &) {
  for (KernelStage &stage : k.stages) {
    bool output = stage.role == StageRole::Output;
    if (!output && !stage.func.has_update_definition())
      continue; // inlined
    if (!output)
      stage.func.compute_root();
    placeOnGpu(stage.func);
  }
}

} // namespace cuda
} // namespace mt
