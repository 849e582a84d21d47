//===- LossBuilderTest.cpp - the multitask loss against closed forms ------===//
//
// Parses a function holding one mt.multitask_loss, replaces the op with
// buildMultitaskLoss's primitives (then canonicalize + cse, as the pipeline
// runs them), interprets it, and compares the per-task losses, the total and
// the evaluation sums with PyTorch's formulas evaluated here in double: every
// loss kind, with and without a label mask, a task with no labelled example,
// static and uncertainty weighting, per-position outputs, argmax ties and
// logits of 1e4.
//
//===----------------------------------------------------------------------===//

#include "support/MlirTest.h"
#include "Training/LossBuilder.h"

#include "Interpreter/Interpreter.h"
#include "mt/Dialect/MTDialect.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace {

using mt::interp::ElementKind;
using mt::interp::Tensor;

//===----------------------------------------------------------------------===//
// The reference: PyTorch's formulas in double
//===----------------------------------------------------------------------===//

/// Per example: its loss and its metric terms.
struct ExampleTerms {
  double loss = 0, correct = 0, squaredError = 0, absoluteError = 0;
};

/// CrossEntropyLoss per position (max-shifted log-sum-exp), averaged over
/// the P positions of each example; correct when the first maximal logit is
/// the label.
std::vector<ExampleTerms> crossEntropy(const std::vector<double> &logits,
                                       const std::vector<double> &labels,
                                       int64_t positions, int64_t classes) {
  std::vector<ExampleTerms> out(labels.size() / positions);
  for (size_t i = 0; i < labels.size(); ++i) {
    const double *x = logits.data() + i * classes;
    double max = *std::max_element(x, x + classes);
    int64_t argmax = std::max_element(x, x + classes) - x; // first maximum
    double sum = 0;
    for (int64_t k = 0; k < classes; ++k)
      sum += std::exp(x[k] - max);
    auto label = static_cast<int64_t>(labels[i]);
    double picked = label >= 0 && label < classes ? x[label] - max : 0.0;
    ExampleTerms &e = out[i / positions];
    e.loss += (std::log(sum) - picked) / positions;
    e.correct += (argmax == label ? 1.0 : 0.0) / positions;
  }
  return out;
}

/// BCEWithLogitsLoss per position, averaged per example.
std::vector<ExampleTerms> binaryCrossEntropy(const std::vector<double> &logits,
                                             const std::vector<double> &labels,
                                             int64_t positions) {
  std::vector<ExampleTerms> out(labels.size() / positions);
  for (size_t i = 0; i < labels.size(); ++i) {
    double x = logits[i], y = labels[i];
    ExampleTerms &e = out[i / positions];
    e.loss += (std::max(x, 0.0) - x * y + std::log1p(std::exp(-std::abs(x)))) /
              positions;
    e.correct += ((x > 0) == (y > 0.5) ? 1.0 : 0.0) / positions;
  }
  return out;
}

/// MSELoss: the mean over an example's N elements.
std::vector<ExampleTerms> meanSquaredError(const std::vector<double> &pred,
                                           const std::vector<double> &labels,
                                           int64_t elements) {
  std::vector<ExampleTerms> out(labels.size() / elements);
  for (size_t i = 0; i < labels.size(); ++i) {
    double d = pred[i] - labels[i];
    ExampleTerms &e = out[i / elements];
    e.squaredError += d * d / elements;
    e.absoluteError += std::abs(d) / elements;
    e.loss = e.squaredError;
  }
  return out;
}

/// One task's expected L_j and evaluation sums under the mask column
/// `labelled` (empty: every example is labelled).
struct TaskExpectation {
  double loss;
  std::vector<double> sums; // EvalSum order
};

TaskExpectation reduceTask(const std::vector<ExampleTerms> &examples,
                           const std::vector<bool> &labelled) {
  TaskExpectation t{0, std::vector<double>(mt::kNumEvalSums, 0.0)};
  for (size_t i = 0; i < examples.size(); ++i) {
    if (!labelled.empty() && !labelled[i])
      continue;
    t.sums[0] += examples[i].loss;
    t.sums[1] += 1;
    t.sums[2] += examples[i].correct;
    t.sums[3] += examples[i].squaredError;
    t.sums[4] += examples[i].absoluteError;
  }
  t.loss = t.sums[0] / std::max(t.sums[1], 1.0);
  return t;
}

//===----------------------------------------------------------------------===//
// Harness
//===----------------------------------------------------------------------===//

class LossBuilderTest : public mt::testing::MlirTest {
protected:
  /// Parses `source`, whose @main holds one mt.multitask_loss, and rewrites
  /// @main to return (total, perTask, evalSums) built by buildMultitaskLoss
  /// with @main's argument `weightsArg` as the weights and `logVarsArg` as
  /// the log variances (-1: none). Returns the build's success.
  bool build(llvm::StringRef source, int weightsArg, int logVarsArg) {
    module = mlir::parseSourceString(source, &context);
    if (!module)
      return false;
    auto func = module->lookupSymbol<mlir::FuncOp>("main");
    mt::MultitaskLossOp loss;
    func.walk([&](mt::MultitaskLossOp op) { loss = op; });
    if (!loss)
      return false;
    auto arg = [&](int index) -> mlir::Value {
      return index < 0 ? mlir::Value() : func.getArgument(index);
    };
    mlir::OpBuilder builder(loss);
    mt::PrimitiveBuilder b(builder, loss.getLoc());
    mlir::FailureOr<mt::MultitaskLossValues> values =
        mt::buildMultitaskLoss(b, loss, arg(weightsArg), arg(logVarsArg));
    if (mlir::failed(values))
      return false;

    mlir::Operation *ret = func.front().getTerminator();
    builder.setInsertionPoint(ret);
    llvm::SmallVector<mlir::Value, 3> results{values->total, values->perTask,
                                              values->evalSums};
    builder.create<mlir::ReturnOp>(ret->getLoc(), results);
    ret->erase();
    loss.erase();
    func.setType(builder.getFunctionType(func.getType().getInputs(),
                                         mlir::ValueRange(results).getTypes()));

    mlir::PassManager pm(&context);
    pm.addPass(mlir::createCanonicalizerPass());
    pm.addPass(mlir::createCSEPass());
    return mlir::succeeded(pm.run(*module));
  }

  /// Interprets the rewritten @main; results: total, perTask, evalSums.
  std::vector<Tensor> run(std::vector<Tensor> args) {
    auto func = module->lookupSymbol<mlir::FuncOp>("main");
    auto results = mt::interp::interpret(func, args, {});
    EXPECT_TRUE(mlir::succeeded(results)) << diagnostics;
    return mlir::succeeded(results) ? *results : std::vector<Tensor>{};
  }

  /// Checks the interpreted results against the expectations (relative
  /// 1e-5: the interpreter rounds every op to f32) and, for static
  /// weights, total = sum_j w_j L_j.
  void expectLoss(const std::vector<Tensor> &results,
                  const std::vector<TaskExpectation> &tasks,
                  double expectedTotal) {
    ASSERT_EQ(results.size(), 3u);
    const Tensor &total = results[0], &perTask = results[1], &sums = results[2];
    int64_t numTasks = tasks.size();
    ASSERT_EQ(perTask.shape, (std::vector<int64_t>{numTasks}));
    ASSERT_EQ(sums.shape, (std::vector<int64_t>{numTasks, mt::kNumEvalSums}));
    auto near = [](double got, double want) {
      return std::abs(got - want) <= 1e-5 * std::max(std::abs(want), 1e-3);
    };
    for (int64_t j = 0; j < numTasks; ++j) {
      EXPECT_PRED2(near, perTask.data[j], tasks[j].loss) << "task " << j;
      for (int64_t k = 0; k < mt::kNumEvalSums; ++k)
        EXPECT_PRED2(near, sums.data[j * mt::kNumEvalSums + k],
                     tasks[j].sums[k])
            << "task " << j << ", sum " << k;
    }
    ASSERT_TRUE(total.shape.empty());
    EXPECT_PRED2(near, total.data[0], expectedTotal);
  }

};

std::vector<double> toDoubles(const std::vector<float> &values) {
  return std::vector<double>(values.begin(), values.end());
}

// Three tasks, one of each kind, on a batch of 4.
constexpr const char *kThreeTasks = R"mlir(
  func @main(%digit: tensor<?x3xf32>, %parity: tensor<?x1xf32>, %value: tensor<?x2xf32>,
             %y0: tensor<?xi32>, %y1: tensor<?xf32>, %y2: tensor<?x2xf32>,
             %mask: tensor<?x3xi1>, %w: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>) {
    %loss, %per_task = mt.multitask_loss (%digit, %parity, %value) labels (%y0, %y1, %y2) mask (%mask)
        {tasks = ["digit", "parity", "value"], kinds = ["cross_entropy", "binary_cross_entropy", "mse"],
         weights = [1.0, 0.5, 2.0]}
        : (tensor<?x3xf32>, tensor<?x1xf32>, tensor<?x2xf32>, tensor<?xi32>, tensor<?xf32>, tensor<?x2xf32>, tensor<?x3xi1>) -> (tensor<f32>, tensor<3xf32>)
    return %loss, %per_task : tensor<f32>, tensor<3xf32>
  })mlir";

const std::vector<float> kDigitLogits{0.5f, -1.0f, 2.0f,  1.5f, 0.25f, -0.5f,
                                      0.0f, 3.0f,  -2.0f, 1.0f, 1.0f,  0.75f};
const std::vector<float> kParityLogits{1.5f, -0.5f, 0.25f, -2.0f};
const std::vector<float> kParityLabels{1.0f, 1.0f, 0.0f, 0.0f};
const std::vector<float> kValues{0.5f, -1.0f, 2.0f,  0.0f,
                                 1.5f, 1.0f,  -0.5f, 0.25f};
const std::vector<float> kValueLabels{1.0f, -1.5f, 2.5f, 1.0f,
                                      0.5f, 1.0f,  0.0f, -0.75f};
const std::vector<float> kWeights{1.0f, 0.5f, 2.0f};

TEST_F(LossBuilderTest, EveryKindWithAMask) {
  ASSERT_TRUE(build(kThreeTasks, /*weightsArg=*/7, /*logVarsArg=*/-1))
      << diagnostics;
  // Unlabelled examples carry placeholders that would poison an unmasked
  // sum: an out-of-range class, a NaN and an infinite target.
  std::vector<int32_t> digits{2, -1, 1, 0};
  std::vector<float> parity = kParityLabels;
  parity[2] = NAN;
  std::vector<float> values = kValueLabels;
  values[2] = INFINITY;
  std::vector<bool> mask{1, 1, 1, /**/ 0, 1, 0, /**/ 1, 0, 0, /**/ 1, 1, 1};
  std::vector<std::vector<bool>> columns(3);
  for (size_t i = 0; i < mask.size(); ++i)
    columns[i % 3].push_back(mask[i]);

  std::vector<Tensor> results =
      run({Tensor::f32({4, 3}, toDoubles(kDigitLogits)),
           Tensor::f32({4, 1}, toDoubles(kParityLogits)),
           Tensor::f32({4, 2}, toDoubles(kValues)), Tensor::i32({4}, digits),
           Tensor::f32({4}, toDoubles(parity)),
           Tensor::f32({4, 2}, toDoubles(values)), Tensor::i1({4, 3}, mask),
           Tensor::f32({3}, toDoubles(kWeights))});
  std::vector<TaskExpectation> tasks{
      reduceTask(crossEntropy(toDoubles(kDigitLogits),
                              {digits.begin(), digits.end()}, 1, 3),
                 columns[0]),
      reduceTask(
          binaryCrossEntropy(toDoubles(kParityLogits), toDoubles(parity), 1),
          columns[1]),
      reduceTask(meanSquaredError(toDoubles(kValues), toDoubles(values), 2),
                 columns[2])};
  // Spot-check the reference itself: task 0 averages examples 0, 2, 3.
  EXPECT_EQ(tasks[0].sums[1], 3.0);
  EXPECT_TRUE(std::isfinite(tasks[1].loss) && std::isfinite(tasks[2].loss));
  expectLoss(results, tasks,
             tasks[0].loss + 0.5 * tasks[1].loss + 2.0 * tasks[2].loss);
}

// The same three tasks without a mask operand.
constexpr const char *kThreeTasksUnmasked = R"mlir(
  func @main(%digit: tensor<?x3xf32>, %parity: tensor<?x1xf32>, %value: tensor<?x2xf32>,
             %y0: tensor<?xi32>, %y1: tensor<?xf32>, %y2: tensor<?x2xf32>,
             %w: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>) {
    %loss, %per_task = mt.multitask_loss (%digit, %parity, %value) labels (%y0, %y1, %y2)
        {tasks = ["digit", "parity", "value"], kinds = ["cross_entropy", "binary_cross_entropy", "mse"],
         weights = [1.0, 0.5, 2.0]}
        : (tensor<?x3xf32>, tensor<?x1xf32>, tensor<?x2xf32>, tensor<?xi32>, tensor<?xf32>, tensor<?x2xf32>) -> (tensor<f32>, tensor<3xf32>)
    return %loss, %per_task : tensor<f32>, tensor<3xf32>
  })mlir";

TEST_F(LossBuilderTest, WithoutAMaskEveryExampleIsLabelled) {
  ASSERT_TRUE(build(kThreeTasksUnmasked, /*weightsArg=*/6, /*logVarsArg=*/-1))
      << diagnostics;
  std::vector<int32_t> digits{2, 0, 1, 0};
  std::vector<Tensor> results =
      run({Tensor::f32({4, 3}, toDoubles(kDigitLogits)),
           Tensor::f32({4, 1}, toDoubles(kParityLogits)),
           Tensor::f32({4, 2}, toDoubles(kValues)), Tensor::i32({4}, digits),
           Tensor::f32({4}, toDoubles(kParityLabels)),
           Tensor::f32({4, 2}, toDoubles(kValueLabels)),
           Tensor::f32({3}, toDoubles(kWeights))});
  std::vector<TaskExpectation> tasks{
      reduceTask(crossEntropy(toDoubles(kDigitLogits),
                              {digits.begin(), digits.end()}, 1, 3),
                 {}),
      reduceTask(binaryCrossEntropy(toDoubles(kParityLogits),
                                    toDoubles(kParityLabels), 1),
                 {}),
      reduceTask(
          meanSquaredError(toDoubles(kValues), toDoubles(kValueLabels), 2),
          {})};
  EXPECT_EQ(tasks[0].sums[1], 4.0);
  expectLoss(results, tasks,
             tasks[0].loss + 0.5 * tasks[1].loss + 2.0 * tasks[2].loss);
}

TEST_F(LossBuilderTest, ATaskWithNoLabelledExampleContributesZero) {
  ASSERT_TRUE(build(kThreeTasks, /*weightsArg=*/7, /*logVarsArg=*/-1))
      << diagnostics;
  std::vector<int32_t> digits{2, 0, 1, 0};
  // No example is labelled for the parity task.
  std::vector<bool> mask{1, 0, 1, /**/ 1, 0, 1, /**/ 0, 0, 1, /**/ 1, 0, 0};
  std::vector<Tensor> results =
      run({Tensor::f32({4, 3}, toDoubles(kDigitLogits)),
           Tensor::f32({4, 1}, toDoubles(kParityLogits)),
           Tensor::f32({4, 2}, toDoubles(kValues)), Tensor::i32({4}, digits),
           Tensor::f32({4}, toDoubles(kParityLabels)),
           Tensor::f32({4, 2}, toDoubles(kValueLabels)),
           Tensor::i1({4, 3}, mask), Tensor::f32({3}, toDoubles(kWeights))});
  std::vector<TaskExpectation> tasks{
      reduceTask(crossEntropy(toDoubles(kDigitLogits),
                              {digits.begin(), digits.end()}, 1, 3),
                 {1, 1, 0, 1}),
      TaskExpectation{0.0, std::vector<double>(mt::kNumEvalSums, 0.0)},
      reduceTask(
          meanSquaredError(toDoubles(kValues), toDoubles(kValueLabels), 2),
          {1, 1, 1, 0})};
  expectLoss(results, tasks, tasks[0].loss + 2.0 * tasks[2].loss);
}

// Kendall et al.: L = sum_j L_j / (2 exp(s_j)) + s_j / 2; with s = [0, log 2]
// that is L_0 / 2 + L_1 / 4 + log(2) / 2, whatever the static weights say.
TEST_F(LossBuilderTest, UncertaintyWeighting) {
  constexpr const char *source = R"mlir(
    func @main(%digit: tensor<?x3xf32>, %value: tensor<?x2xf32>,
               %y0: tensor<?xi32>, %y2: tensor<?x2xf32>,
               %s: tensor<2xf32>) -> (tensor<f32>, tensor<2xf32>) {
      %loss, %per_task = mt.multitask_loss (%digit, %value) labels (%y0, %y2)
          {tasks = ["digit", "value"], kinds = ["cross_entropy", "mse"],
           weights = [1.0, 1.0], balance = "uncertainty", path = "loss"}
          : (tensor<?x3xf32>, tensor<?x2xf32>, tensor<?xi32>, tensor<?x2xf32>) -> (tensor<f32>, tensor<2xf32>)
      return %loss, %per_task : tensor<f32>, tensor<2xf32>
    })mlir";
  ASSERT_TRUE(build(source, /*weightsArg=*/-1, /*logVarsArg=*/4))
      << diagnostics;
  std::vector<int32_t> digits{2, 0, 1, 0};
  std::vector<Tensor> results =
      run({Tensor::f32({4, 3}, toDoubles(kDigitLogits)),
           Tensor::f32({4, 2}, toDoubles(kValues)), Tensor::i32({4}, digits),
           Tensor::f32({4, 2}, toDoubles(kValueLabels)),
           Tensor::f32({2}, {0.0, std::log(2.0)})});
  std::vector<TaskExpectation> tasks{
      reduceTask(crossEntropy(toDoubles(kDigitLogits),
                              {digits.begin(), digits.end()}, 1, 3),
                 {}),
      reduceTask(
          meanSquaredError(toDoubles(kValues), toDoubles(kValueLabels), 2),
          {})};
  expectLoss(results, tasks,
             tasks[0].loss / 2 + tasks[1].loss / 4 + std::log(2.0) / 2);
}

// Per-position outputs ([B, S, ...], as task heads without pooling give):
// each example's loss is the mean over its positions, and its correct count
// the fraction of positions right.
TEST_F(LossBuilderTest, PerPositionOutputs) {
  constexpr const char *source = R"mlir(
    func @main(%tag: tensor<?x3x4xf32>, %flag: tensor<?x3x1xf32>, %value: tensor<?x3x2xf32>,
               %y0: tensor<?x3xi32>, %y1: tensor<?x3xf32>, %y2: tensor<?x3x2xf32>,
               %mask: tensor<?x3xi1>, %w: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>) {
      %loss, %per_task = mt.multitask_loss (%tag, %flag, %value) labels (%y0, %y1, %y2) mask (%mask)
          {tasks = ["tag", "flag", "value"], kinds = ["cross_entropy", "binary_cross_entropy", "mse"],
           weights = [1.0, 1.0, 1.0]}
          : (tensor<?x3x4xf32>, tensor<?x3x1xf32>, tensor<?x3x2xf32>, tensor<?x3xi32>, tensor<?x3xf32>, tensor<?x3x2xf32>, tensor<?x3xi1>) -> (tensor<f32>, tensor<3xf32>)
      return %loss, %per_task : tensor<f32>, tensor<3xf32>
    })mlir";
  ASSERT_TRUE(build(source, /*weightsArg=*/7, /*logVarsArg=*/-1))
      << diagnostics;
  const int64_t batch = 2, positions = 3, classes = 4;
  std::vector<double> tagLogits, flagLogits, values, flags, valueLabels;
  std::vector<int32_t> tags;
  for (int64_t i = 0; i < batch * positions; ++i) {
    for (int64_t k = 0; k < classes; ++k)
      tagLogits.push_back(std::sin(1.7 * i + 0.9 * k) * 2);
    tags.push_back(static_cast<int32_t>((i * 3) % classes));
    flagLogits.push_back(std::cos(2.3 * i));
    flags.push_back(i % 2);
    for (int64_t k = 0; k < 2; ++k) {
      values.push_back(0.25 * (i + k));
      valueLabels.push_back(std::sin(i - k));
    }
  }
  // Round the inputs to f32 first, so the reference sees what the
  // interpreter sees.
  for (auto *v : {&tagLogits, &flagLogits, &values, &valueLabels})
    *v = Tensor::f32({static_cast<int64_t>(v->size())}, *v).data;
  std::vector<bool> mask{1, 1, 1, /**/ 1, 0, 1};
  std::vector<Tensor> results =
      run({Tensor::f32({batch, positions, classes}, tagLogits),
           Tensor::f32({batch, positions, 1}, flagLogits),
           Tensor::f32({batch, positions, 2}, values),
           Tensor::i32({batch, positions}, tags),
           Tensor::f32({batch, positions}, flags),
           Tensor::f32({batch, positions, 2}, valueLabels),
           Tensor::i1({batch, 3}, mask), Tensor::f32({3}, {1, 1, 1})});
  std::vector<TaskExpectation> tasks{
      reduceTask(crossEntropy(tagLogits, {tags.begin(), tags.end()}, positions,
                              classes),
                 {1, 1}),
      reduceTask(binaryCrossEntropy(flagLogits, flags, positions), {1, 0}),
      reduceTask(meanSquaredError(values, valueLabels, positions * 2), {1, 1})};
  // Fractions: some example must be partly right, or the test is weak.
  double correct = tasks[0].sums[2] + tasks[1].sums[2];
  EXPECT_NE(correct, std::round(correct));
  expectLoss(results, tasks, tasks[0].loss + tasks[1].loss + tasks[2].loss);
}

// torch.argmax returns the first maximal index, so a tie counts as correct
// only for the lowest tied class.
TEST_F(LossBuilderTest, ArgmaxTiesGoToTheFirstClass) {
  ASSERT_TRUE(build(kThreeTasksUnmasked, /*weightsArg=*/6, /*logVarsArg=*/-1))
      << diagnostics;
  std::vector<double> logits{1, 1, 0, /**/ 1, 1, 0, /**/ 0, 2, 2, /**/ 0, 2, 2};
  std::vector<int32_t> digits{0, 1, 2, 1};
  std::vector<Tensor> results =
      run({Tensor::f32({4, 3}, logits),
           Tensor::f32({4, 1}, toDoubles(kParityLogits)),
           Tensor::f32({4, 2}, toDoubles(kValues)), Tensor::i32({4}, digits),
           Tensor::f32({4}, toDoubles(kParityLabels)),
           Tensor::f32({4, 2}, toDoubles(kValueLabels)),
           Tensor::f32({3}, toDoubles(kWeights))});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[2].data[static_cast<int64_t>(mt::EvalSum::Correct)], 2.0);
}

// Logits of +-1e4 overflow a naive exp; the max-shifted forms stay finite
// and exact: CE costs the logit gap, BCE costs |x| when the sign is wrong.
TEST_F(LossBuilderTest, LargeLogitsStayFinite) {
  ASSERT_TRUE(build(kThreeTasksUnmasked, /*weightsArg=*/6, /*logVarsArg=*/-1))
      << diagnostics;
  std::vector<double> logits{1e4, -1e4, 0,   /**/ 1e4,  -1e4, 0,
                             0,   1e4,  1e4, /**/ -1e4, 0,    1e4};
  std::vector<int32_t> digits{1, 0, 1, 2};
  std::vector<double> parityLogits{1e4, -1e4, 1e4, -1e4};
  std::vector<double> parity{0, 0, 1, 1};
  std::vector<Tensor> results = run(
      {Tensor::f32({4, 3}, logits), Tensor::f32({4, 1}, parityLogits),
       Tensor::f32({4, 2}, toDoubles(kValues)), Tensor::i32({4}, digits),
       Tensor::f32({4}, parity), Tensor::f32({4, 2}, toDoubles(kValueLabels)),
       Tensor::f32({3}, toDoubles(kWeights))});
  ASSERT_EQ(results.size(), 3u);
  const Tensor &perTask = results[1];
  // CE per example: 2e4, 0, log 2 (a tie with the label), 0.
  EXPECT_NEAR(perTask.data[0], (2e4 + std::log(2.0)) / 4, 1e-2);
  // BCE per example: 1e4, 0, 0, 1e4.
  EXPECT_NEAR(perTask.data[1], 2e4 / 4, 1e-2);
  for (double value : results[0].data)
    EXPECT_TRUE(std::isfinite(value));
  for (double value : results[2].data)
    EXPECT_TRUE(std::isfinite(value));
}

TEST_F(LossBuilderTest, NeedsWeightsOrLogVariances) {
  EXPECT_FALSE(build(kThreeTasks, /*weightsArg=*/-1, /*logVarsArg=*/-1));
  EXPECT_NE(diagnostics.find("needs task weights or log variances to build "
                             "its loss"),
            std::string::npos)
      << diagnostics;
  diagnostics.clear();
  // Argument 0 is tensor<?x3xf32>, not tensor<3xf32>.
  EXPECT_FALSE(build(kThreeTasks, /*weightsArg=*/0, /*logVarsArg=*/-1));
  EXPECT_NE(diagnostics.find("expected task weights of type tensor<3xf32>, "
                             "got 'tensor<?x3xf32>'"),
            std::string::npos)
      << diagnostics;
}

} // namespace
