//===- train_state.cpp - What training carries from step to step ----------===//

#include "mtc/train_state.h"
#include "mtc/init.h"
#include "mtc/model.h"

#include <limits>

namespace mtc {

TrainBuffers::TrainBuffers(const mtc_model &model) {
  for (int i = 0; i < model.num_params; ++i)
    infos.push_back(&model.params[i]);
  for (int i = 0; i < model.training->num_state; ++i)
    infos.push_back(&model.training->state[i]);
  int64_t side = 0;
  for (const mtc_param_info *info : infos) {
    counts.push_back(paramElements(*info));
    side += roundUpToCacheLine(counts.back());
  }
  storage = AlignedBuffer(2 * side * sizeof(float));
  float *next = static_cast<float *>(storage.data());
  for (std::vector<float *> &pointers : sides)
    for (int64_t count : counts) {
      pointers.push_back(next);
      next += roundUpToCacheLine(count);
    }
}

void TrainBuffers::initialise(uint64_t seed) {
  for (int i = 0; i < numTensors(); ++i)
    initParameter(*infos[i], seed, current(i));
}

std::vector<std::vector<double>> RunProgress::trainMeans() const {
  std::vector<std::vector<double>> means;
  for (const EpochRecord &record : history)
    means.push_back(record.train);
  return means;
}

std::vector<double> RunProgress::runningMeans() const {
  std::vector<double> means;
  for (size_t j = 0; j < lossSums.size(); ++j)
    means.push_back(labelled[j] > 0 ? lossSums[j] / labelled[j]
                                    : std::numeric_limits<double>::quiet_NaN());
  return means;
}

} // namespace mtc
