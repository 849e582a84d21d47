//===- plot.h - Loss curves as SVG ------------------------------*- C++ -*-===//
//
// A plain SVG written by hand (no library): axes with ticks, one polyline
// per task through its epoch-mean training losses (solid), one more per
// task through its validation losses when the run has a validation set
// (dashed, same colour), a marker per point and a legend. Rewritten after
// every epoch, atomically, so it always shows the finished epochs.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_PLOT_H
#define MTC_PLOT_H

#include "mtc/model_abi.h"
#include "mtc/train_state.h"

#include <string>
#include <vector>

namespace mtc {

/// The SVG document for `history` (epoch 1 first).
std::string lossPlotSvg(const mtc_model &model,
                        const std::vector<EpochRecord> &history);

/// Writes lossPlotSvg to `path` (temporary file + rename). Throws Error.
void writeLossPlot(const std::string &path, const mtc_model &model,
                   const std::vector<EpochRecord> &history);

} // namespace mtc

#endif // MTC_PLOT_H
