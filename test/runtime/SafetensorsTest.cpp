//===- SafetensorsTest.cpp - safetensors reading, writing, validation -----===//

#include "TestUtil.h"

#include "mtc/error.h"
#include "mtc/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sys/resource.h>

using namespace mtc;
using testutil::rawSafetensors;
using testutil::TempDir;

namespace {

std::string readError(const std::string &path) {
  try {
    SafetensorsFile::read(path);
  } catch (const Error &e) {
    return e.what();
  }
  return "(no error)";
}

// The message for a file whose header is `header` and data section `data`.
std::string errorFor(const TempDir &dir, const std::string &header,
                     const std::string &data) {
  std::string path = dir.path("d.safetensors");
  testutil::writeFile(path, rawSafetensors(header, data));
  return readError(path);
}

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float fromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Tests that every value, including NaN payloads, -0 and denormals, comes
// back bit for bit, with the metadata, and that rewriting what was read
// reproduces the file byte for byte.
TEST(SafetensorsTest, RoundTripIsBitExact) {
  TempDir dir;
  std::vector<float> f32 = {fromBits(0x7fc01234),
                            -0.0f,
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::infinity(),
                            1.5f,
                            fromBits(0x12345678)};
  std::vector<int32_t> i32 = {-7, 0, std::numeric_limits<int32_t>::max()};
  std::vector<uint8_t> u8 = {1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> i64 = {std::numeric_limits<int64_t>::min(), 42};
  std::string path = dir.path("t.safetensors");
  writeSafetensors(path,
                   {{"u8", {DType::U8, {7}, u8.data()}},
                    {"f32", {DType::F32, {2, 3}, f32.data()}},
                    {"empty", {DType::F32, {0, 3}, f32.data()}},
                    {"i32", {DType::I32, {3}, i32.data()}},
                    {"i64", {DType::I64, {1, 2}, i64.data()}}},
                   {{"fingerprint", "abc"}, {"seed", "7"}});

  SafetensorsFile file = SafetensorsFile::read(path);
  EXPECT_EQ(file.metadata(), (std::map<std::string, std::string>{
                                 {"fingerprint", "abc"}, {"seed", "7"}}));
  // Laid out by decreasing element size, so each tensor is aligned.
  EXPECT_EQ(file.names(),
            (std::vector<std::string>{"i64", "f32", "empty", "i32", "u8"}));
  const TensorView *t = file.find("f32");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->dtype, DType::F32);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{2, 3}));
  for (size_t i = 0; i < f32.size(); ++i)
    EXPECT_EQ(bitsOf(static_cast<const float *>(t->data)[i]), bitsOf(f32[i]))
        << "element " << i;
  EXPECT_EQ(std::memcmp(file.find("i32")->data, i32.data(), 12), 0);
  EXPECT_EQ(std::memcmp(file.find("u8")->data, u8.data(), 7), 0);
  EXPECT_EQ(std::memcmp(file.find("i64")->data, i64.data(), 16), 0);
  EXPECT_EQ(file.find("empty")->shape, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(file.find("missing"), nullptr);
  for (const std::string &name : file.names())
    EXPECT_EQ(reinterpret_cast<uintptr_t>(file.find(name)->data) %
                  dtypeSize(file.find(name)->dtype),
              0u)
        << name;

  std::string bytes = testutil::readFile(path);
  uint64_t headerBytes = 0;
  std::memcpy(&headerBytes, bytes.data(), 8);
  EXPECT_EQ(headerBytes % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + headerBytes + 16 + 24 + 12 + 7);

  std::vector<NamedTensor> again;
  for (const std::string &name : file.names())
    again.push_back({name, *file.find(name)});
  std::string copy = dir.path("copy.safetensors");
  writeSafetensors(copy, again, file.metadata());
  EXPECT_EQ(testutil::readFile(copy), bytes);
}

// Tests that a tensor at an offset that is not a multiple of its element
// size (legal in the format) is still readable, from aligned memory.
TEST(SafetensorsTest, ReadsMisalignedTensors) {
  TempDir dir;
  float values[2] = {1.25f, -3.5f};
  std::string data =
      std::string("\x01", 1) + std::string(reinterpret_cast<char *>(values), 8);
  std::string path = dir.path("m.safetensors");
  testutil::writeFile(
      path,
      rawSafetensors(R"({"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                     R"("f":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}})",
                     data));
  SafetensorsFile file = SafetensorsFile::read(path);
  const TensorView *f = file.find("f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f->data) % 4, 0u);
  EXPECT_EQ(testutil::toFloats(*f), (std::vector<float>{1.25f, -3.5f}));
}

TEST(SafetensorsTest, MissingFile) {
  TempDir dir;
  std::string path = dir.path("none.safetensors");
  EXPECT_EQ(readError(path), path + ": cannot open: No such file or directory");
}

TEST(SafetensorsTest, ShorterThanHeaderLength) {
  TempDir dir;
  std::string path = dir.path("d.safetensors");
  testutil::writeFile(path, "abc");
  EXPECT_EQ(readError(path),
            path + ": file is 3 bytes, shorter than the 8-byte header length");
}

TEST(SafetensorsTest, HeaderLengthPastEnd) {
  TempDir dir;
  std::string path = dir.path("d.safetensors");
  std::string bytes = rawSafetensors("{}", "");
  bytes[0] = char(0xe8); // 1000
  bytes[1] = char(0x03);
  testutil::writeFile(path, bytes);
  EXPECT_EQ(readError(path), path + ": header length 1000 past the end of "
                                    "the file (10 bytes)");
}

TEST(SafetensorsTest, InvalidJson) {
  TempDir dir;
  std::string message = errorFor(dir, "{not json}", "");
  std::string prefix = dir.path("d.safetensors") +
                       ": header is not valid JSON: parse error at line 1, "
                       "column 3";
  EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
}

TEST(SafetensorsTest, HeaderNotAnObject) {
  TempDir dir;
  EXPECT_EQ(errorFor(dir, "[1, 2]", ""),
            dir.path("d.safetensors") + ": header is not a JSON object");
}

TEST(SafetensorsTest, EntryNotAnObject) {
  TempDir dir;
  EXPECT_EQ(errorFor(dir, R"({"x": 3})", ""),
            dir.path("d.safetensors") +
                ": tensor 'x': header entry is not an object");
}

TEST(SafetensorsTest, UnknownDType) {
  TempDir dir;
  EXPECT_EQ(errorFor(dir,
                     R"({"x":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})",
                     "a"),
            dir.path("d.safetensors") + ": tensor 'x': unknown dtype 'F8'");
}

TEST(SafetensorsTest, MissingDType) {
  TempDir dir;
  EXPECT_EQ(errorFor(dir, R"({"x":{"shape":[1],"data_offsets":[0,1]}})", "a"),
            dir.path("d.safetensors") +
                ": tensor 'x': missing string field 'dtype'");
}

TEST(SafetensorsTest, NegativeShape) {
  TempDir dir;
  EXPECT_EQ(
      errorFor(dir, R"({"x":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})",
               "a"),
      dir.path("d.safetensors") +
          ": tensor 'x': shape [-1] is not a list of non-negative integers");
}

TEST(SafetensorsTest, FractionalShape) {
  TempDir dir;
  EXPECT_EQ(
      errorFor(dir,
               R"({"x":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}})",
               "a"),
      dir.path("d.safetensors") +
          ": tensor 'x': shape [1.5] is not a list of non-negative integers");
}

TEST(SafetensorsTest, ShapeNotAList) {
  TempDir dir;
  EXPECT_EQ(errorFor(dir,
                     R"({"x":{"dtype":"U8","shape":1,"data_offsets":[0,1]}})",
                     "a"),
            dir.path("d.safetensors") +
                ": tensor 'x': shape is not a list of non-negative integers");
}

TEST(SafetensorsTest, OffsetsMissing) {
  TempDir dir;
  EXPECT_EQ(errorFor(dir, R"({"x":{"dtype":"U8","shape":[1]}})", "a"),
            dir.path("d.safetensors") +
                ": tensor 'x': data_offsets (missing) is not a pair of "
                "non-negative integers");
}

TEST(SafetensorsTest, OffsetsNegative) {
  TempDir dir;
  EXPECT_EQ(
      errorFor(dir, R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})",
               "a"),
      dir.path("d.safetensors") +
          ": tensor 'x': data_offsets [-1,0] is not a pair of non-negative "
          "integers");
}

TEST(SafetensorsTest, OffsetsReversed) {
  TempDir dir;
  EXPECT_EQ(errorFor(dir,
                     R"({"x":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}})",
                     "abcd"),
            dir.path("d.safetensors") +
                ": tensor 'x': data_offsets [4, 0) begin after end");
}

TEST(SafetensorsTest, OffsetsPastTheData) {
  TempDir dir;
  EXPECT_EQ(
      errorFor(
          dir,
          R"({"x":{"dtype":"F32","shape":[1024],"data_offsets":[0,4096]}})",
          std::string(2048, '\0')),
      dir.path("d.safetensors") +
          ": tensor 'x': data_offsets [0, 4096) end past the data section "
          "(2048 bytes)");
}

TEST(SafetensorsTest, SizeDisagreesWithShape) {
  TempDir dir;
  EXPECT_EQ(
      errorFor(dir,
               R"({"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,40]}})",
               std::string(40, '\0')),
      dir.path("d.safetensors") +
          ": tensor 'x': data_offsets [0, 40) hold 40 bytes, but shape [2, 3] "
          "of F32 needs 24");
}

TEST(SafetensorsTest, ShapeOverflow) {
  TempDir dir;
  EXPECT_EQ(errorFor(dir,
                     R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],)"
                     R"("data_offsets":[0,0]}})",
                     ""),
            dir.path("d.safetensors") +
                ": tensor 'x': shape [4294967296, 4294967296] is too large");
}

TEST(SafetensorsTest, OverlappingTensors) {
  TempDir dir;
  EXPECT_EQ(
      errorFor(dir,
               R"({"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},)"
               R"("b":{"dtype":"F32","shape":[6],"data_offsets":[16,40]}})",
               std::string(40, '\0')),
      dir.path("d.safetensors") +
          ": tensors 'a' [0, 24) and 'b' [16, 40) overlap");
}

TEST(SafetensorsTest, HoleBetweenTensors) {
  TempDir dir;
  EXPECT_EQ(
      errorFor(dir,
               R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
               std::string(24, '\0')),
      dir.path("d.safetensors") +
          ": data section bytes [8, 16) belong to no tensor");
}

TEST(SafetensorsTest, TrailingBytes) {
  TempDir dir;
  EXPECT_EQ(
      errorFor(dir, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
               std::string(16, '\0')),
      dir.path("d.safetensors") +
          ": data section bytes [8, 16) belong to no tensor");
}

TEST(SafetensorsTest, MetadataNotStrings) {
  TempDir dir;
  EXPECT_EQ(errorFor(dir, R"({"__metadata__":{"k":1}})", ""),
            dir.path("d.safetensors") +
                ": __metadata__ value of 'k' is 1, not a string");
}

// Tests that a write that fails midway (here: the file size limit, as on a
// full disk) leaves the previous file intact and no temporary behind.
TEST(SafetensorsTest, FailedWriteKeepsTheOldFile) {
  TempDir dir;
  std::string path = dir.path("w.safetensors");
  float old[4] = {1, 2, 3, 4};
  writeSafetensors(path, {{"w", {DType::F32, {4}, old}}}, {{"step", "1"}});
  std::string before = testutil::readFile(path);

  std::vector<float> big(1 << 16, 7.0f);
  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    writeSafetensors(path, {{"w", {DType::F32, {1 << 16}, big.data()}}},
                     {{"step", "2"}});
  } catch (const Error &e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, oldHandler);

  EXPECT_EQ(message, path + ": cannot write: File too large (the previous "
                            "file, if any, is unchanged)");
  EXPECT_EQ(testutil::readFile(path), before);
  int entries = 0;
  for (const auto &e : std::filesystem::directory_iterator(dir.path("")))
    entries += e.is_regular_file();
  EXPECT_EQ(entries, 1);
  EXPECT_EQ(SafetensorsFile::read(path).metadata().at("step"), "1");
}

TEST(SafetensorsTest, WriteIntoMissingDirectory) {
  TempDir dir;
  std::string path = dir.path("no/such/w.safetensors");
  float v = 1;
  std::string message;
  try {
    writeSafetensors(path, {{"w", {DType::F32, {1}, &v}}}, {});
  } catch (const Error &e) {
    message = e.what();
  }
  EXPECT_EQ(message, path + ": cannot create a temporary file in '" +
                         dir.path("no/such") + "': No such file or directory");
}

} // namespace
