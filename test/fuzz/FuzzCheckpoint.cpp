//===- FuzzCheckpoint.cpp - libFuzzer target: checkpoint resume -----------===//
//
// A checkpoint file loaded for resuming the fake trainable model
// (FakeTrainableModel.h): its metadata parsed and validated (model,
// fingerprint, position, optimizer, history, epoch sums) and its tensors
// read into the training buffers, or refused with mtc::Error.
//
//===----------------------------------------------------------------------===//

#include "FuzzInputFile.h"

#include "mtc/checkpoint.h"
#include "mtc/error.h"
#include "mtc/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const mtc_model &model = *mtc_model_get();
  mtc::TrainBuffers buffers(model);
  mtc::CheckpointSettings settings;
  try {
    mtc::RunProgress progress =
        mtc::loadCheckpoint(fuzz::asFile(data, size), model, buffers, settings);
    (void)progress.trainMeans();
    (void)progress.runningMeans();
  } catch (const mtc::Error &) {
  }
  return 0;
}
