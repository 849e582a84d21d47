//===- CApiTest.cpp - The embedding C interface ---------------------------===//

#include "FakeModel.h"
#include "TestUtil.h"

#include "mtc/init.h"
#include "mtc/mtc.h"
#include "mtc/parameters.h"
#include "mtc/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

using testutil::TempDir;

namespace {

struct SessionDeleter {
  void operator()(mtc_session *s) const { mtc_destroy(s); }
};
using SessionPtr = std::unique_ptr<mtc_session, SessionDeleter>;

SessionPtr create() {
  SessionPtr s(mtc_create());
  EXPECT_NE(s, nullptr);
  EXPECT_STREQ(mtc_error(s.get()), "");
  return s;
}

TEST(CApiTest, Tables) {
  SessionPtr s = create();
  ASSERT_EQ(mtc_num_inputs(s.get()), 2);
  EXPECT_STREQ(mtc_input_info(s.get(), 1)->name, "task");
  EXPECT_EQ(mtc_input_info(s.get(), 1)->id_bound, 2);
  EXPECT_EQ(mtc_input_info(s.get(), 2), nullptr);
  EXPECT_EQ(mtc_input_info(s.get(), -1), nullptr);
  ASSERT_EQ(mtc_num_outputs(s.get()), 2);
  EXPECT_STREQ(mtc_output_info(s.get(), 0)->name, "sentiment");
  ASSERT_EQ(mtc_num_tasks(s.get()), 2);
  EXPECT_STREQ(mtc_task(s.get(), 1)->kind, "mse");
  EXPECT_EQ(mtc_model_of(s.get()), mtc_model_get());
}

// Tests a run against the reference, then a larger batch (the arena and
// outputs grow) and a smaller one.
TEST(CApiTest, RunMatchesTheReference) {
  TempDir dir;
  SessionPtr s = create();
  ASSERT_EQ(mtc_init_weights(s.get(), 5), 0) << mtc_error(s.get());
  std::string w = dir.path("w.safetensors");
  // The weights the session drew, to compute the reference with.
  {
    mtc::ParameterStore store(*mtc_model_get());
    mtc::initParameters(5, store);
    mtc::saveWeights(w, store, {});
  }
  mtc::SafetensorsFile weights = mtc::SafetensorsFile::read(w);
  std::vector<float> weight = testutil::toFloats(*weights.find("head.weight"));
  std::vector<float> bias = testutil::toFloats(*weights.find("head.bias"));

  for (int64_t batch : {3, 17, 1}) {
    testutil::FakeData data = testutil::makeFakeData(batch, uint32_t(batch));
    ASSERT_EQ(mtc_bind_input(s.get(), "x", data.x.data(), batch), 0);
    ASSERT_EQ(mtc_bind_input(s.get(), "task", data.task.data(), batch), 0);
    ASSERT_EQ(mtc_run(s.get(), batch), 0) << mtc_error(s.get());
    testutil::FakeOutputs ref = testutil::fakeReference(data, weight, bias);
    int64_t n = -1;
    auto *sentiment =
        static_cast<const float *>(mtc_output(s.get(), "sentiment", &n));
    ASSERT_NE(sentiment, nullptr) << mtc_error(s.get());
    ASSERT_EQ(n, batch * 2);
    for (int64_t i = 0; i < n; ++i)
      EXPECT_NEAR(sentiment[i], ref.sentiment[i], 1e-5) << i;
    auto *score = static_cast<const float *>(mtc_output(s.get(), "score", &n));
    ASSERT_EQ(n, batch);
    for (int64_t i = 0; i < n; ++i)
      EXPECT_NEAR(score[i], ref.score[i], 1e-5) << i;
  }
}

TEST(CApiTest, LoadWeights) {
  TempDir dir;
  std::string w = dir.path("w.safetensors");
  float weight[6] = {1, 0, 0, 0, 1, 0}, bias[2] = {10, 20};
  mtc::writeSafetensors(w,
                        {{"head.weight", {mtc::DType::F32, {2, 3}, weight}},
                         {"head.bias", {mtc::DType::F32, {2}, bias}}},
                        {});
  SessionPtr s = create();
  ASSERT_EQ(mtc_load_weights(s.get(), w.c_str()), 0) << mtc_error(s.get());
  // mean over 4 rows of [1, 2, 3] is [1, 2, 3]: logits [10 + 1, 20 + 2].
  float x[12] = {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3};
  int32_t task[1] = {1};
  mtc_bind_input(s.get(), "x", x, 1);
  mtc_bind_input(s.get(), "task", task, 1);
  ASSERT_EQ(mtc_run(s.get(), 1), 0) << mtc_error(s.get());
  auto *sentiment =
      static_cast<const float *>(mtc_output(s.get(), "sentiment", nullptr));
  EXPECT_EQ(sentiment[0], 11.0f);
  EXPECT_EQ(sentiment[1], 22.0f);
  EXPECT_EQ(*static_cast<const float *>(mtc_output(s.get(), "score", nullptr)),
            22.0f);

  // A file that fails after its first tensor (zeros, then a bias of the
  // wrong shape) leaves the loaded weights untouched.
  std::string bad = dir.path("bad.safetensors");
  float zeros[6] = {};
  mtc::writeSafetensors(bad,
                        {{"head.weight", {mtc::DType::F32, {2, 3}, zeros}},
                         {"head.bias", {mtc::DType::F32, {3}, zeros}}},
                        {});
  EXPECT_NE(mtc_load_weights(s.get(), bad.c_str()), 0);
  ASSERT_EQ(mtc_run(s.get(), 1), 0) << mtc_error(s.get());
  sentiment =
      static_cast<const float *>(mtc_output(s.get(), "sentiment", nullptr));
  EXPECT_EQ(sentiment[0], 11.0f);
  EXPECT_EQ(sentiment[1], 22.0f);
}

// Tests the weights' views and saving, and the tables as JSON.
TEST(CApiTest, ParametersSaveAndInfo) {
  TempDir dir;
  SessionPtr s = create();
  const float *data = nullptr;
  int64_t count = 0;
  EXPECT_EQ(mtc_parameter(s.get(), 0, &data, &count), 1);
  EXPECT_STREQ(mtc_error(s.get()), "the weights are unset: call "
                                   "mtc_init_weights or mtc_load_weights "
                                   "first");
  std::string w = dir.path("w.safetensors");
  EXPECT_EQ(mtc_save_weights(s.get(), w.c_str()), 1);

  ASSERT_EQ(mtc_init_weights(s.get(), 3), 0);
  mtc::ParameterStore store(*mtc_model_get());
  mtc::initParameters(3, store);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(mtc_parameter(s.get(), i, &data, &count), 0)
        << mtc_error(s.get());
    ASSERT_EQ(count, store.numElements(i));
    EXPECT_EQ(std::vector<float>(data, data + count),
              std::vector<float>(store.data(i), store.data(i) + count));
  }
  EXPECT_EQ(mtc_parameter(s.get(), 2, &data, &count), 1);
  EXPECT_STREQ(mtc_error(s.get()), "parameter index 2 is out of range [0, 2)");

  ASSERT_EQ(mtc_save_weights(s.get(), w.c_str()), 0) << mtc_error(s.get());
  mtc::SafetensorsFile saved = mtc::SafetensorsFile::read(w);
  EXPECT_EQ(testutil::toFloats(*saved.find("head.bias")),
            std::vector<float>(store.data(1), store.data(1) + 2));
  EXPECT_EQ(saved.metadata().at("fingerprint"), mtc_model_get()->fingerprint);

  std::string info = mtc_info_json(s.get());
  EXPECT_NE(
      info.find("\"model\": \"" + std::string(mtc_model_get()->name) + "\""),
      std::string::npos)
      << info;
  EXPECT_NE(info.find("\"head.weight\""), std::string::npos) << info;
}

// Tests the executable's commands run in-process: success, a usage error
// (status 2) and bad input (status 1), each message in mtc_error.
TEST(CApiTest, CommandRunsInProcess) {
  TempDir dir;
  SessionPtr s = create();
  std::string w = dir.path("w.safetensors");
  const char *init[] = {"m", "init", "--out", w.c_str(), "--seed", "5"};
  ASSERT_EQ(mtc_command(s.get(), 6, init), 0) << mtc_error(s.get());
  mtc::ParameterStore store(*mtc_model_get());
  mtc::initParameters(5, store);
  EXPECT_EQ(
      testutil::toFloats(*mtc::SafetensorsFile::read(w).find("head.weight")),
      std::vector<float>(store.data(0), store.data(0) + 6));

  const char *usage[] = {"m", "predict", "--out", "p.safetensors"};
  EXPECT_EQ(mtc_command(s.get(), 4, usage), 2);
  EXPECT_STREQ(mtc_error(s.get()), "--data is required");

  std::string absent = dir.path("absent.safetensors");
  const char *bad[] = {"m",         "predict", "--data", absent.c_str(),
                       "--weights", w.c_str(), "--out",  "p.safetensors"};
  EXPECT_EQ(mtc_command(s.get(), 8, bad), 1);
  EXPECT_EQ(std::string(mtc_error(s.get())),
            absent + ": cannot open: No such file or directory");
  EXPECT_EQ(mtc_command(s.get(), 0, nullptr), 1);
}

TEST(CApiTest, Errors) {
  TempDir dir;
  SessionPtr s = create();
  float x[24] = {};
  int32_t task[2] = {0, 3};

  int32_t ok[1] = {0};
  ASSERT_EQ(mtc_bind_input(s.get(), "x", x, 1), 0);
  ASSERT_EQ(mtc_bind_input(s.get(), "task", ok, 1), 0);
  EXPECT_NE(mtc_run(s.get(), 1), 0);
  EXPECT_STREQ(mtc_error(s.get()),
               "the weights are not set: initialise or load them first");
  std::string missing = dir.path("none.safetensors");
  EXPECT_NE(mtc_load_weights(s.get(), missing.c_str()), 0);
  EXPECT_EQ(mtc_error(s.get()),
            missing + ": cannot open: No such file or directory");
  ASSERT_EQ(mtc_init_weights(s.get(), 0), 0);
  EXPECT_STREQ(mtc_error(s.get()), "");

  EXPECT_NE(mtc_bind_input(s.get(), "tokens", x, 2), 0);
  EXPECT_STREQ(mtc_error(s.get()), "the model has no input 'tokens'");
  EXPECT_NE(mtc_bind_input(s.get(), "x", nullptr, 2), 0);
  EXPECT_STREQ(mtc_error(s.get()), "input 'x': data is NULL");
  ASSERT_EQ(mtc_bind_input(s.get(), "x", x, 2), 0);
  ASSERT_EQ(mtc_bind_input(s.get(), "task", task, 2), 0);
  EXPECT_NE(mtc_run(s.get(), 3), 0);
  EXPECT_STREQ(mtc_error(s.get()),
               "input 'x' is bound with 2 examples, the run asks for 3");
  EXPECT_NE(mtc_run(s.get(), 2), 0);
  EXPECT_STREQ(mtc_error(s.get()),
               "input 'task': value 3 at example 1 is out of range [0, 2)");
  EXPECT_EQ(mtc_output(s.get(), "sentiment", nullptr), nullptr);
  EXPECT_STREQ(mtc_error(s.get()), "no output yet: mtc_run has not succeeded");

  ASSERT_EQ(mtc_run(s.get(), 1), 0) << mtc_error(s.get());
  int64_t n = -1;
  EXPECT_EQ(mtc_output(s.get(), "loss", &n), nullptr);
  EXPECT_EQ(n, 0);
  EXPECT_STREQ(mtc_error(s.get()), "the model has no output 'loss'");

  // A kernel error arrives through the installed handler.
  x[5] = std::numeric_limits<float>::infinity();
  EXPECT_NE(mtc_run(s.get(), 1), 0);
  EXPECT_STREQ(mtc_error(s.get()),
               "kernel error -1: fake_mean: the sum over x is not finite in "
               "example 0");
  EXPECT_EQ(mtc_output(s.get(), "sentiment", nullptr), nullptr);

  SessionPtr fresh = create();
  ASSERT_EQ(mtc_init_weights(fresh.get(), 0), 0);
  ASSERT_EQ(mtc_bind_input(fresh.get(), "x", x, 1), 0);
  EXPECT_NE(mtc_run(fresh.get(), 1), 0);
  EXPECT_STREQ(mtc_error(fresh.get()), "input 'task' is not bound");

  EXPECT_STREQ(mtc_error(nullptr),
               "no session (mtc_create returned NULL: out of memory)");
  EXPECT_NE(mtc_run(nullptr, 1), 0);
}

} // namespace
