//===- FaultTest.cpp - Training under crashes and disk faults -------------===//
//
// Runs mtc-fake-train-model as a subprocess and breaks it: SIGKILL at
// random points (most land inside a checkpoint write, which with fsync is
// most of a step's time here), a file-size limit standing in for a full
// disk, a checkpoint directory that cannot be written. Every time the last
// checkpoint stays loadable, and resuming from it reaches the weights of a
// run that was never interrupted.
//
//===----------------------------------------------------------------------===//

#include "FakeTrainData.h"
#include "TestUtil.h"

#include "mtc/safetensors.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

using namespace mtc;
using namespace faketrain;
using testutil::ProcessResult;
using testutil::TempDir;

namespace {

/// Temporary files a writer left in `dir` (a SIGKILL mid-write does).
int leftoverTemporaries(const std::string &dir) {
  int n = 0;
  for (const auto &e : std::filesystem::directory_iterator(dir))
    n += e.path().filename().string().find(".tmp.") != std::string::npos;
  return n;
}

class FaultTest : public ::testing::Test {
protected:
  void SetUp() override {
    dataPath = dir.path("train.safetensors");
    writeTrainData(dataPath, makeTrainData(40, 7));
  }

  std::vector<std::string> args(const std::string &checkpoint,
                                const std::string &epochs) {
    return {"train",        "--data",  dataPath,  "--epochs", epochs,
            "--batch-size", "4",       "--every", "1",        "--optimizer",
            "adam",         "--lr",    "0.05",    "--seed",   "3",
            "--checkpoint", checkpoint};
  }

  TempDir dir;
  std::string dataPath;
};

// 8 runs of 10 epochs x 10 steps, a checkpoint after every step, each
// killed after a random time within the whole run's: the checkpoint, if one
// was written, loads, and --resume ends on the uninterrupted run's weights,
// optimizer state and metadata, bit for bit.
TEST_F(FaultTest, KilledAnywhereResumesToTheSameWeights) {
  std::string reference = dir.path("reference.safetensors");
  auto start = std::chrono::steady_clock::now();
  ProcessResult r = runFakeTrainModel(args(reference, "10"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto whole = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);

  std::mt19937 gen(11);
  // Up to 90% of the whole run, so a trial a little faster than the
  // reference is still killed.
  std::uniform_int_distribution<int64_t> after(0, whole.count() * 9 / 10);
  int killed = 0, killedMidWrite = 0;
  for (int trial = 0; trial < 8; ++trial) {
    TempDir trialDir;
    std::string checkpoint = trialDir.path("c.safetensors");
    std::chrono::microseconds limit(after(gen));
    r = testutil::runProgramFor(MTC_FAKE_TRAIN_MODEL_PATH,
                                args(checkpoint, "10"), limit);
    killed += !r.exited;
    killedMidWrite += leftoverTemporaries(trialDir.path("")) > 0;
    std::vector<std::string> again = args(checkpoint, "10");
    if (std::filesystem::exists(checkpoint)) {
      EXPECT_NO_THROW(SafetensorsFile::read(checkpoint)) << "trial " << trial;
      again.push_back("--resume");
    }
    r = runFakeTrainModel(again);
    ASSERT_EQ(r.exitCode, 0) << "trial " << trial << ": " << r.err;
    testutil::expectSameSafetensors(reference, checkpoint);
  }
  // The kills must have happened for the test to mean anything.
  EXPECT_GT(killed, 0);
  std::cout << "killed " << killed << " of 8 runs, " << killedMidWrite
            << " inside a checkpoint write\n";
}

// The file-size limit (RLIMIT_FSIZE, through util-linux's prlimit) lets
// the second run's first checkpoint write fail partway, as a full disk
// does: the run stops with the writer's message, the last checkpoint is
// byte for byte the same, and no temporary file is left.
TEST_F(FaultTest, FullDiskKeepsTheLastCheckpoint) {
  std::string checkpoint = dir.path("c.safetensors");
  ProcessResult r = runFakeTrainModel(args(checkpoint, "1"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string before = testutil::readFile(checkpoint);

  ASSERT_TRUE(std::filesystem::exists("/usr/bin/prlimit"));
  std::vector<std::string> limited = {"--fsize=" +
                                          std::to_string(before.size() / 2),
                                      "--", MTC_FAKE_TRAIN_MODEL_PATH};
  std::vector<std::string> more = args(checkpoint, "2");
  more.push_back("--resume");
  limited.insert(limited.end(), more.begin(), more.end());
  r = testutil::runProgram("/usr/bin/prlimit", limited);
  EXPECT_TRUE(r.exited) << "killed by a signal (SIGXFSZ not ignored?)";
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find(checkpoint + ": cannot write: File too large (the "
                                    "previous file, if any, is unchanged)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(testutil::readFile(checkpoint), before);
  EXPECT_EQ(leftoverTemporaries(dir.path("")), 0);
}

// A checkpoint directory that became read-only: the run stops naming the
// directory, and the last checkpoint is unchanged. Root ignores mode bits,
// so there the directory is made immutable (chattr +i) instead.
TEST_F(FaultTest, ReadOnlyDirectoryKeepsTheLastCheckpoint) {
  std::string sub = dir.path("ro");
  std::filesystem::create_directory(sub);
  std::string checkpoint = sub + "/c.safetensors";
  ProcessResult r = runFakeTrainModel(args(checkpoint, "1"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string before = testutil::readFile(checkpoint);

  bool root = ::geteuid() == 0;
  std::string chattr = "chattr +i '" + sub + "' 2>/dev/null";
  if (root ? std::system(chattr.c_str()) != 0 : ::chmod(sub.c_str(), 0555) != 0)
    GTEST_SKIP() << "cannot make " << sub << " read-only here";
  std::vector<std::string> more = args(checkpoint, "2");
  more.push_back("--resume");
  r = runFakeTrainModel(more);
  if (root)
    std::system(("chattr -i '" + sub + "'").c_str());
  else
    ::chmod(sub.c_str(), 0755);

  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find(checkpoint + ": cannot create a temporary file in '" +
                       sub + "': "),
            std::string::npos)
      << r.err;
  EXPECT_EQ(testutil::readFile(checkpoint), before);
}

} // namespace
