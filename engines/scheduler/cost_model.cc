#include "engines/scheduler/cost_model.h"

#include <algorithm>
#include <cmath>

namespace chainaccel {
namespace {

// Floors that keep a line usable: no engine runs a batch in under 1 us, or an item in
// under 10 ps (an H200 hashes 32-byte messages at ~0.25 ns each, bench/RESULTS.md).
constexpr double kMinFixedSeconds = 1e-6;
constexpr double kMinPerUnitSeconds = 1e-11;
// A slope is fitted from the observations alone once they weigh this much (about three
// recent batches) and their sizes spread by at least 10 % of the mean size; before, the
// line keeps its shape and is scaled to pass through the observations' mean.
constexpr double kMinFitWeight = 3.0;
constexpr double kMinRelativeVariance = 0.01;

}  // namespace

CostModel::CostModel(size_t cost_classes, size_t engines, double decay)
    : engines_(engines), decay_(decay), fits_(cost_classes * engines) {}

void CostModel::Reset(size_t cost_class, size_t engine, double fixed_seconds,
                      double per_unit_seconds, bool calibrated) {
  Fit& fit = At(cost_class, engine);
  fit = Fit{};
  fit.line.fixed_seconds = std::max(fixed_seconds, kMinFixedSeconds);
  fit.line.per_unit_seconds = std::max(per_unit_seconds, kMinPerUnitSeconds);
  fit.line.calibrated = calibrated;
}

void CostModel::Observe(size_t cost_class, size_t engine, double units, double seconds) {
  if (!(units > 0) || !(seconds >= 0) || !std::isfinite(seconds)) return;
  Fit& fit = At(cost_class, engine);
  fit.w = fit.w * decay_ + 1;
  fit.x = fit.x * decay_ + units;
  fit.y = fit.y * decay_ + seconds;
  fit.xx = fit.xx * decay_ + units * units;
  fit.xy = fit.xy * decay_ + units * seconds;
  ++fit.line.observations;
  Solve(fit);
}

void CostModel::Solve(Fit& fit) {
  const double mean_x = fit.x / fit.w;
  const double mean_y = fit.y / fit.w;
  const double var_x = fit.xx / fit.w - mean_x * mean_x;
  const double cov = fit.xy / fit.w - mean_x * mean_y;
  double slope = 0;
  double fixed = 0;
  if (fit.w >= kMinFitWeight && var_x > kMinRelativeVariance * mean_x * mean_x && cov > 0) {
    slope = std::max(cov / var_x, kMinPerUnitSeconds);
    fixed = mean_y - slope * mean_x;
  } else {
    // Batches of one size say how far off the line is there, not whether the fixed
    // latency or the per-unit cost is: scale both. (Moving only the fixed latency
    // let a few slow 1M-item GPU batches, which ran side by side, give the GPU a
    // fixed latency of 0.45 s, and every small batch then went to the CPU.)
    const double predicted = fit.line.fixed_seconds + fit.line.per_unit_seconds * mean_x;
    const double scale = predicted > 0 ? mean_y / predicted : 1;
    fixed = fit.line.fixed_seconds * scale;
    slope = std::max(fit.line.per_unit_seconds * scale, kMinPerUnitSeconds);
  }
  if (fixed < kMinFixedSeconds) {
    // The line would start below zero: keep the floor and let the slope carry the mean.
    fixed = kMinFixedSeconds;
    slope = std::max((mean_y - fixed) / std::max(mean_x, 1.0), kMinPerUnitSeconds);
  }
  fit.line.fixed_seconds = fixed;
  fit.line.per_unit_seconds = slope;
}

CostModel::Estimate CostModel::Get(size_t cost_class, size_t engine) const {
  return At(cost_class, engine).line;
}

double CostModel::Predict(size_t cost_class, size_t engine, double units) const {
  const Estimate& line = At(cost_class, engine).line;
  return line.fixed_seconds + units * line.per_unit_seconds;
}

}  // namespace chainaccel
