//===- FuzzDataset.cpp - libFuzzer target: datasets against a model -------===//
//
// A dataset file checked against the fake trainable model's tables (inputs,
// labels, mask; FakeTrainableModel.h): accepted, and then every example of
// every tensor the model reads can be read, or refused with mtc::Error.
//
//===----------------------------------------------------------------------===//

#include "FuzzInputFile.h"

#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const mtc_model &model = *mtc_model_get();
  try {
    mtc::Dataset set = mtc::Dataset::load(fuzz::asFile(data, size), model,
                                          mtc::Dataset::Labels::Require);
    // The kernels read whole rows of every example: so does this.
    const mtc_training &training = mtc::trainingOf(model);
    uint8_t sum = 0;
    auto touch = [&](const void *p, const mtc_tensor_info &info) {
      size_t bytes = set.numExamples() * mtc::rowBytes(info);
      for (size_t i = 0; i < bytes; ++i)
        sum ^= static_cast<const uint8_t *>(p)[i];
    };
    for (int i = 0; i < model.num_inputs; ++i)
      touch(set.input(i), model.inputs[i]);
    for (int i = 0; i < training.num_labels; ++i)
      touch(set.label(i), training.labels[i]);
    (void)sum;
  } catch (const mtc::Error &) {
  }
  return 0;
}
