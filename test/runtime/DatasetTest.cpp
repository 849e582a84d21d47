//===- DatasetTest.cpp - Labels and mask checks of dataset files ----------===//
//
// The input checks (missing, dtype, shape, ids) are exercised through the
// CLI in CliTest; these cover the optional tensors.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "mtc/dataset.h"
#include "mtc/error.h"

#include <gtest/gtest.h>

using namespace mtc;
using testutil::TempDir;

namespace {

std::string loadError(const std::string &path) {
  try {
    Dataset::load(path, *mtc_model_get());
  } catch (const Error &e) {
    return e.what();
  }
  return "(no error)";
}

class DatasetTest : public ::testing::Test {
protected:
  // Writes the 5-example inputs plus `extra`.
  std::string write(const std::vector<NamedTensor> &extra) {
    std::vector<NamedTensor> tensors = {
        {"x", {DType::F32, {5, 4, 3}, data.x.data()}},
        {"task", {DType::I32, {5}, data.task.data()}}};
    tensors.insert(tensors.end(), extra.begin(), extra.end());
    std::string path = dir.path("d.safetensors");
    writeSafetensors(path, tensors, {});
    return path;
  }

  TempDir dir;
  testutil::FakeData data = testutil::makeFakeData(5, 3);
  std::vector<int32_t> labels = std::vector<int32_t>(6, 0);
  std::vector<uint8_t> mask = std::vector<uint8_t>(12, 1);
};

TEST_F(DatasetTest, InputsAreViewsIntoTheFile) {
  std::string path = write({{"y.sentiment", {DType::I32, {5}, labels.data()}},
                            {"mask", {DType::U8, {5, 2}, mask.data()}}});
  Dataset d = Dataset::load(path, *mtc_model_get());
  EXPECT_EQ(d.numExamples(), 5);
  EXPECT_EQ(d.input(0), d.file().find("x")->data);
  EXPECT_EQ(d.input(1), d.file().find("task")->data);
  EXPECT_EQ(static_cast<const float *>(d.input(0))[7], data.x[7]);
}

TEST_F(DatasetTest, LabelCountDisagrees) {
  std::string path = write({{"y.sentiment", {DType::I32, {6}, labels.data()}}});
  EXPECT_EQ(loadError(path),
            path + ": tensor 'y.sentiment' has 6 examples, tensor 'x' has 5");
}

TEST_F(DatasetTest, ScalarLabel) {
  std::string path = write({{"y.score", {DType::I32, {}, labels.data()}}});
  EXPECT_EQ(loadError(path), path + ": tensor 'y.score' is a scalar, "
                                    "expected one row per example");
}

TEST_F(DatasetTest, MaskOfWrongDType) {
  std::vector<int32_t> wide(10, 1);
  std::string path = write({{"mask", {DType::I32, {5, 2}, wide.data()}}});
  EXPECT_EQ(loadError(path),
            path + ": tensor 'mask' has dtype I32, expected U8");
}

TEST_F(DatasetTest, MaskWithWrongTaskCount) {
  std::vector<uint8_t> threeTasks(15, 1);
  std::string path = write({{"mask", {DType::U8, {5, 3}, threeTasks.data()}}});
  EXPECT_EQ(loadError(path), path + ": tensor 'mask' has shape [5, 3], "
                                    "expected [N, 2] (one column per task)");
}

TEST_F(DatasetTest, ScalarInput) {
  std::string path = dir.path("s.safetensors");
  writeSafetensors(path,
                   {{"x", {DType::F32, {5, 4, 3}, data.x.data()}},
                    {"task", {DType::I32, {}, data.task.data()}}},
                   {});
  EXPECT_EQ(loadError(path), path + ": tensor 'task' has shape [], the model "
                                    "expects [N]");
}

} // namespace
