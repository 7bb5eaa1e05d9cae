// Calibration: measures the cost lines of the hybrid scheduler's model on the engines
// themselves, within a time budget, at start-up.
//
// For each cost class and each engine that accepts it (signature classes first, then
// hashes, Merkle builds and Merkle proofs), it runs a small batch twice (a warm-up, then
// timed) and batches 16, 64, 256, ... times larger until one takes target_batch_seconds
// or max_items is reached, and sets the line through the small and the largest point
// (HybridScheduler::SetCost, calibrated). A class it has no time left for keeps its
// default line (cost_priors.h). Batches run on the engines directly, not through the
// queues, so it may run while the daemon serves.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engines/engine.h"
#include "engines/scheduler/hybrid_scheduler.h"

namespace chainaccel {

// Makes a calibration batch of `items` items (engines/cpu/calibration_workload.h); the
// task owns its buffers. nullptr: this class cannot be made (it is skipped).
using CalibrationTaskSource =
    std::function<std::shared_ptr<Task>(TaskType type, uint8_t variant, size_t items)>;

struct CalibrationOptions {
  std::chrono::duration<double> budget{2.0};
  double target_batch_seconds = 0.02;
  size_t max_items = size_t{1} << 20;
  // Set from another thread to stop early (daemon shutdown).
  const std::atomic<bool>* stop = nullptr;
};

struct CalibrationRow {
  size_t cost_class = 0;
  size_t engine = 0;
  double fixed_seconds = 0;
  double per_unit_seconds = 0;
  size_t small_items = 0;
  size_t large_items = 0;
  // Items whose result was not OK although every item is valid (a wrong engine).
  size_t wrong_results = 0;
};

// `engines` as given to the scheduler (engines[0] the CPU engine). Returns the lines it
// measured and set.
std::vector<CalibrationRow> Calibrate(HybridScheduler& scheduler, const std::vector<Engine*>& engines,
                                      const CalibrationTaskSource& source,
                                      const CalibrationOptions& options);

}  // namespace chainaccel
