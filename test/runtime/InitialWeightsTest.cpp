//===- InitialWeightsTest.cpp - train --init (fine-tuning) ----------------===//
//
// Runs mtc-fake-train-model (FakeTrainableModel.h) as a subprocess: a run
// started from a weights file takes the hand-computed SGD step from those
// weights; a checkpoint's parameters are taken and its optimizer state is
// not; --init-partial keeps the seeded values of what the file lacks; every
// mismatch is named in one error.
//
//===----------------------------------------------------------------------===//

#include "FakeTrainData.h"
#include "TestUtil.h"

#include "mtc/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

using namespace mtc;
using testutil::ProcessResult;
using testutil::TempDir;
using namespace faketrain;

namespace {

const std::vector<int64_t> kindWeightShape{3, 3}, kindBiasShape{3},
    valueWeightShape{1, 3}, valueBiasShape{1};

std::vector<float> tensor(const std::string &path, const std::string &name) {
  SafetensorsFile f = SafetensorsFile::read(path);
  const TensorView *t = f.find(name);
  EXPECT_TRUE(t) << name;
  return t ? testutil::toFloats(*t) : std::vector<float>();
}

class InitialWeightsTest : public ::testing::Test {
protected:
  // The hand-computed case of TrainTest's HandStepTest: from zero weights,
  // x1 = (1, 0, 0) kind 0 value 1 and x2 = (0, 1, 0) kind 2 value -1 give
  // one SGD step of lr 0.3 closed-form weights (below).
  void SetUp() override {
    dataPath = dir.path("hand.safetensors");
    writeTrainData(dataPath, handData());
    checkpoint = dir.path("c.safetensors");
  }

  std::vector<std::string> trainArgs(const std::string &init,
                                     const std::string &optimizer,
                                     const std::string &lr) {
    return {"train",        "--data",      dataPath,       "--epochs", "1",
            "--batch-size", "2",           "--checkpoint", checkpoint, "--init",
            init,           "--optimizer", optimizer,      "--lr",     lr};
  }

  /// A file of `tensors` (no metadata: a plain weights file).
  std::string
  writeWeights(const std::string &name, const std::vector<NamedTensor> &tensors,
               const std::map<std::string, std::string> &meta = {}) {
    std::string path = dir.path(name);
    writeSafetensors(path, tensors, meta);
    return path;
  }

  std::vector<float> zeros9 = std::vector<float>(9, 0.0f),
                     zeros3 = std::vector<float>(3, 0.0f),
                     zeros1 = std::vector<float>(1, 0.0f);
  std::vector<NamedTensor> zeroWeights() {
    return {{"kind.weight", {DType::F32, kindWeightShape, zeros9.data()}},
            {"kind.bias", {DType::F32, kindBiasShape, zeros3.data()}},
            {"value.weight", {DType::F32, valueWeightShape, zeros3.data()}},
            {"value.bias", {DType::F32, valueBiasShape, zeros1.data()}}};
  }

  TempDir dir;
  std::string dataPath, checkpoint;
};

void expectNear(const std::vector<float> &actual,
                const std::vector<float> &expected, const std::string &what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-7) << what << "[" << i << "]";
}

// Tests that the run starts from the file's weights (not the seed's): the
// step from zero weights is the closed form, and the momentum buffers hold
// that step's gradient, so they started at zero.
TEST_F(InitialWeightsTest, WeightsFileGivesTheHandComputedStep) {
  std::string w = writeWeights("zero.safetensors", zeroWeights());
  ProcessResult r = runFakeTrainModel(trainArgs(w, "sgd", "0.3"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("initial weights: 4 parameters from " + w + "\n"),
            std::string::npos)
      << r.err;
  expectNear(tensor(checkpoint, "kind.weight"),
             {0.1f, -0.05f, 0, -0.05f, -0.05f, 0, -0.05f, 0.1f, 0},
             "kind.weight");
  expectNear(tensor(checkpoint, "kind.bias"), {0.05f, -0.1f, 0.05f},
             "kind.bias");
  expectNear(tensor(checkpoint, "value.weight"), {0.3f, -0.3f, 0},
             "value.weight");
  expectNear(tensor(checkpoint, "value.bias"), {0}, "value.bias");
}

// Tests a checkpoint as --init: its parameters are taken, its optimizer
// state (Adam moments of 5, by this model's state names and by the
// optimizer.* names of compiled models) is not, so the run equals one from a
// plain file of the same weights, byte for byte.
TEST_F(InitialWeightsTest, CheckpointGivesItsParametersNotItsState) {
  std::vector<NamedTensor> tensors = zeroWeights();
  std::vector<float> fives(9, 5.0f);
  for (const NamedTensor &p : zeroWeights())
    for (const char *suffix : {".exp_avg", ".exp_avg_sq", ".momentum_buffer"})
      tensors.push_back(
          {p.name + suffix, {DType::F32, p.tensor.shape, fives.data()}});
  // A compiled model's optimizer state is named optimizer.<kind>.<param>.
  tensors.push_back(
      {"optimizer.m.kind.weight", {DType::F32, kindWeightShape, fives.data()}});
  std::string fromCheckpoint =
      writeWeights("old-run.safetensors", tensors,
                   {{"model", "other"}, {"fingerprint", "0123456789abcdef"}});
  ProcessResult r = runFakeTrainModel(trainArgs(fromCheckpoint, "adam", "0.1"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("initial weights: 4 parameters from " + fromCheckpoint +
                       "; the checkpoint's training state (13 tensors) is "
                       "not used: the optimizer starts afresh\n"),
            std::string::npos)
      << r.err;
  std::string viaCheckpoint = dir.path("via-checkpoint.safetensors");
  ASSERT_EQ(std::rename(checkpoint.c_str(), viaCheckpoint.c_str()), 0);

  r = runFakeTrainModel(trainArgs(
      writeWeights("zero.safetensors", zeroWeights()), "adam", "0.1"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  testutil::expectSameSafetensors(viaCheckpoint, checkpoint);
}

// Tests --init-partial: what the file has is loaded, the rest keeps the
// values `init` draws from the same seed, the file's other tensors are
// ignored, and the summary names both. (lr 0: the step changes nothing.)
TEST_F(InitialWeightsTest, PartialKeepsTheSeededValuesOfTheRest) {
  std::vector<float> kindWeight{1, 2, 3, 4, 5, 6, 7, 8, 9}, kindBias{-1, 0, 1};
  std::string w = writeWeights(
      "encoder-only.safetensors",
      {{"kind.weight", {DType::F32, kindWeightShape, kindWeight.data()}},
       {"kind.bias", {DType::F32, kindBiasShape, kindBias.data()}},
       {"other_head.weight", {DType::F32, {2, 3}, zeros9.data()}}});
  std::vector<std::string> args = trainArgs(w, "sgd", "0");
  args.insert(args.end(), {"--init-partial", "--seed", "7"});
  ProcessResult r = runFakeTrainModel(args);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("initial weights: 2 parameters from " + w +
                       "; 2 left at their seeded initial values: "
                       "value.weight, value.bias; 1 tensor of the file "
                       "ignored (not parameters of this model): "
                       "other_head.weight\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(tensor(checkpoint, "kind.weight"), kindWeight);
  EXPECT_EQ(tensor(checkpoint, "kind.bias"), kindBias);

  std::string seeded = dir.path("seeded.safetensors");
  ASSERT_EQ(
      runFakeTrainModel({"init", "--out", seeded, "--seed", "7"}).exitCode, 0);
  EXPECT_EQ(tensor(checkpoint, "value.weight"), tensor(seeded, "value.weight"));
  EXPECT_EQ(tensor(checkpoint, "value.bias"), tensor(seeded, "value.bias"));
}

TEST_F(InitialWeightsTest, EveryMismatchIsNamedInOneError) {
  std::string w = writeWeights(
      "misfit.safetensors",
      {{"kind.weight", {DType::F32, {3, 2}, zeros9.data()}},
       {"kind.bias", {DType::F32, kindBiasShape, zeros3.data()}},
       {"value.weight", {DType::F32, valueWeightShape, zeros3.data()}},
       {"extra.weight", {DType::F32, {1}, zeros1.data()}}});
  ProcessResult r = runFakeTrainModel(trainArgs(w, "sgd", "0.1"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, fakeTrainPrefix + "--init " + w +
                       ": the weights do not fit the model: 'kind.weight' is "
                       "F32 [3, 2], the model's is F32 [3, 3]; missing 1 "
                       "parameter: value.bias [1]; 1 tensor that is no "
                       "parameter of model 'fake_train': extra.weight\n");
  EXPECT_FALSE(std::ifstream(checkpoint).good());
}

TEST_F(InitialWeightsTest, MissingAndExtraSuggestPartial) {
  std::vector<NamedTensor> tensors = zeroWeights();
  tensors.pop_back();
  std::string w = writeWeights("no-bias.safetensors", tensors);
  ProcessResult r = runFakeTrainModel(trainArgs(w, "sgd", "0.1"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, fakeTrainPrefix + "--init " + w +
                       ": the weights do not fit the model: missing 1 "
                       "parameter: value.bias [1] (--init-partial loads the "
                       "parameters that match)\n");
}

TEST_F(InitialWeightsTest, NoMatchingTensorIsRefusedEvenPartial) {
  std::string w =
      writeWeights("unrelated.safetensors",
                   {{"encoder.weight", {DType::F32, {3}, zeros3.data()}}});
  std::vector<std::string> args = trainArgs(w, "sgd", "0.1");
  args.push_back("--init-partial");
  ProcessResult r = runFakeTrainModel(args);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, fakeTrainPrefix + "--init " + w +
                       ": no tensor of the file is a parameter of model "
                       "'fake_train'\n");
}

TEST_F(InitialWeightsTest, NonFiniteWeightIsRefused) {
  std::vector<float> bad{0, NAN, 0};
  std::vector<NamedTensor> tensors = zeroWeights();
  tensors[1].tensor.data = bad.data();
  std::string w = writeWeights("nan.safetensors", tensors);
  ProcessResult r = runFakeTrainModel(trainArgs(w, "sgd", "0.1"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, fakeTrainPrefix + w +
                       ": weight 'kind.bias' holds nan at element 1; weights "
                       "must be finite\n");
}

TEST_F(InitialWeightsTest, InitWithResumeIsRefused) {
  std::string w = writeWeights("zero.safetensors", zeroWeights());
  std::vector<std::string> args = trainArgs(w, "sgd", "0.1");
  args.push_back("--resume");
  ProcessResult r = runFakeTrainModel(args);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, fakeTrainPrefix +
                       "--init and --resume: a resumed run continues its "
                       "checkpoint's weights; start a new run to take "
                       "--init's\n");
}

TEST_F(InitialWeightsTest, PartialWithoutInitIsRefused) {
  ProcessResult r =
      runFakeTrainModel({"train", "--data", dataPath, "--epochs", "1",
                         "--checkpoint", checkpoint, "--init-partial"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, fakeTrainPrefix + "--init-partial needs --init FILE\n");
}

TEST_F(InitialWeightsTest, MissingFileIsRefused) {
  std::string w = dir.path("absent.safetensors");
  ProcessResult r = runFakeTrainModel(trainArgs(w, "sgd", "0.1"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find(w), std::string::npos) << r.err;
  EXPECT_FALSE(std::ifstream(checkpoint).good());
}

} // namespace
