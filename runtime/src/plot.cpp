//===- plot.cpp - Loss curves as SVG --------------------------------------===//

#include "mtc/plot.h"
#include "mtc/text_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace mtc {

namespace {

constexpr double width = 720, height = 420;
constexpr double left = 70, right = 180, top = 40, bottom = 60;
constexpr double plotWidth = width - left - right;
constexpr double plotHeight = height - top - bottom;

const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                               "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string xmlEscape(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

// A tick spacing of 1, 2 or 5 times a power of ten giving about `count`
// intervals over [0, span].
double niceStep(double span, int count) {
  double raw = span / count;
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * power >= raw)
      return m * power;
  return 10 * power;
}

} // namespace

std::string lossPlotSvg(const mtc_model &model,
                        const std::vector<EpochRecord> &history) {
  int epochs = int(history.size());
  bool hasVal = std::any_of(history.begin(), history.end(),
                            [](const EpochRecord &r) { return !r.val.empty(); });
  double yMax = 0;
  for (const EpochRecord &r : history) {
    for (double v : r.train)
      if (std::isfinite(v))
        yMax = std::max(yMax, v);
    for (double v : r.val)
      if (std::isfinite(v))
        yMax = std::max(yMax, v);
  }
  double yStep = niceStep(yMax > 0 ? yMax : 1, 5);
  double yTop = yStep * std::ceil((yMax > 0 ? yMax : 1) / yStep);
  // Epoch 1 at the left edge; a single epoch sits in the middle.
  double xSpan = std::max(epochs - 1, 1);
  auto xOf = [&](int epoch) {
    return epochs == 1 ? left + plotWidth / 2
                       : left + plotWidth * (epoch - 1) / xSpan;
  };
  auto yOf = [&](double v) { return top + plotHeight * (1 - v / yTop); };

  std::string svg = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
      "height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">"
      "{3}: loss per task</text>\n",
      width, height, left + plotWidth / 2, xmlEscape(model.name));

  // Axes, ticks and grid.
  svg += fmt::format("<g stroke=\"black\">\n"
                     "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n"
                     "<line x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{1}\"/>\n"
                     "</g>\n",
                     left, top + plotHeight, left + plotWidth, top);
  for (double v = 0; v <= yTop + yStep / 2; v += yStep)
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.2f}\" x2=\"{2}\" y2=\"{1:.2f}\" "
        "stroke=\"#dddddd\"/>\n"
        "<text x=\"{3}\" y=\"{4:.2f}\" text-anchor=\"end\">{5:g}</text>\n",
        left, yOf(v), left + plotWidth, left - 6, yOf(v) + 4, v);
  int xStep = epochs <= 10 ? 1 : int(niceStep(epochs - 1, 8));
  for (int e = 1; e <= epochs; e += std::max(xStep, 1))
    svg += fmt::format(
        "<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\" "
        "stroke=\"black\"/>\n"
        "<text x=\"{0:.2f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
        xOf(e), top + plotHeight, top + plotHeight + 5, top + plotHeight + 20,
        e);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch"
                     "</text>\n"
                     "<text x=\"18\" y=\"{}\" text-anchor=\"middle\" "
                     "transform=\"rotate(-90 18 {})\">loss</text>\n",
                     left + plotWidth / 2, height - 15, top + plotHeight / 2,
                     top + plotHeight / 2);

  // Curves: a polyline per task and series, a marker per finite point.
  auto curve = [&](int task, bool val) {
    const char *colour = palette[task % std::size(palette)];
    std::vector<std::string> points;
    std::string markers;
    for (int e = 1; e <= epochs; ++e) {
      const std::vector<double> &values =
          val ? history[e - 1].val : history[e - 1].train;
      if (values.empty() || !std::isfinite(values[task]))
        continue;
      points.push_back(
          fmt::format("{:.2f},{:.2f}", xOf(e), yOf(values[task])));
      markers += fmt::format("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"3\" "
                             "fill=\"{}\"/>\n",
                             xOf(e), yOf(values[task]), colour);
    }
    return fmt::format("<polyline fill=\"none\" stroke=\"{}\" "
                       "stroke-width=\"2\"{} points=\"{}\"/>\n{}",
                       colour, val ? " stroke-dasharray=\"6 4\"" : "",
                       fmt::join(points, " "), markers);
  };
  for (int t = 0; t < model.num_tasks; ++t) {
    svg += curve(t, false);
    if (hasVal)
      svg += curve(t, true);
  }

  // Legend.
  double legendX = left + plotWidth + 20;
  for (int t = 0; t < model.num_tasks; ++t) {
    double y = top + 10 + 20 * t;
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" "
                       "stroke=\"{3}\" stroke-width=\"2\"/>\n"
                       "<text x=\"{4}\" y=\"{5}\">{6}</text>\n",
                       legendX, y, legendX + 24,
                       palette[t % std::size(palette)], legendX + 30, y + 4,
                       xmlEscape(model.tasks[t].name));
  }
  if (hasVal)
    svg += fmt::format("<text x=\"{}\" y=\"{}\">dashed: validation</text>\n",
                       legendX, top + 10 + 20 * model.num_tasks + 4);
  svg += "</svg>\n";
  return svg;
}

void writeLossPlot(const std::string &path, const mtc_model &model,
                   const std::vector<EpochRecord> &history) {
  writeTextFile(path, lossPlotSvg(model, history), "the plot");
}

} // namespace mtc
