// CostModel: the scheduler's prediction of how long a batch takes on an engine.
//
//   seconds(batch) = fixed latency + work units x per-unit cost        (batch_key.h units)
//
// kept per (cost class, engine). Each pair starts from a prior line (defaults measured
// on an H100/H200 host, or a start-up calibration) and is refined by every batch that
// runs: a least-squares line through the observed (units, seconds) points, each weighted
// by decay^age, so that the model follows a device that slows down (thermal limits, a
// neighbour's load) within a few dozen batches. Until the observations spread over
// different sizes (or when recent batches all had about the same size), the line keeps
// its shape (the ratio of fixed latency to per-unit cost) and is scaled to pass through
// their mean.
// Thread-compatible: the scheduler calls it under its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chainaccel {

class CostModel {
 public:
  struct Estimate {
    double fixed_seconds = 0;
    double per_unit_seconds = 0;
    uint64_t observations = 0;  // batches observed since start
    bool calibrated = false;    // the prior came from a start-up calibration
  };

  // decay: weight kept per newer observation, in (0, 1).
  CostModel(size_t cost_classes, size_t engines, double decay);

  // Replaces the line of (cost_class, engine) and forgets its observations. `calibrated`
  // says whether the line was measured here (calibration) or is a default.
  void Reset(size_t cost_class, size_t engine, double fixed_seconds, double per_unit_seconds,
             bool calibrated);
  // A batch of `units` took `seconds`.
  void Observe(size_t cost_class, size_t engine, double units, double seconds);

  Estimate Get(size_t cost_class, size_t engine) const;
  double Predict(size_t cost_class, size_t engine, double units) const;

 private:
  struct Fit {
    // Decayed sums of weights, x, y, x^2 and x*y over the observations.
    double w = 0, x = 0, y = 0, xx = 0, xy = 0;
    Estimate line;
  };
  Fit& At(size_t cost_class, size_t engine) { return fits_[cost_class * engines_ + engine]; }
  const Fit& At(size_t cost_class, size_t engine) const {
    return fits_[cost_class * engines_ + engine];
  }
  static void Solve(Fit& fit);

  const size_t engines_;
  const double decay_;
  std::vector<Fit> fits_;
};

}  // namespace chainaccel
