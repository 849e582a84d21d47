//===- CliTest.cpp - The compiled model's command line, as a process ------===//
//
// Runs mtc-fake-model (the fake model linked with mtc_runtime_main) as a
// subprocess: exit codes, stderr and files are what a user sees, and a
// crash shows up as a signal instead of taking the test down.
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"
#include "TestUtil.h"

#include "mtc/init.h"
#include "mtc/model_abi.h"
#include "mtc/parameters.h"
#include "mtc/safetensors.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sys/stat.h>

using namespace mtc;
using testutil::FakeData;
using testutil::ProcessResult;
using testutil::runFakeModel;
using testutil::TempDir;

namespace {

const std::string prog = "mtc-fake-model: ";

// Expects exit status 1 and exactly `message` (after the program name) on
// stderr.
void expectFailure(const ProcessResult &r, const std::string &message) {
  EXPECT_TRUE(r.exited) << "killed by a signal";
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, prog + message + "\n");
}

void expectUsageError(const ProcessResult &r, const std::string &message) {
  EXPECT_TRUE(r.exited) << "killed by a signal";
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err,
            prog + message + "\nRun with --help for more information.\n");
}

// The tests' fixture: a directory with init'd weights (seed 5) and a
// 37-example dataset.
class CliTest : public ::testing::Test {
protected:
  void SetUp() override {
    weights = dir.path("w.safetensors");
    ProcessResult r = runFakeModel({"init", "--out", weights, "--seed", "5"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    data = testutil::makeFakeData(37, 1);
    dataPath = dir.path("d.safetensors");
    testutil::writeFakeData(dataPath, data);
  }

  ProcessResult predictOn(const std::string &dataFile) {
    return runFakeModel({"predict", "--data", dataFile, "--weights", weights,
                         "--out", dir.path("o.safetensors")});
  }

  TempDir dir;
  std::string weights, dataPath;
  FakeData data;
};

TEST_F(CliTest, InitWritesSeededWeightsWithMetadata) {
  SafetensorsFile w = SafetensorsFile::read(weights);
  EXPECT_EQ(w.metadata().at("fingerprint"), "0123456789abcdef");
  EXPECT_EQ(w.metadata().at("seed"), "5");
  EXPECT_EQ(w.metadata().at("model"), "fake");
  ParameterStore expected(*mtc_model_get());
  initParameters(5, expected);
  const TensorView *weight = w.find("head.weight");
  const TensorView *bias = w.find("head.bias");
  ASSERT_TRUE(weight && bias);
  EXPECT_EQ(weight->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(bias->shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(std::memcmp(weight->data, expected.data(0), 24), 0);
  EXPECT_EQ(std::memcmp(bias->data, expected.data(1), 8), 0);
  for (float v : testutil::toFloats(*weight))
    EXPECT_LE(std::abs(v), 1 / std::sqrt(3.0f));
  EXPECT_NE(testutil::toFloats(*weight)[0], testutil::toFloats(*weight)[1]);
}

TEST_F(CliTest, InitDefaultSeedIsZero) {
  std::string w0 = dir.path("w0.safetensors");
  ASSERT_EQ(runFakeModel({"init", "--out", w0}).exitCode, 0);
  ParameterStore expected(*mtc_model_get());
  initParameters(0, expected);
  EXPECT_EQ(std::memcmp(SafetensorsFile::read(w0).find("head.bias")->data,
                        expected.data(1), 8),
            0);
}

// Tests predict end to end: 37 examples in batches of 8 (the last holds 5)
// against the fake forward computed directly.
TEST_F(CliTest, PredictMatchesTheReference) {
  std::string out = dir.path("o.safetensors");
  ProcessResult r = runFakeModel({"predict", "--data", dataPath, "--weights",
                                  weights, "--out", out, "--batch-size", "8"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err, "");

  SafetensorsFile w = SafetensorsFile::read(weights);
  testutil::FakeOutputs ref =
      testutil::fakeReference(data, testutil::toFloats(*w.find("head.weight")),
                              testutil::toFloats(*w.find("head.bias")));
  SafetensorsFile o = SafetensorsFile::read(out);
  EXPECT_EQ(o.names().size(), 2u);
  EXPECT_EQ(o.metadata().at("fingerprint"), "0123456789abcdef");
  const TensorView *sentiment = o.find("sentiment");
  const TensorView *score = o.find("score");
  ASSERT_TRUE(sentiment && score);
  EXPECT_EQ(sentiment->dtype, DType::F32);
  EXPECT_EQ(sentiment->shape, (std::vector<int64_t>{37, 2}));
  EXPECT_EQ(score->shape, (std::vector<int64_t>{37, 1}));
  std::vector<float> s = testutil::toFloats(*sentiment);
  std::vector<float> c = testutil::toFloats(*score);
  for (int i = 0; i < 37 * 2; ++i)
    EXPECT_NEAR(s[i], ref.sentiment[i], 1e-5) << "sentiment element " << i;
  for (int i = 0; i < 37; ++i)
    EXPECT_NEAR(c[i], ref.score[i], 1e-5) << "score example " << i;

  // Same numbers with the default batch size (32: one full batch and 5).
  std::string out32 = dir.path("o32.safetensors");
  ASSERT_EQ(runFakeModel({"predict", "--data", dataPath, "--weights", weights,
                          "--out", out32})
                .exitCode,
            0);
  EXPECT_EQ(testutil::readFile(out32), testutil::readFile(out));
}

TEST_F(CliTest, PredictWithoutWeightsInitialisesFromSeed) {
  std::string withWeights = dir.path("a.safetensors");
  std::string fromSeed = dir.path("b.safetensors");
  ASSERT_EQ(runFakeModel({"predict", "--data", dataPath, "--weights", weights,
                          "--out", withWeights})
                .exitCode,
            0);
  ASSERT_EQ(runFakeModel({"predict", "--data", dataPath, "--seed", "5", "--out",
                          fromSeed})
                .exitCode,
            0);
  EXPECT_EQ(testutil::readFile(fromSeed), testutil::readFile(withWeights));
}

TEST_F(CliTest, PredictOnAnEmptyDataset) {
  FakeData empty;
  std::string path = dir.path("e.safetensors");
  testutil::writeFakeData(path, empty);
  ASSERT_EQ(predictOn(path).exitCode, 0);
  SafetensorsFile o = SafetensorsFile::read(dir.path("o.safetensors"));
  EXPECT_EQ(o.find("sentiment")->shape, (std::vector<int64_t>{0, 2}));
}

TEST_F(CliTest, InfoText) {
  ProcessResult r = runFakeModel({"info"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "model: fake (fingerprint 0123456789abcdef)\n"
                   "target: x86-64-linux-sse41\n"
                   "tasks:\n"
                   "  sentiment        cross_entropy          2 classes, "
                   "output 'sentiment'\n"
                   "  score            mse                    1 classes, "
                   "output 'score'\n"
                   "inputs:\n"
                   "  x                f32  [N, 4, 3]\n"
                   "  task             i32  [N]  ids in [0, 2)\n"
                   "outputs:\n"
                   "  sentiment        f32  [N, 2]\n"
                   "  score            f32  [N, 1]\n"
                   "parameters:\n"
                   "  name         shape          count           bytes\n"
                   "  head.weight  [2, 3]             6              24\n"
                   "  head.bias    [2]                2               8\n"
                   "  total                           8              32\n"
                   "arena: 64 bytes static + 12 bytes per example (448 bytes "
                   "at batch 32)\n"
                   "kernels (2):\n"
                   "  fake_mean\n"
                   "  fake_linear\n"
                   "training: no (compiled for inference only)\n");
}

TEST_F(CliTest, InfoJson) {
  ProcessResult r = runFakeModel({"info", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["inputs"], nlohmann::json::parse(R"([
      {"name": "x", "dtype": "f32", "shape": [null, 4, 3]},
      {"name": "task", "dtype": "i32", "shape": [null], "id_bound": 2}])"));
  EXPECT_EQ(j["outputs"], nlohmann::json::parse(R"([
      {"name": "sentiment", "dtype": "f32", "shape": [null, 2]},
      {"name": "score", "dtype": "f32", "shape": [null, 1]}])"));
  EXPECT_EQ(j["tasks"], nlohmann::json::parse(R"([
      {"name": "sentiment", "kind": "cross_entropy", "classes": 2,
       "weight": 1.0, "output": "sentiment"},
      {"name": "score", "kind": "mse", "classes": 1, "weight": 1.0,
       "output": "score"}])"));
  ASSERT_EQ(j["parameters"].size(), 2u);
  EXPECT_EQ(j["parameters"][0]["name"], "head.weight");
  EXPECT_EQ(j["parameters"][0]["shape"], nlohmann::json::parse("[2, 3]"));
  EXPECT_EQ(j["parameters"][0]["count"], 6);
  EXPECT_EQ(j["parameters"][0]["bytes"], 24);
  EXPECT_EQ(j["parameters"][1]["shape"], nlohmann::json::parse("[2]"));
  EXPECT_EQ(j["num_parameters"], 8);
  EXPECT_EQ(j["arena_static_bytes"], 64);
  EXPECT_EQ(j["arena_bytes_per_example"], 12);
  EXPECT_EQ(j["arena_bytes"], 64 + 32 * 12);
  EXPECT_EQ(j["target"], "x86-64-linux-sse41");
  EXPECT_EQ(j["fingerprint"], "0123456789abcdef");
  EXPECT_EQ(j["kernels"], nlohmann::json::parse(R"(["fake_mean",
                                                    "fake_linear"])"));
  EXPECT_TRUE(j["training"].is_null());
}

// Tests that --help lists the commands and names what a dataset holds.
TEST_F(CliTest, Help) {
  ProcessResult r = runFakeModel({"--help"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.out.find("predict"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Tasks:\n  sentiment        cross_entropy, 2 classes, "
                       "label 'y.sentiment'\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Inputs (a dataset's tensors; N: the examples):\n"
                       "  x                f32 [N, 4, 3]\n"
                       "  task             i32 [N]\n"),
            std::string::npos)
      << r.out;
}

// Tests that weights files follow the umask, as any new file does (mkstemp
// alone would make them 0600).
TEST_F(CliTest, WrittenFilesFollowTheUmask) {
  for (mode_t mask : {mode_t(022), mode_t(077), mode_t(002)}) {
    mode_t old = ::umask(mask);
    std::string w = dir.path("w" + std::to_string(mask) + ".safetensors");
    ProcessResult r = runFakeModel({"init", "--out", w});
    ::umask(old);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    struct stat st;
    ASSERT_EQ(::stat(w.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask) << std::oct << mask;
  }
}

TEST_F(CliTest, MissingTensor) {
  std::string path = dir.path("m.safetensors");
  writeSafetensors(path, {{"x", {DType::F32, {37, 4, 3}, data.x.data()}}}, {});
  expectFailure(predictOn(path),
                path + ": missing tensor 'task' (the model's inputs: x f32 "
                       "[N, 4, 3], task i32 [N])");
}

TEST_F(CliTest, WrongDType) {
  std::string path = dir.path("m.safetensors");
  std::vector<float> task(37, 0.0f);
  writeSafetensors(path,
                   {{"x", {DType::F32, {37, 4, 3}, data.x.data()}},
                    {"task", {DType::F32, {37}, task.data()}}},
                   {});
  expectFailure(predictOn(path), path + ": tensor 'task' has dtype F32, the "
                                        "model expects I32");
}

TEST_F(CliTest, WrongShape) {
  std::string path = dir.path("m.safetensors");
  writeSafetensors(path,
                   {{"x", {DType::F32, {37, 6, 2}, data.x.data()}},
                    {"task", {DType::I32, {37}, data.task.data()}}},
                   {});
  expectFailure(predictOn(path), path + ": tensor 'x' has shape [37, 6, 2], "
                                        "the model expects [N, 4, 3]");
}

TEST_F(CliTest, ExampleCountsDisagree) {
  std::string path = dir.path("m.safetensors");
  writeSafetensors(path,
                   {{"x", {DType::F32, {37, 4, 3}, data.x.data()}},
                    {"task", {DType::I32, {36}, data.task.data()}}},
                   {});
  expectFailure(predictOn(path),
                path + ": tensor 'task' has 36 examples, tensor 'x' has 37");
}

TEST_F(CliTest, TruncatedFile) {
  std::string bytes = testutil::readFile(dataPath);
  std::string path = dir.path("t.safetensors");
  testutil::writeFile(path, bytes.substr(0, bytes.size() - 100));
  uint64_t headerBytes;
  std::memcpy(&headerBytes, bytes.data(), 8);
  uint64_t dataBytes = bytes.size() - 100 - 8 - headerBytes;
  // x (1776 bytes) comes first, task (148) after it.
  expectFailure(predictOn(path),
                fmt::format("{}: tensor 'task': data_offsets [1776, 1924) end "
                            "past the data section ({} bytes)",
                            path, dataBytes));
}

TEST_F(CliTest, GarbageFile) {
  std::string path = dir.path("g.safetensors");
  std::string garbage = "this is not a safetensors file, just some text\n";
  testutil::writeFile(path, garbage);
  uint64_t headerBytes;
  std::memcpy(&headerBytes, garbage.data(), 8);
  expectFailure(predictOn(path),
                fmt::format("{}: header length {} past the end of the file "
                            "({} bytes)",
                            path, headerBytes, garbage.size()));
}

TEST_F(CliTest, HeaderOffsetsPastTheEnd) {
  std::string path = dir.path("h.safetensors");
  testutil::writeFile(
      path, testutil::rawSafetensors(
                R"({"x":{"dtype":"F32","shape":[1,4,3],"data_offsets":[0,48]},)"
                R"("task":{"dtype":"I32","shape":[1],"data_offsets":[48,52]}})",
                std::string(50, '\0')));
  expectFailure(predictOn(path), path + ": tensor 'task': data_offsets [48, "
                                        "52) end past the data section (50 "
                                        "bytes)");
}

TEST_F(CliTest, TaskIdOutOfRange) {
  data.task[17] = 5;
  std::string path = dir.path("r.safetensors");
  testutil::writeFakeData(path, data);
  expectFailure(predictOn(path), path + ": tensor 'task': value 5 at example "
                                        "17 is out of range [0, 2)");
}

TEST_F(CliTest, NegativeTaskId) {
  data.task[0] = -1;
  std::string path = dir.path("r.safetensors");
  testutil::writeFakeData(path, data);
  expectFailure(predictOn(path), path + ": tensor 'task': value -1 at "
                                        "example 0 is out of range [0, 2)");
}

// A NaN input would reach every weight through the batch-summed weight
// gradients: it is named at load, with its example.
TEST_F(CliTest, NonFiniteInput) {
  data.x[13 * 12 + 7] = std::numeric_limits<float>::quiet_NaN();
  std::string path = dir.path("r.safetensors");
  testutil::writeFakeData(path, data);
  expectFailure(predictOn(path), path + ": tensor 'x': value nan at example "
                                        "13 (element 7 of its row) is not "
                                        "finite");
  data.x[13 * 12 + 7] = -std::numeric_limits<float>::infinity();
  testutil::writeFakeData(path, data);
  expectFailure(predictOn(path), path + ": tensor 'x': value -inf at example "
                                        "13 (element 7 of its row) is not "
                                        "finite");
}

TEST_F(CliTest, NonFiniteWeight) {
  std::string w = dir.path("nan.safetensors");
  float weight[6] = {}, bias[2] = {0, std::numeric_limits<float>::infinity()};
  writeSafetensors(w,
                   {{"head.weight", {DType::F32, {2, 3}, weight}},
                    {"head.bias", {DType::F32, {2}, bias}}},
                   {});
  ProcessResult r = runFakeModel({"predict", "--data", dataPath, "--weights", w,
                                  "--out", dir.path("o.safetensors")});
  expectFailure(r, w + ": weight 'head.bias' holds inf at element 1; weights "
                       "must be finite");
}

TEST_F(CliTest, MissingDataFile) {
  std::string path = dir.path("nothing.safetensors");
  expectFailure(predictOn(path),
                path + ": cannot open: No such file or directory");
}

TEST_F(CliTest, MissingWeight) {
  std::string w = dir.path("partial.safetensors");
  float weight[6] = {};
  writeSafetensors(w, {{"head.weight", {DType::F32, {2, 3}, weight}}}, {});
  ProcessResult r = runFakeModel({"predict", "--data", dataPath, "--weights", w,
                                  "--out", dir.path("o.safetensors")});
  expectFailure(r, w + ": missing weight 'head.bias' (shape [2])");
}

TEST_F(CliTest, MisShapedWeight) {
  std::string w = dir.path("bad.safetensors");
  float weight[6] = {}, bias[2] = {};
  writeSafetensors(w,
                   {{"head.weight", {DType::F32, {3, 2}, weight}},
                    {"head.bias", {DType::F32, {2}, bias}}},
                   {});
  ProcessResult r = runFakeModel({"predict", "--data", dataPath, "--weights", w,
                                  "--out", dir.path("o.safetensors")});
  expectFailure(r, w + ": weight 'head.weight' has shape [3, 2], the model "
                       "expects [2, 3]");
}

TEST_F(CliTest, WeightOfWrongDType) {
  std::string w = dir.path("bad.safetensors");
  int32_t weight[6] = {}, bias[2] = {};
  writeSafetensors(w,
                   {{"head.weight", {DType::I32, {2, 3}, weight}},
                    {"head.bias", {DType::I32, {2}, bias}}},
                   {});
  ProcessResult r = runFakeModel({"predict", "--data", dataPath, "--weights", w,
                                  "--out", dir.path("o.safetensors")});
  expectFailure(r, w + ": weight 'head.weight' has dtype I32, the model "
                       "expects F32");
}

TEST_F(CliTest, KernelErrorIsReported) {
  // Finite inputs (NaN is refused at load) whose sum overflows.
  for (int64_t s = 0; s < fake::seqLen; ++s)
    data.x[(11 * fake::seqLen + s) * fake::features] = 3e38f;
  std::string path = dir.path("overflow.safetensors");
  testutil::writeFakeData(path, data);
  ProcessResult r =
      runFakeModel({"predict", "--data", path, "--weights", weights, "--out",
                    dir.path("o.safetensors"), "--batch-size", "8"});
  // Example 11 is the fourth of the second batch.
  expectFailure(r, "kernel error -1: fake_mean: the sum over x is not finite "
                   "in example 3");
  EXPECT_FALSE(std::ifstream(dir.path("o.safetensors")).good());
}

TEST_F(CliTest, UnwritableOutput) {
  std::string out = dir.path("no/such/o.safetensors");
  ProcessResult r = runFakeModel(
      {"predict", "--data", dataPath, "--weights", weights, "--out", out});
  expectFailure(r, out + ": cannot create a temporary file in '" +
                       dir.path("no/such") + "': No such file or directory");
}

TEST_F(CliTest, UnknownFlag) {
  expectUsageError(runFakeModel({"predict", "--data", dataPath, "--out",
                                 dir.path("o.safetensors"), "--bogus"}),
                   "The following argument was not expected: --bogus");
}

TEST_F(CliTest, MissingRequiredOption) {
  expectUsageError(runFakeModel({"predict", "--data", dataPath}),
                   "--out is required");
}

TEST_F(CliTest, NonPositiveBatchSize) {
  ProcessResult r =
      runFakeModel({"predict", "--data", dataPath, "--out",
                    dir.path("o.safetensors"), "--batch-size", "0"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err.rfind(prog + "--batch-size: ", 0), 0u) << r.err;
}

TEST_F(CliTest, SeedExcludesWeights) {
  ProcessResult r =
      runFakeModel({"predict", "--data", dataPath, "--weights", weights,
                    "--seed", "3", "--out", dir.path("o.safetensors")});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err.rfind(prog + "--weights excludes --seed", 0), 0u) << r.err;
}

TEST_F(CliTest, MissingSubcommand) {
  expectUsageError(runFakeModel({}), "A subcommand is required");
}

} // namespace
