//===- TrainTest.cpp - train and eval, run as a process -------------------===//
//
// Runs mtc-fake-train-model (FakeTrainableModel.h) as a subprocess: weights
// after hand-computed steps, learning, shuffles seen through the fake's
// step trace, bit-identical resume, NaN stops, checkpoints of another
// model, eval metrics, the log, the plot and every refused input.
//
//===----------------------------------------------------------------------===//

#include "FakeTrainData.h"
#include "FakeTrainableModel.h"
#include "TestUtil.h"

#include "mtc/balance.h"
#include "mtc/init.h"
#include "mtc/safetensors.h"
#include "mtc/schedule.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <regex>
#include <set>
#include <sstream>

using namespace mtc;
using testutil::ProcessResult;
using testutil::TempDir;
using namespace faketrain;

namespace {

void expectFailure(const ProcessResult &r, const std::string &message) {
  EXPECT_TRUE(r.exited) << "killed by a signal";
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, fakeTrainPrefix + message + "\n");
}

const char *const paramNames[] = {"kind.weight", "kind.bias", "value.weight",
                                  "value.bias"};
const std::vector<int64_t> paramShapes[] = {{3, 3}, {3}, {1, 3}, {1}};

// A checkpoint written by hand at step 0 with the given parameters (zero
// state), as the runtime documents the format.
void writeHandCheckpoint(const std::string &path,
                         const std::vector<std::vector<float>> &params,
                         const std::string &optimizer,
                         const std::string &fingerprint =
                             faketrain::fingerprint) {
  std::vector<NamedTensor> tensors;
  static std::vector<float> zeros(16, 0.0f);
  for (int p = 0; p < 4; ++p)
    tensors.push_back({paramNames[p], {DType::F32, paramShapes[p],
                                       params[p].data()}});
  std::vector<std::string> names;
  for (int p = 0; p < 4; ++p)
    for (const char *s : {".exp_avg", ".exp_avg_sq", ".momentum_buffer"})
      names.push_back(std::string(paramNames[p]) + s);
  for (size_t i = 0; i < names.size(); ++i)
    tensors.push_back(
        {names[i], {DType::F32, paramShapes[i / 3], zeros.data()}});
  writeSafetensors(path, tensors,
                   {{"model", "fake_train"},
                    {"fingerprint", fingerprint},
                    {"step", "0"},
                    {"epoch", "0"},
                    {"batch", "0"},
                    {"seed", "0"},
                    {"optimizer", optimizer},
                    {"balance", "static"},
                    {"hyperparameters", "{}"},
                    {"history", "[]"},
                    {"epoch_loss_sums", "[0, 0]"},
                    {"epoch_labelled", "[0, 0]"}});
}

std::vector<float> tensor(const SafetensorsFile &f, const std::string &name) {
  const TensorView *t = f.find(name);
  EXPECT_TRUE(t) << name;
  return t ? testutil::toFloats(*t) : std::vector<float>();
}

std::vector<nlohmann::json> readJsonLines(const std::string &path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(testutil::readFile(path));
  for (std::string line; std::getline(in, line);)
    lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// One train step as the fake traced it.
struct TracedStep {
  float step, lr, weightKind, weightValue; // as the step saw them
  uint64_t seed;
  std::vector<float> rows; // x[0] of each row
  bool operator==(const TracedStep &o) const {
    return step == o.step && lr == o.lr && seed == o.seed &&
           weightKind == o.weightKind && weightValue == o.weightValue &&
           rows == o.rows;
  }
};

std::vector<TracedStep> readTrace(const std::string &path) {
  std::vector<TracedStep> steps;
  std::istringstream in(testutil::readFile(path));
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string word;
    TracedStep s;
    words >> word >> s.step >> word >> s.lr >> word >> s.seed >> word >>
        s.weightKind >> s.weightValue >> word;
    for (float v; words >> v;)
      s.rows.push_back(v);
    steps.push_back(s);
  }
  return steps;
}

class TrainTest : public ::testing::Test {
protected:
  void SetUp() override {
    data = makeTrainData(10, 3);
    dataPath = dir.path("train.safetensors");
    writeTrainData(dataPath, data);
    checkpoint = dir.path("c.safetensors");
  }

  std::vector<std::string> trainArgs(const std::string &epochs,
                                     const std::string &batch) {
    return {"train",        "--data",  dataPath, "--epochs", epochs,
            "--batch-size", batch,     "--checkpoint", checkpoint};
  }

  TempDir dir;
  TrainData data;
  std::string dataPath, checkpoint;
};

// The hand-computed case: zero weights; x1 = (1, 0, 0) kind 0 value 1,
// x2 = (0, 1, 0) kind 2 value -1. Softmax gives 1/3 per class, so the
// per-example logit gradients (mean over 2) are (-1/3, 1/6, 1/6) and
// (1/6, 1/6, -1/3); the value errors are -1 and 1, gradients -1 and 1.
//   d kind.weight = [[-1/3, 1/6, 0], [1/6, 1/6, 0], [1/6, -1/3, 0]]
//   d kind.bias = (-1/6, 1/3, -1/6)
//   d value.weight = (-1, 1, 0), d value.bias = 0
// Losses: kind log 3, value 1.
class HandStepTest : public TrainTest {
protected:
  void SetUp() override {
    TrainTest::SetUp();
    hand = handData();
    handPath = dir.path("hand.safetensors");
    writeTrainData(handPath, hand);
  }

  SafetensorsFile trainOneStep(const std::string &optimizer,
                               const std::string &lr) {
    writeHandCheckpoint(checkpoint, {std::vector<float>(9, 0.0f),
                                     std::vector<float>(3, 0.0f),
                                     std::vector<float>(3, 0.0f),
                                     std::vector<float>(1, 0.0f)},
                        optimizer);
    std::string log = dir.path("hand.jsonl");
    ProcessResult r = runFakeTrainModel(
        {"train", "--data", handPath, "--epochs", "1", "--batch-size", "2",
         "--checkpoint", checkpoint, "--resume", "--optimizer", optimizer,
         "--lr", lr, "--log", log});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    std::vector<nlohmann::json> lines = readJsonLines(log);
    EXPECT_EQ(lines.size(), 2u);
    EXPECT_NEAR(lines.at(0)["losses"]["kind"].get<double>(), std::log(3.0),
                1e-6);
    EXPECT_EQ(lines.at(0)["losses"]["value"].get<double>(), 1.0);
    return SafetensorsFile::read(checkpoint);
  }

  TrainData hand;
  std::string handPath;
};

TEST_F(HandStepTest, SgdStep) {
  SafetensorsFile c = trainOneStep("sgd", "0.3");
  std::vector<float> expectW = {0.1f,   -0.05f, 0, -0.05f, -0.05f,
                                0,      -0.05f, 0.1f, 0};
  std::vector<float> w = tensor(c, "kind.weight");
  ASSERT_EQ(w.size(), 9u);
  for (int i = 0; i < 9; ++i)
    EXPECT_NEAR(w[i], expectW[i], 1e-7) << i;
  std::vector<float> b = tensor(c, "kind.bias");
  EXPECT_NEAR(b[0], 0.05, 1e-7);
  EXPECT_NEAR(b[1], -0.1, 1e-7);
  EXPECT_NEAR(b[2], 0.05, 1e-7);
  std::vector<float> v = tensor(c, "value.weight");
  EXPECT_NEAR(v[0], 0.3, 1e-7);
  EXPECT_NEAR(v[1], -0.3, 1e-7);
  EXPECT_EQ(v[2], 0.0f);
  EXPECT_EQ(tensor(c, "value.bias")[0], 0.0f);
  EXPECT_EQ(c.metadata().at("step"), "1");
  EXPECT_EQ(c.metadata().at("epoch"), "1");
}

// Adam's first step moves each weight by lr * g / (|g| + eps): -lr sign(g).
TEST_F(HandStepTest, AdamStep) {
  SafetensorsFile c = trainOneStep("adam", "0.01");
  std::vector<float> w = tensor(c, "kind.weight");
  std::vector<float> expectSign = {1, -1, 0, -1, -1, 0, -1, 1, 0};
  for (int i = 0; i < 9; ++i)
    EXPECT_NEAR(w[i], 0.01 * expectSign[i], 1e-8) << i;
  std::vector<float> m = tensor(c, "kind.weight.exp_avg");
  EXPECT_NEAR(m[0], 0.1 * (-1.0 / 3), 1e-8); // (1 - beta1) g
  std::vector<float> v = tensor(c, "value.weight");
  EXPECT_NEAR(v[0], 0.01, 1e-8);
  EXPECT_NEAR(v[1], -0.01, 1e-8);
  EXPECT_EQ(v[2], 0.0f);
}

// Tests learning end to end: both task losses fall by half over 15 epochs,
// validation metrics reach the bars, eval agrees with the last epoch's
// validation record.
TEST_F(TrainTest, LossFallsAndValidationImproves) {
  TrainData big = makeTrainData(96, 4), val = makeTrainData(48, 5);
  writeTrainData(dataPath, big);
  std::string valPath = dir.path("val.safetensors");
  writeTrainData(valPath, val);
  std::string log = dir.path("run.jsonl"), plot = dir.path("loss.svg");
  std::vector<std::string> args = trainArgs("15", "8");
  args.insert(args.end(), {"--val", valPath, "--lr", "0.05", "--seed", "1",
                           "--log", log, "--plot", plot});
  ProcessResult r = runFakeTrainModel(args);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("epoch 15/15 (step 180,"), std::string::npos) << r.out;

  std::vector<nlohmann::json> epochs;
  int steps = 0;
  for (const nlohmann::json &line : readJsonLines(log)) {
    if (line["kind"] == "step") {
      ++steps;
      EXPECT_EQ(line["step"].get<int>(), steps);
      EXPECT_EQ(line["epoch"].get<int>(), (steps - 1) / 12 + 1);
      EXPECT_EQ(line["lr"].get<double>(), 0.05);
      EXPECT_TRUE(line["loss"].is_number());
      EXPECT_TRUE(line["losses"].contains("kind"));
      EXPECT_TRUE(line["losses"].contains("value"));
    } else {
      EXPECT_EQ(line["kind"], "epoch");
      EXPECT_EQ(line["step"].get<int>(), steps);
      EXPECT_EQ(line["task_weights"]["kind"].get<double>(), 1.0);
      ASSERT_TRUE(line.contains("val"));
      EXPECT_TRUE(line["val"]["kind"].contains("accuracy"));
      EXPECT_TRUE(line["val"]["value"].contains("mae"));
      epochs.push_back(line);
    }
  }
  EXPECT_EQ(steps, 180);
  ASSERT_EQ(epochs.size(), 15u);
  for (const char *task : {"kind", "value"})
    EXPECT_LT(epochs[14]["losses"][task].get<double>(),
              0.5 * epochs[0]["losses"][task].get<double>())
        << task;
  const nlohmann::json &lastVal = epochs[14]["val"];
  EXPECT_GE(lastVal["kind"]["accuracy"].get<double>(), 0.85);
  EXPECT_LT(lastVal["value"]["mse"].get<double>(), 0.05);
  EXPECT_EQ(lastVal["kind"]["count"].get<int>(), 48 - 48 / 5);
  EXPECT_EQ(lastVal["value"]["count"].get<int>(), 48 - 48 / 4);

  ProcessResult e = runFakeTrainModel(
      {"eval", "--data", valPath, "--weights", checkpoint, "--json"});
  ASSERT_EQ(e.exitCode, 0) << e.err;
  nlohmann::json metrics = nlohmann::json::parse(e.out);
  EXPECT_EQ(metrics["tasks"], lastVal);

  SafetensorsFile c = SafetensorsFile::read(checkpoint);
  nlohmann::json history = nlohmann::json::parse(c.metadata().at("history"));
  ASSERT_EQ(history.size(), 15u);
  EXPECT_EQ(history[14]["val"][1].get<double>(),
            lastVal["value"]["loss"].get<double>());
  EXPECT_EQ(c.metadata().at("optimizer"), "adam");
}

// A minimal XML well-formedness check: tags nest and close, attribute
// values are quoted, text holds no bare '<' or '&'.
void expectWellFormedXml(const std::string &xml) {
  std::vector<std::string> open;
  size_t i = xml.find("<?xml");
  ASSERT_EQ(i, 0u);
  i = xml.find("?>") + 2;
  while (i < xml.size()) {
    size_t lt = xml.find('<', i);
    std::string text = xml.substr(i, lt == std::string::npos ? lt : lt - i);
    EXPECT_EQ(text.find('&') == std::string::npos ||
                  std::regex_search(text, std::regex("&(amp|lt|gt|quot);")),
              true)
        << text;
    if (lt == std::string::npos)
      break;
    size_t gt = xml.find('>', lt);
    ASSERT_NE(gt, std::string::npos);
    std::string tag = xml.substr(lt + 1, gt - lt - 1);
    if (tag[0] == '/') {
      ASSERT_FALSE(open.empty()) << tag;
      EXPECT_EQ(open.back(), tag.substr(1));
      open.pop_back();
    } else {
      bool selfClosing = tag.back() == '/';
      if (selfClosing)
        tag.pop_back();
      std::string name = tag.substr(0, tag.find_first_of(" \n"));
      std::string rest = tag.substr(name.size());
      EXPECT_TRUE(std::regex_match(rest, std::regex(R"((\s+[a-zA-Z0-9:-]+="[^"<]*")*\s*)")))
          << rest;
      if (!selfClosing)
        open.push_back(name);
    }
    i = gt + 1;
  }
  EXPECT_TRUE(open.empty());
}

int count(const std::string &text, const std::string &what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

TEST_F(TrainTest, PlotIsWellFormedSvgWithOnePolylinePerTask) {
  std::string plot = dir.path("loss.svg");
  std::vector<std::string> args = trainArgs("3", "4");
  args.insert(args.end(), {"--plot", plot});
  ASSERT_EQ(runFakeTrainModel(args).exitCode, 0);
  std::string svg = testutil::readFile(plot);
  expectWellFormedXml(svg);
  EXPECT_EQ(count(svg, "<polyline"), 2);
  EXPECT_EQ(count(svg, "<circle"), 6);
  EXPECT_NE(svg.find(">kind</text>"), std::string::npos);
  EXPECT_NE(svg.find(">value</text>"), std::string::npos);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            std::string::npos);

  // With validation: a dashed polyline more per task.
  std::string valPath = dir.path("val.safetensors");
  writeTrainData(valPath, makeTrainData(6, 9));
  args.insert(args.end(), {"--val", valPath});
  ASSERT_EQ(runFakeTrainModel(args).exitCode, 0);
  svg = testutil::readFile(plot);
  expectWellFormedXml(svg);
  EXPECT_EQ(count(svg, "<polyline"), 4);
  EXPECT_EQ(count(svg, "stroke-dasharray"), 2);
}

// Tests the shuffles through the fake's trace: each epoch's batches (4, 4
// and a partial 2) hold every example once; the same seed repeats the
// order, another seed or epoch changes it; step seeds differ per step.
TEST_F(TrainTest, ShuffleIsSeededAndCoversEveryExample) {
  int runs = 0;
  auto traceOf = [&](const std::string &seed) {
    std::string trace = dir.path("trace" + std::to_string(runs++));
    std::vector<std::string> args = trainArgs("2", "4");
    args.insert(args.end(), {"--seed", seed});
    ProcessResult r = runFakeTrainModel(args, {"FAKE_TRAIN_TRACE=" + trace});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return readTrace(trace);
  };
  std::vector<TracedStep> a = traceOf("11");
  ASSERT_EQ(a.size(), 6u);
  std::multiset<float> all(data.x.begin(), data.x.end());
  std::set<float> firsts;
  for (int64_t i = 0; i < data.size(); ++i)
    firsts.insert(data.x[i * 3]);
  ASSERT_EQ(firsts.size(), 10u);
  std::vector<float> epochOrder[2];
  std::set<uint64_t> seeds;
  for (int s = 0; s < 6; ++s) {
    EXPECT_EQ(a[s].step, s + 1);
    EXPECT_EQ(a[s].rows.size(), s % 3 == 2 ? 2u : 4u);
    epochOrder[s / 3].insert(epochOrder[s / 3].end(), a[s].rows.begin(),
                             a[s].rows.end());
    seeds.insert(a[s].seed);
  }
  EXPECT_EQ(seeds.size(), 6u);
  for (const std::vector<float> &order : epochOrder)
    EXPECT_EQ(std::set<float>(order.begin(), order.end()), firsts);
  EXPECT_NE(epochOrder[0], epochOrder[1]);

  std::vector<TracedStep> again = traceOf("11");
  EXPECT_EQ(again, a);
  std::vector<TracedStep> other = traceOf("12");
  EXPECT_NE(other[0].rows, a[0].rows);
  EXPECT_NE(other[0].seed, a[0].seed);
}

// Tests --resume: 9 steps straight and 4 (stopped by --max-steps inside
// epoch 2) + resume + 5 give bit-identical parameters and state, the same
// trace (lr, step seed, DWA weights, rows) and the same history.
TEST_F(TrainTest, ResumeIsBitIdentical) {
  std::vector<std::string> args = trainArgs("3", "4");
  args.insert(args.end(), {"--schedule", "cosine", "--warmup-steps", "2",
                           "--balance", "dwa", "--every", "2", "--lr", "0.1",
                           "--seed", "4", "--optimizer", "sgd", "--momentum",
                           "0.9", "--nesterov", "--clip-norm", "1"});
  std::string straightTrace = dir.path("straight"),
              splitTrace = dir.path("split");
  ProcessResult r =
      runFakeTrainModel(args, {"FAKE_TRAIN_TRACE=" + straightTrace});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string straight = testutil::readFile(checkpoint);

  std::vector<std::string> first = args;
  first.insert(first.end(), {"--max-steps", "4"});
  r = runFakeTrainModel(first, {"FAKE_TRAIN_TRACE=" + splitTrace});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  SafetensorsFile half = SafetensorsFile::read(checkpoint);
  EXPECT_EQ(half.metadata().at("step"), "4");
  EXPECT_EQ(half.metadata().at("epoch"), "1");
  EXPECT_EQ(half.metadata().at("batch"), "1");
  std::vector<std::string> second = args;
  second.push_back("--resume");
  r = runFakeTrainModel(second, {"FAKE_TRAIN_TRACE=" + splitTrace});
  ASSERT_EQ(r.exitCode, 0) << r.err;

  std::string straightPath = dir.path("straight.safetensors");
  testutil::writeFile(straightPath, straight);
  testutil::expectSameSafetensors(straightPath, checkpoint);
  SafetensorsFile b = SafetensorsFile::read(checkpoint);
  std::vector<TracedStep> t1 = readTrace(straightTrace),
                          t2 = readTrace(splitTrace);
  ASSERT_EQ(t1.size(), 9u);
  EXPECT_EQ(t1, t2);

  // The schedule and DWA weights the steps saw, against closed forms.
  LrSchedule schedule{ScheduleKind::Cosine, 0.1, 2, 9};
  for (int s = 0; s < 9; ++s)
    EXPECT_EQ(t1[s].lr, float(schedule.lrAt(s + 1))) << s;
  nlohmann::json history = nlohmann::json::parse(b.metadata().at("history"));
  std::vector<std::vector<double>> means = {
      history[0]["train"].get<std::vector<double>>(),
      history[1]["train"].get<std::vector<double>>()};
  std::vector<double> w = taskWeights("dwa", {1, 1}, means);
  for (int s = 0; s < 6; ++s)
    EXPECT_EQ(t1[s].weightKind, 1.0);
  for (int s = 6; s < 9; ++s) {
    EXPECT_EQ(t1[s].weightKind, float(w[0]));
    EXPECT_EQ(t1[s].weightValue, float(w[1]));
  }
  double r0 = means[1][0] / means[0][0], r1 = means[1][1] / means[0][1];
  EXPECT_NEAR(w[0], 2 * std::exp(r0 / 2) / (std::exp(r0 / 2) + std::exp(r1 / 2)),
              1e-12);
}

// Tests a NaN/Inf stop: after a good epoch (checkpoint at step 3), a value
// label of 1e30 overflows the squared error at step 4; the run stops naming
// the task and the step, and the checkpoint file is byte-identical.
TEST_F(TrainTest, NonFiniteLossStopsAndKeepsTheCheckpoint) {
  ASSERT_EQ(runFakeTrainModel(trainArgs("1", "4")).exitCode, 0);
  std::string before = testutil::readFile(checkpoint);
  TrainData bad = data;
  for (float &y : bad.yValue)
    y = 1e30f;
  std::string badPath = dir.path("bad.safetensors");
  writeTrainData(badPath, bad);
  ProcessResult r = runFakeTrainModel({"train", "--data", badPath, "--epochs",
                                       "2", "--batch-size", "4", "--checkpoint",
                                       checkpoint, "--resume", "--every", "1"});
  expectFailure(r, "step 4: task 'value' has loss inf; training stopped, the "
                   "last good checkpoint " +
                       checkpoint + " (step 3) is kept");
  EXPECT_EQ(testutil::readFile(checkpoint), before);
}

TEST_F(TrainTest, NonFiniteLossBeforeAnyCheckpoint) {
  TrainData bad = data;
  bad.yValue[0] = 1e30f;
  writeTrainData(dataPath, bad);
  ProcessResult r = runFakeTrainModel(trainArgs("1", "10"));
  expectFailure(r, "step 1: task 'value' has loss inf; training stopped "
                   "before any checkpoint was written");
  EXPECT_FALSE(std::ifstream(checkpoint).good());
}

TEST_F(TrainTest, CheckpointOfAnotherModelIsRefused) {
  writeHandCheckpoint(checkpoint, {std::vector<float>(9), std::vector<float>(3),
                                   std::vector<float>(3), std::vector<float>(1)},
                      "adam", "0123456789abcdef");
  std::vector<std::string> args = trainArgs("1", "4");
  args.push_back("--resume");
  expectFailure(runFakeTrainModel(args),
                checkpoint + ": checkpoint of model 'fake_train' (fingerprint "
                             "0123456789abcdef), but this is model "
                             "'fake_train' (fingerprint fedcba9876543210); "
                             "start a new run without --resume");
}

TEST_F(TrainTest, ResumeWithAnotherOptimizerIsRefused) {
  ASSERT_EQ(runFakeTrainModel(trainArgs("1", "4")).exitCode, 0);
  std::vector<std::string> args = trainArgs("2", "4");
  args.insert(args.end(), {"--resume", "--optimizer", "sgd"});
  expectFailure(runFakeTrainModel(args),
                checkpoint + ": the run used optimizer adam, not "
                             "sgd; its state means something else "
                             "to sgd");
}

// Tests eval on a hand-computed case: zero weights but value.bias 0.5, so
// every kind has probability 1/3 (loss log 3, argmax class 0) and every
// value prediction is 0.5.
TEST_F(TrainTest, EvalJsonHandComputed) {
  std::string weights = dir.path("w.safetensors");
  std::vector<float> zeros(9, 0.0f), half = {0.5f};
  writeSafetensors(weights,
                   {{"kind.weight", {DType::F32, {3, 3}, zeros.data()}},
                    {"kind.bias", {DType::F32, {3}, zeros.data()}},
                    {"value.weight", {DType::F32, {1, 3}, zeros.data()}},
                    {"value.bias", {DType::F32, {1}, half.data()}}},
                   {});
  TrainData d;
  d.x = std::vector<float>(12, 1.0f);
  d.yKind = {0, 1, 0, -100};       // the last is unlabelled: a placeholder
  d.yValue = {0.5f, 1.5f, -0.5f, 2.5f}; // errors 0, -1, 1, -2
  d.mask = {1, 1, 1, 1, 1, 1, 0, 1};
  std::string path = dir.path("eval.safetensors");
  writeTrainData(path, d);
  ProcessResult r = runFakeTrainModel({"eval", "--data", path, "--weights",
                                       weights, "--json", "--batch-size", "3"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  const nlohmann::json &kind = j["tasks"]["kind"];
  const nlohmann::json &value = j["tasks"]["value"];
  EXPECT_EQ(kind.size(), 3u);
  EXPECT_NEAR(kind["loss"].get<double>(), std::log(3.0), 1e-6);
  EXPECT_DOUBLE_EQ(kind["accuracy"].get<double>(), 2.0 / 3);
  EXPECT_EQ(kind["count"].get<int>(), 3);
  EXPECT_EQ(value.size(), 4u);
  EXPECT_EQ(value["loss"].get<double>(), 1.5);
  EXPECT_EQ(value["mse"].get<double>(), 1.5);
  EXPECT_EQ(value["mae"].get<double>(), 1.0);
  EXPECT_EQ(value["count"].get<int>(), 4);
  std::vector<std::string> keys;
  for (auto it = j["tasks"].begin(); it != j["tasks"].end(); ++it)
    keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"kind", "value"}));

  ProcessResult text =
      runFakeTrainModel({"eval", "--data", path, "--weights", weights});
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_EQ(text.out,
            "kind             loss 1.098612  accuracy 0.666667  (3 examples)\n"
            "value            loss 1.500000  mse 1.500000  mae 1.000000  (4 "
            "examples)\n");
}

TEST_F(TrainTest, InfoShowsTraining) {
  ProcessResult r = runFakeTrainModel({"info", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  nlohmann::json t = nlohmann::json::parse(r.out)["training"];
  EXPECT_EQ(t["optimizers"],
            (std::vector<std::string>{"adam", "adamw", "sgd"}));
  EXPECT_EQ(t["balance"], "static");
  EXPECT_EQ(t["surgery"], "none");
  EXPECT_EQ(t["state_count"], 48);
  EXPECT_EQ(t["state_bytes"], 192);
  EXPECT_EQ(t["labels"].size(), 3u);
  EXPECT_EQ(t["hyperparameters"].size(), 13u);
  r = runFakeTrainModel({"info"});
  EXPECT_NE(r.out.find("training: yes\n  optimizers: adam, adamw, sgd\n"
                       "  balance: static, surgery: none\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  state: 12 tensors, 48 floats (192 bytes)\n"),
            std::string::npos);
}

TEST_F(TrainTest, InferenceOnlyModel) {
  ProcessResult r = testutil::runFakeModel(
      {"train", "--data", dataPath, "--epochs", "1", "--checkpoint",
       checkpoint});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err,
            "mtc-fake-model: this model was compiled for inference only\n");
  r = testutil::runFakeModel(
      {"eval", "--data", dataPath, "--weights", checkpoint});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err,
            "mtc-fake-model: this model was compiled for inference only\n");
}

// Each bad input: a specific message and a non-zero exit, before any step.
TEST_F(TrainTest, LabelOfWrongDType) {
  std::vector<float> kinds(10, 0.0f);
  std::vector<NamedTensor> t = tensorsOf(data);
  t[1].tensor = {DType::F32, {10}, kinds.data()};
  writeSafetensors(dataPath, t, {});
  expectFailure(runFakeTrainModel(trainArgs("1", "4")),
                dataPath + ": tensor 'y.kind' has dtype F32, the model "
                           "expects I32");
}

TEST_F(TrainTest, LabelOfWrongShape) {
  std::vector<NamedTensor> t = tensorsOf(data);
  t[2].tensor.shape = {10};
  writeSafetensors(dataPath, t, {});
  expectFailure(runFakeTrainModel(trainArgs("1", "4")),
                dataPath + ": tensor 'y.value' has shape [10], the model "
                           "expects [N, 1]");
}

TEST_F(TrainTest, MissingLabel) {
  std::vector<NamedTensor> t = tensorsOf(data);
  t.erase(t.begin() + 2);
  writeSafetensors(dataPath, t, {});
  expectFailure(runFakeTrainModel(trainArgs("1", "4")),
                dataPath + ": missing tensor 'y.value' (the model's labels: "
                           "y.kind i32 [N], y.value f32 [N, 1], mask u8 "
                           "[N, 2])");
}

TEST_F(TrainTest, LabelOutOfRange) {
  data.yKind[4] = 7; // unlabelled (mask 0): any placeholder is accepted
  data.yKind[6] = 3;
  writeTrainData(dataPath, data);
  expectFailure(runFakeTrainModel(trainArgs("1", "4")),
                dataPath + ": tensor 'y.kind': label 3 at example 6 is out "
                           "of range [0, 3) for task 'kind'");
  data.yKind[6] = -1;
  writeTrainData(dataPath, data);
  expectFailure(runFakeTrainModel(trainArgs("1", "4")),
                dataPath + ": tensor 'y.kind': label -1 at example 6 is out "
                           "of range [0, 3) for task 'kind'");
}

// A float label must be finite where it counts; where the mask marks the
// example unlabelled for its task, NaN is a placeholder like any other.
TEST_F(TrainTest, NonFiniteLabel) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  data.yValue[3] = nan; // example 3 has no 'value' label (mask 0)
  data.yValue[6] = nan;
  writeTrainData(dataPath, data);
  expectFailure(runFakeTrainModel(trainArgs("1", "4")),
                dataPath + ": tensor 'y.value': value nan at example 6 "
                           "(element 0 of its row) is not finite");
  data.yValue[6] = 0.5f;
  writeTrainData(dataPath, data);
  ProcessResult r = runFakeTrainModel(trainArgs("1", "4"));
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST_F(TrainTest, NonFiniteWeightInCheckpoint) {
  writeHandCheckpoint(checkpoint,
                      {std::vector<float>(9),
                       {0, 0, -INFINITY},
                       std::vector<float>(3),
                       std::vector<float>(1)},
                      "sgd");
  std::vector<std::string> args = trainArgs("1", "4");
  args.push_back("--resume");
  expectFailure(runFakeTrainModel(args),
                checkpoint + ": weight 'kind.bias' holds -inf at "
                             "element 2; weights must be finite");
}

TEST_F(TrainTest, UnknownOptimizer) {
  std::vector<std::string> args = trainArgs("1", "4");
  args.insert(args.end(), {"--optimizer", "rmsprop"});
  expectFailure(runFakeTrainModel(args),
                "unknown optimizer 'rmsprop' (expected adam, adamw or sgd)");
}

TEST_F(TrainTest, MomentumWithAdam) {
  std::vector<std::string> args = trainArgs("1", "4");
  args.insert(args.end(), {"--momentum", "0.9"});
  expectFailure(runFakeTrainModel(args),
                "--momentum and --nesterov apply to sgd, not adam");
}

TEST_F(TrainTest, BalanceMismatch) {
  std::vector<std::string> args = trainArgs("1", "4");
  args.insert(args.end(), {"--balance", "uncertainty"});
  expectFailure(runFakeTrainModel(args),
                "--balance uncertainty: the model was compiled "
                "with balance 'static'; recompile it with "
                "'uncertainty' (only static and dwa replace each "
                "other at train time)");
}

TEST_F(TrainTest, SurgeryMismatch) {
  std::vector<std::string> args = trainArgs("1", "4");
  args.insert(args.end(), {"--surgery", "pcgrad"});
  expectFailure(runFakeTrainModel(args),
                "--surgery pcgrad: the model was compiled with "
                "surgery 'none'; recompile it with 'pcgrad'");
}

TEST_F(TrainTest, ResumeWithoutCheckpoint) {
  ProcessResult r = runFakeTrainModel(
      {"train", "--data", dataPath, "--epochs", "1", "--resume"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err, fakeTrainPrefix + "--checkpoint is required\n"
                                     "Run with --help for more information.\n");
  std::vector<std::string> args = trainArgs("1", "4");
  args.push_back("--resume");
  expectFailure(runFakeTrainModel(args),
                "--resume: checkpoint '" + checkpoint + "' does not exist");
}

TEST_F(TrainTest, UnknownHyperparameterName) {
  expectFailure(
      runFakeTrainModel(trainArgs("1", "4"), {"FAKE_TRAIN_EXTRA_HYPER=1"}),
      "model ABI: unknown hyperparameter 'gradnorm_alpha' (this "
      "runtime sets lr, step, beta1, beta2, eps, weight_decay, "
      "decoupled, momentum, dampening, nesterov, clip_norm, "
      "task_weight.<task>)");
}

TEST_F(TrainTest, UnknownSchedule) {
  std::vector<std::string> args = trainArgs("1", "4");
  args.insert(args.end(), {"--schedule", "step"});
  expectFailure(runFakeTrainModel(args),
                "unknown schedule 'step' (expected constant, "
                "cosine or linear)");
}

} // namespace
