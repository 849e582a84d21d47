//===- BuildTrainingSteps.cpp - the mt-autodiff pass ----------------------===//
//
// From the decomposed model function `@forward` (primitives, mt.dropout and
// the mt.multitask_loss), builds the training entry points, all in IR so
// that later passes (fusion, memory planning) see the whole step:
//
//   @train_step_adam / @train_step_sgd (inputs, labels, hyper, seed,
//                                       first_row)
//       forward with dropout masks drawn from (seed, site, row), the
//       multitask loss, reverse-mode gradients of every parameter, clipping
//       by global norm, the optimizer update; returns every updated
//       parameter and optimizer state (result attribute
//       `mt.updates = "<name>"`) and the losses [1 + T] (total, then per
//       task).
//
// Data parallelism (DESIGN.md §4): a step is written for one rank of a
// group that shares a global batch; `first_row` is where the rank's rows
// start in it (0 in one process), so dropout draws what one process would
// for those rows. Two mt.all_reduce ops sum over the ranks (identities in
// one process): the per-task labelled counts, before they divide the loss
// sums, so that each rank's L_j is its share of the global mean; then,
// after the backward pass, the per-task losses and every gradient that the
// rest of the step reads, so that everything after is the same on every
// rank: PCGrad's weighted per-task gradients (before their projections),
// GradNorm's per-task gradients of W (before their norms), the others
// (before clipping). Uncertainty's log-variances are the exception: their
// gradient holds a data-independent 1/2 per task, which N ranks would count
// N times, so it is taken after the sum, from the summed L_j.
//   @eval_step (inputs, labels)
//       forward without dropout and the per-task evaluation sums [T, 5].
//
// Optimizer state is materialized as `mt.param` symbols with
// `mt.role = "optimizer_state"` (zeros): `optimizer.m.<p>` and
// `optimizer.v.<p>` (Adam's exp_avg and exp_avg_sq; SGD keeps its momentum
// buffer in `m`). Hyperparameters come in one f32 vector (kHyperNames then
// one weight per task: static weights, or DWA's, computed by the runtime).
// `@forward` itself is left for mt-prune-to-inference.
//
// Balance "gradnorm" and surgery "pcgrad" need per-task gradients: the
// step differentiates each task's loss L_j on its own (buildGradients on one
// forward pass, T times), then applies the rules of Balancing.h:
//  - Shared parameters: those read (through a dependency walk of the
//    forward ops) by the predictions of at least two tasks. Parameters read
//    by one task's predictions only, and the balancing parameters (read by
//    the loss alone), get their ordinary gradient of the total loss.
//  - PCGrad: task j's gradient of the shared parameters is
//    g_j = (d total / d L_j) grad L_j, i.e. grad (w_j L_j) for static and
//    DWA weights (and the matching factor for uncertainty); they are
//    projected in the task order buildTaskOrder draws from `seed`, summed,
//    and clipped with the other gradients.
//  - GradNorm: the total is sum_j w_j L_j with w = `<path>.task_weights`,
//    which the optimizer does not update: the step returns GradNorm's own
//    update of it (plain SGD with `lr`, renormalised to sum to T). The last
//    shared layer W is the shared parameter whose first reader comes last
//    in the forward ops, matrices preferred (the last shared weight before
//    the task-specific layers). L_j(0) is training state
//    `<path>.initial_losses` (`mt.role = "balance_state"`, zeros until
//    step 1 writes it). A model without a shared parameter is rejected.
//
// Preconditions: mt-decompose has run.
//
//===----------------------------------------------------------------------===//

#include "EntryPoints/BuildTrainingSteps.h"

#include "Autodiff/Gradients.h"
#include "EntryPoints/Balancing.h"
#include "Training/LossBuilder.h"
#include "Training/Optimizers.h"
#include "Transforms/PrimitiveBuilder.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"

#include <climits>
#include <optional>

using namespace mlir;

namespace mt {

const char *const kHyperNames[] = {
    "lr",           "step",      "beta1",    "beta2",     "eps",
    "weight_decay", "decoupled", "momentum", "dampening", "nesterov",
    "clip_norm"};
const unsigned kNumHyperNames = sizeof(kHyperNames) / sizeof(kHyperNames[0]);

namespace {

enum class Optimizer { Adam, Sgd };

struct AutodiffPass
    : public PassWrapper<AutodiffPass, OperationPass<ModuleOp>> {
  StringRef getArgument() const final { return "mt-autodiff"; }
  StringRef getDescription() const final {
    return "Build @train_step_adam, @train_step_sgd and @eval_step from "
           "@forward (loss, gradients, optimizer update, in IR)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<MTDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FuncOp forward = module.lookupSymbol<FuncOp>("forward");
    if (!forward) {
      module.emitError("mt-autodiff needs a @forward model function");
      return signalPassFailure();
    }
    MultitaskLossOp loss = lossOf(forward);
    if (!loss) {
      forward.emitError("@forward has no mt.multitask_loss to train");
      return signalPassFailure();
    }
    // The loss's own parameters (log-variances, GradNorm weights) are read
    // by name below: they must have been materialized.
    SmallVector<ParameterSpec, 2> specs;
    cast<ParameterizedOp>(loss.getOperation()).getParameterSpecs(specs);
    for (const ParameterSpec &spec : specs)
      if (!module.lookupSymbol<ParamOp>(spec.name)) {
        loss.emitOpError() << "parameter '" << spec.name
                           << "' is not materialized; run "
                              "mt-materialize-params first";
        return signalPassFailure();
      }
    if (loss.getSurgery() == "pcgrad" && loss.getTasks().size() > 256) {
      loss.emitOpError() << "pcgrad supports at most 256 tasks (its seeded "
                            "task order is exact in f32 up to there), got "
                         << loss.getTasks().size();
      return signalPassFailure();
    }
    if (module.lookupSymbol("train_step_adam") ||
        module.lookupSymbol("train_step_sgd") ||
        module.lookupSymbol("eval_step")) {
      module.emitError("the training entry points exist already (mt-autodiff "
                       "ran before)");
      return signalPassFailure();
    }
    if (loss.getBalance() == "gradnorm" && sharedParams(loss).empty()) {
      loss.emitOpError("balance 'gradnorm' needs a parameter shared by the "
                       "predictions of at least two tasks (its last shared "
                       "layer); this model has none");
      return signalPassFailure();
    }
    if (failed(materializeState(module, loss)) ||
        failed(buildTrainStep(module, forward, Optimizer::Adam,
                              "train_step_adam")) ||
        failed(buildTrainStep(module, forward, Optimizer::Sgd,
                              "train_step_sgd")) ||
        failed(buildEvalStep(module, forward)))
      return signalPassFailure();
  }

  /// Erases the loss op once its primitives are built; whatever else read
  /// its results now reads the primitives' values.
  static void replaceLoss(MultitaskLossOp loss,
                          const MultitaskLossValues &values) {
    loss.getLoss().replaceAllUsesWith(values.total);
    loss.getTaskLosses().replaceAllUsesWith(values.perTask);
    loss.erase();
  }

  /// GradNorm's learned task weights, which it updates itself.
  static std::string gradNormWeightsName(MultitaskLossOp loss) {
    return loss.getPath()->str() + ".task_weights";
  }
  /// GradNorm's L_j(0), training state.
  static std::string initialLossesName(MultitaskLossOp loss) {
    return loss.getPath()->str() + ".initial_losses";
  }

  /// The parameters the optimizer updates: all but the training state and
  /// GradNorm's task weights.
  static SmallVector<ParamOp, 64> optimizedParams(ModuleOp module,
                                                  MultitaskLossOp loss) {
    std::string excluded =
        loss.getBalance() == "gradnorm" ? gradNormWeightsName(loss) : "";
    SmallVector<ParamOp, 64> params;
    for (ParamOp param : module.getOps<ParamOp>())
      if (!param->hasAttr("mt.role") && param.getSymName() != excluded)
        params.push_back(param);
    return params;
  }

  /// Parameters that the predictions of at least two tasks depend on
  /// (through any chain of forward ops).
  static llvm::StringSet<> sharedParams(MultitaskLossOp loss) {
    llvm::StringMap<unsigned> tasksReading;
    for (Value prediction : loss.getPredictions()) {
      SetVector<Operation *> slice;
      if (Operation *def = prediction.getDefiningOp()) {
        getBackwardSlice(def, &slice);
        slice.insert(def);
      }
      llvm::StringSet<> names;
      for (Operation *op : slice)
        if (auto ref = dyn_cast<ParamRefOp>(op))
          names.insert(ref.getParameter());
      for (const auto &name : names)
        ++tasksReading[name.getKey()];
    }
    llvm::StringSet<> shared;
    for (const auto &entry : tasksReading)
      if (entry.getValue() >= 2)
        shared.insert(entry.getKey());
    return shared;
  }

  /// GradNorm's W: the shared parameter whose first reader comes last in
  /// `body`, preferring matrices (a layer's weight rather than its bias or
  /// a norm's gain). Call before any gradient reads the parameters.
  static StringRef
  lastSharedLayer(Block &body, ArrayRef<ParamOp> params,
                  const llvm::StringSet<> &shared,
                  llvm::StringMap<SmallVector<Value, 2>> &readers) {
    DenseMap<Operation *, unsigned> position;
    unsigned index = 0;
    for (Operation &op : body)
      position[&op] = index++;
    StringRef best;
    std::pair<bool, unsigned> bestKey{false, 0};
    for (ParamOp param : params) {
      if (!shared.count(param.getSymName()))
        continue;
      unsigned first = UINT_MAX;
      for (Value reader : readers[param.getSymName()])
        for (Operation *user : reader.getUsers())
          first = std::min(first, position.lookup(user));
      bool matrix = param.type().cast<RankedTensorType>().getRank() >= 2;
      std::pair<bool, unsigned> key{matrix, first};
      if (first != UINT_MAX && (best.empty() || key > bestKey)) {
        best = param.getSymName();
        bestKey = key;
      }
    }
    return best;
  }

  /// Adds the optimizer state symbols (zeros) after the parameters, and
  /// GradNorm's L_j(0) (zeros).
  LogicalResult materializeState(ModuleOp module, MultitaskLossOp loss) {
    SmallVector<ParamOp, 64> params = optimizedParams(module, loss);
    if (params.empty())
      return module.emitError("the model has no parameters to train");
    OpBuilder builder(module.getBodyRegion());
    builder.setInsertionPointAfter(params.back());
    SymbolTable symbols(module);
    for (StringRef kind : {"m", "v"})
      for (ParamOp param : params) {
        std::string name = ("optimizer." + kind + "." + param.getSymName()).str();
        if (symbols.lookup(name))
          continue;
        auto state = builder.create<ParamOp>(
            param.getLoc(), builder.getStringAttr(name), TypeAttr::get(param.type()),
            builder.getStringAttr("zeros"), FloatAttr());
        state->setAttr("mt.role", builder.getStringAttr("optimizer_state"));
      }
    if (loss.getBalance() == "gradnorm" &&
        !symbols.lookup(initialLossesName(loss))) {
      auto type = RankedTensorType::get({(int64_t)loss.getTasks().size()},
                                        builder.getF32Type());
      auto state = builder.create<ParamOp>(
          loss.getLoc(), builder.getStringAttr(initialLossesName(loss)),
          TypeAttr::get(type), builder.getStringAttr("zeros"), FloatAttr());
      state->setAttr("mt.role", builder.getStringAttr("balance_state"));
    }
    return success();
  }

  /// Clones @forward as `name` with extra trailing arguments.
  FuncOp cloneForward(ModuleOp module, FuncOp forward, StringRef name,
                      ArrayRef<std::pair<Type, StringRef>> extra) {
    OpBuilder builder(module.getBodyRegion());
    builder.setInsertionPointAfter(forward);
    FuncOp func = cast<FuncOp>(builder.clone(*forward));
    func.setName(name);
    for (auto [type, argName] : extra) {
      unsigned index = func.getNumArguments();
      func.insertArgument(index, type,
                          builder.getDictionaryAttr(builder.getNamedAttr(
                              "mt.input", builder.getStringAttr(argName))),
                          func.getLoc());
    }
    return func;
  }

  static MultitaskLossOp lossOf(FuncOp func) {
    MultitaskLossOp loss;
    func.walk([&](MultitaskLossOp op) { loss = op; });
    return loss;
  }

  /// `hyper[index]` as a rank-0 value.
  static Value hyperScalar(PrimitiveBuilder &b, Value hyper, int64_t index) {
    return b.reshape(b.slice(hyper, 0, index, 1), {});
  }

  /// The labels (`y.<task>`, then `mask`) as argument names of @forward.
  static FailureOr<SmallVector<Attribute, 4>> labelNames(FuncOp func,
                                                         MultitaskLossOp loss) {
    SmallVector<Attribute, 4> names;
    SmallVector<Value, 4> labels(loss.getLabels().begin(),
                                 loss.getLabels().end());
    if (loss.getMask() && loss.getMask().isa<BlockArgument>())
      labels.push_back(loss.getMask());
    for (Value label : labels) {
      auto arg = label.dyn_cast<BlockArgument>();
      if (!arg) {
        loss.emitOpError("labels must be arguments of the model function");
        return failure();
      }
      auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                    "mt.input");
      if (!name) {
        func.emitError() << "label argument #" << arg.getArgNumber()
                         << " of @" << func.getName()
                         << " needs a dataset name, e.g. {mt.input = \"y.<task>\"}";
        return failure();
      }
      names.push_back(name);
    }
    return names;
  }

  /// Draws each dropout's mask from (seed, site, first_row), or drops it
  /// (eval).
  static void lowerDropout(FuncOp func, Value seed, Value firstRow) {
    int64_t stream = 0;
    func.walk([&](DropoutOp op) {
      Value input = op.getInput();
      if (seed) {
        OpBuilder builder(op);
        PrimitiveBuilder b(builder, op.getLoc());
        auto mask = builder.create<DropoutMaskOp>(
            op.getLoc(), input.getType(), input, seed, firstRow,
            op.getRateAttr(), builder.getI64IntegerAttr(stream++));
        input = b.mul(input, mask);
      }
      op.getResult().replaceAllUsesWith(input);
      op.erase();
    });
  }

  /// Uncertainty's learned log-variances s_j; empty for other balances.
  static std::string logVarsName(MultitaskLossOp loss) {
    return loss.getBalance() == "uncertainty"
               ? loss.getPath()->str() + ".log_vars"
               : "";
  }
  /// A reader of the log-variances, or a null Value without them.
  static Value logVarsOf(PrimitiveBuilder &b, MultitaskLossOp loss) {
    std::string name = logVarsName(loss);
    return name.empty() ? Value() : b.param(name);
  }

  LogicalResult buildTrainStep(ModuleOp module, FuncOp forward,
                               Optimizer optimizer, StringRef name) {
    MLIRContext *ctx = module.getContext();
    MultitaskLossOp forwardLoss = lossOf(forward);
    int64_t numTasks = forwardLoss.getTasks().size();
    int64_t numHyper = kNumHyperNames + numTasks;
    auto f32 = FloatType::getF32(ctx);
    FuncOp func = cloneForward(
        module, forward, name,
        {{RankedTensorType::get({numHyper}, f32), "hyper"},
         {RankedTensorType::get({}, IntegerType::get(ctx, 64)), "seed"},
         {RankedTensorType::get({}, IntegerType::get(ctx, 64)), "first_row"}});
    Value hyper = func.getArgument(func.getNumArguments() - 3);
    Value seed = func.getArgument(func.getNumArguments() - 2);
    Value firstRow = func.getArgument(func.getNumArguments() - 1);
    lowerDropout(func, seed, firstRow);
    MultitaskLossOp loss = lossOf(func);

    Block &body = func.getBody().front();
    auto ret = cast<ReturnOp>(body.getTerminator());
    OpBuilder builder(ret);
    PrimitiveBuilder b(builder, loss.getLoc());
    auto h = [&](StringRef hyperName) {
      unsigned index =
          std::find(kHyperNames, kHyperNames + kNumHyperNames, hyperName) -
          kHyperNames;
      return hyperScalar(b, hyper, index);
    };
    bool pcgrad = loss.getSurgery() == "pcgrad";
    bool gradnorm = loss.getBalance() == "gradnorm";
    Value weights = gradnorm ? b.param(gradNormWeightsName(loss))
                             : b.slice(hyper, 0, kNumHyperNames, numTasks);
    FailureOr<MultitaskLossValues> values = buildMultitaskLoss(
        b, loss, weights, logVarsOf(b, loss), /*sumCountsOverRanks=*/true);
    if (failed(values))
      return failure();

    // The loss reads each parameter through the forward pass's own
    // mt.param_ref ops (possibly several per parameter): the gradient of a
    // parameter is the sum over its readers. A parameter the loss does not
    // read gets a reader here (and a zero gradient).
    SmallVector<ParamOp, 64> params = optimizedParams(module, loss);
    llvm::StringMap<SmallVector<Value, 2>> readers;
    func.walk([&](ParamRefOp ref) {
      readers[ref.getParameter()].push_back(ref.getResult());
    });
    SmallVector<Value, 64> refs;
    {
      OpBuilder top(&body, body.begin());
      PrimitiveBuilder tb(top, func.getLoc());
      for (ParamOp param : params) {
        auto &list = readers[param.getSymName()];
        if (list.empty())
          list.push_back(tb.param(param.getSymName()));
        refs.push_back(list.front());
      }
    }
    llvm::StringSet<> shared;
    if (pcgrad || gradnorm)
      shared = sharedParams(loss);
    StringRef layer;
    if (gradnorm)
      layer = lastSharedLayer(body, params, shared, readers);

    // Which parameter takes its gradient from the total loss (`own`), from
    // the per-task losses (`perTask`: PCGrad's shared ones, or GradNorm's W
    // alone), or from the summed losses (uncertainty's log-variances).
    std::string logVars = logVarsName(loss);
    std::optional<unsigned> logVarsIndex;
    SmallVector<unsigned, 64> own, perTask;
    for (auto it : llvm::enumerate(params)) {
      StringRef p = it.value().getSymName();
      if (p == logVars)
        logVarsIndex = it.index();
      else if (!pcgrad || !shared.count(p))
        own.push_back(it.index());
      if ((pcgrad && shared.count(p)) || (!pcgrad && p == layer))
        perTask.push_back(it.index());
    }
    auto readersOf = [&](ArrayRef<unsigned> indices) {
      SmallVector<Value, 64> wrt;
      for (unsigned i : indices) {
        auto &list = readers[params[i].getSymName()];
        wrt.append(list.begin(), list.end());
      }
      return wrt;
    };
    auto sumReaders = [&](ArrayRef<unsigned> indices, ArrayRef<Value> partial) {
      SmallVector<Value, 16> sums;
      unsigned next = 0;
      for (unsigned i : indices) {
        Value sum = partial[next++];
        for (size_t k = 1; k < readers[params[i].getSymName()].size(); ++k)
          sum = b.add(sum, partial[next++]);
        sums.push_back(sum);
      }
      return sums;
    };

    // With PCGrad, d total / d L_j is each task's weight as the total sees
    // it (w_j, or 1 / (2 exp(s_j)) for uncertainty): the same gradient call
    // returns it.
    SmallVector<Value, 64> wrt = readersOf(own);
    if (pcgrad)
      wrt.push_back(values->perTask);
    FailureOr<SmallVector<Value, 4>> partial =
        buildGradients(builder, values->total, wrt);
    if (failed(partial))
      return failure();
    SmallVector<Value, 64> grads(params.size());
    for (auto it : llvm::enumerate(sumReaders(own, *partial)))
      grads[own[it.index()]] = it.value();

    // Per-task gradients grad L_j of the `perTask` parameters.
    SmallVector<SmallVector<Value, 16>, 4> taskGrads;
    if (!perTask.empty())
      for (int64_t j = 0; j < numTasks; ++j) {
        Value taskLoss = b.reshape(b.slice(values->perTask, 0, j, 1), {});
        FailureOr<SmallVector<Value, 4>> taskPartial =
            buildGradients(builder, taskLoss, readersOf(perTask));
        if (failed(taskPartial))
          return failure();
        taskGrads.push_back(sumReaders(perTask, *taskPartial));
      }
    SmallVector<SmallVector<Value, 16>, 4> weighted;
    if (pcgrad && !perTask.empty()) {
      Value factors = partial->back();
      for (auto it : llvm::enumerate(taskGrads)) {
        Value factor = b.reshape(b.slice(factors, 0, it.index(), 1), {});
        weighted.emplace_back();
        for (Value grad : it.value())
          weighted.back().push_back(b.mul(factor, grad));
      }
    }
    unsigned layerPosition = 0;
    if (gradnorm)
      layerPosition = std::find_if(perTask.begin(), perTask.end(),
                                   [&](unsigned i) {
                                     return params[i].getSymName() == layer;
                                   }) -
                      perTask.begin();

    // The sum over the ranks (the file comment says what and why).
    SmallVector<Value, 128> local{values->perTask};
    for (unsigned i : own)
      local.push_back(grads[i]);
    for (auto &task : weighted)
      local.append(task.begin(), task.end());
    if (gradnorm)
      for (auto &task : taskGrads)
        local.push_back(task[layerPosition]);
    SmallVector<Value, 16> summed = b.allReduce(local);
    unsigned next = 0;
    Value taskLosses = summed[next++];
    for (unsigned i : own)
      grads[i] = summed[next++];
    for (auto &task : weighted)
      for (Value &grad : task)
        grad = summed[next++];
    if (gradnorm)
      for (auto &task : taskGrads)
        task[layerPosition] = summed[next++];
    // The total of the summed losses: what the step reports, and where
    // uncertainty's log-variance gradient comes from (through a reader of
    // its own, so that only this total is differentiated).
    Value summedLogVars = logVarsOf(b, loss);
    Value total = combineTaskLosses(b, taskLosses, weights, summedLogVars);
    if (logVarsIndex) {
      FailureOr<SmallVector<Value, 4>> grad =
          buildGradients(builder, total, {summedLogVars});
      if (failed(grad))
        return failure();
      grads[*logVarsIndex] = grad->front();
    }

    if (pcgrad && !perTask.empty()) {
      SmallVector<Value, 16> combined =
          buildPCGrad(b, weighted, buildTaskOrder(b, seed, numTasks));
      for (auto it : llvm::enumerate(combined))
        grads[perTask[it.index()]] = it.value();
    }
    Value layerGradNorms;
    if (gradnorm) {
      SmallVector<Value, 4> norms;
      for (auto &taskGrad : taskGrads) {
        Value grad = taskGrad[layerPosition];
        norms.push_back(
            b.reshape(b.create<SqrtOp>(b.sumAll(b.mul(grad, grad))), {1}));
      }
      layerGradNorms = b.create<ConcatOp>(norms, builder.getI64IntegerAttr(0));
    }
    SmallVector<Value, 8> clipped =
        clipByGlobalNorm(b, grads, h("clip_norm")).first;

    SmallVector<Value, 128> results;
    SmallVector<Value, 64> newParams, newM, newV;
    for (auto it : llvm::enumerate(params)) {
      StringRef p = it.value().getSymName();
      Value m = b.param(("optimizer.m." + p).str());
      Value grad = clipped[it.index()];
      if (optimizer == Optimizer::Adam) {
        Value v = b.param(("optimizer.v." + p).str());
        AdamState next = buildAdamUpdate(
            b, {refs[it.index()], m, v}, grad,
            {h("lr"), h("step"), h("beta1"), h("beta2"), h("eps"),
             h("weight_decay"), h("decoupled")});
        newParams.push_back(next.param);
        newM.push_back(next.expAvg);
        newV.push_back(next.expAvgSq);
      } else {
        SgdState next = buildSgdUpdate(
            b, {refs[it.index()], m}, grad,
            {h("lr"), h("momentum"), h("dampening"), h("nesterov"),
             h("weight_decay"), h("step")});
        newParams.push_back(next.param);
        newM.push_back(next.momentumBuffer);
      }
    }
    std::vector<std::string> updateNames;
    for (auto it : llvm::enumerate(params)) {
      results.push_back(newParams[it.index()]);
      updateNames.push_back(it.value().getSymName().str());
    }
    for (auto it : llvm::enumerate(params)) {
      results.push_back(newM[it.index()]);
      updateNames.push_back(("optimizer.m." + it.value().getSymName()).str());
    }
    for (auto it : llvm::enumerate(newV)) {
      results.push_back(it.value());
      updateNames.push_back(
          ("optimizer.v." + params[it.index()].getSymName()).str());
    }
    if (gradnorm) {
      GradNormState next = buildGradNormUpdate(
          b, {weights, b.param(initialLossesName(loss))}, taskLosses,
          layerGradNorms,
          {h("lr"), h("step"), loss.getGradnormAlpha().convertToDouble()});
      results.push_back(next.weights);
      updateNames.push_back(gradNormWeightsName(loss));
      results.push_back(next.initialLosses);
      updateNames.push_back(initialLossesName(loss));
    }
    Value losses =
        b.create<ConcatOp>(ValueRange{b.reshape(total, {1}), taskLosses},
                           builder.getI64IntegerAttr(0));
    results.push_back(losses);

    builder.create<ReturnOp>(ret.getLoc(), results);
    ret.erase();
    replaceLoss(loss, *values);
    SmallVector<Type, 128> types;
    for (Value value : results)
      types.push_back(value.getType());
    func.setType(FunctionType::get(ctx, func.getType().getInputs(), types));
    for (unsigned i = 0; i < updateNames.size(); ++i)
      func.setResultAttr(i, "mt.updates",
                         builder.getStringAttr(updateNames[i]));
    func.setResultAttr(results.size() - 1, "mt.output",
                       builder.getStringAttr("losses"));

    SmallVector<Attribute, 16> hyperNames;
    for (unsigned i = 0; i < kNumHyperNames; ++i)
      hyperNames.push_back(builder.getStringAttr(kHyperNames[i]));
    for (Attribute task : forwardLoss.getTasks())
      hyperNames.push_back(builder.getStringAttr(
          "task_weight." + task.cast<StringAttr>().getValue()));
    func->setAttr("mt.hyper", builder.getArrayAttr(hyperNames));
    func->setAttr("mt.balance", forwardLoss.getBalanceAttr()
                                    ? (Attribute)forwardLoss.getBalanceAttr()
                                    : builder.getStringAttr("static"));
    func->setAttr("mt.surgery", builder.getStringAttr(forwardLoss.getSurgery()));
    func->setAttr("mt.task_weights", forwardLoss.getWeights());
    return success();
  }

  LogicalResult buildEvalStep(ModuleOp module, FuncOp forward) {
    MultitaskLossOp forwardLoss = lossOf(forward);
    FailureOr<SmallVector<Attribute, 4>> labels =
        labelNames(forward, forwardLoss);
    if (failed(labels))
      return failure();
    FuncOp func = cloneForward(module, forward, "eval_step", {});
    lowerDropout(func, Value(), Value());
    MultitaskLossOp loss = lossOf(func);
    auto ret = cast<ReturnOp>(func.getBody().front().getTerminator());
    OpBuilder builder(ret);
    PrimitiveBuilder b(builder, loss.getLoc());
    SmallVector<float, 4> staticWeights;
    for (Attribute w : forwardLoss.getWeights())
      staticWeights.push_back(w.cast<FloatAttr>().getValueAsDouble());
    Value weights = b.constant({(int64_t)staticWeights.size()}, staticWeights);
    FailureOr<MultitaskLossValues> values =
        buildMultitaskLoss(b, loss, weights, logVarsOf(b, loss));
    if (failed(values))
      return failure();
    builder.create<ReturnOp>(ret.getLoc(), values->evalSums);
    ret.erase();
    replaceLoss(loss, *values);
    func.setType(FunctionType::get(module.getContext(),
                                   func.getType().getInputs(),
                                   {values->evalSums.getType()}));
    func.setResultAttr(0, "mt.output", builder.getStringAttr("eval_sums"));
    func->setAttr("mt.labels", builder.getArrayAttr(*labels));
    return success();
  }
};

} // namespace

std::unique_ptr<OperationPass<ModuleOp>> createAutodiffPass() {
  return std::make_unique<AutodiffPass>();
}

void registerAutodiffPass() { PassRegistration<AutodiffPass>(); }

} // namespace mt
