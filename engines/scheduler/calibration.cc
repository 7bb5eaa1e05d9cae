#include "engines/scheduler/calibration.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <variant>

#include "engines/scheduler/batch_key.h"

namespace chainaccel {
namespace {

using WallClock = std::chrono::steady_clock;

// Signature classes first: their CPU/GPU crossover matters most.
constexpr std::array<size_t, kCostClassCount> kOrder{9, 10, 11, 12, 0, 1, 2, 3, 4, 5, 6, 7, 8};

// Items whose status is not OK in a verification or recovery batch.
size_t WrongResults(const Task& task) {
  const ItemStatus* status = nullptr;
  size_t n = 0;
  if (const auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    status = verify->status;
    n = verify->messages.size();
  } else if (const auto* recover = std::get_if<SignatureRecoverTask>(&task)) {
    status = recover->status;
    n = recover->count;
  }
  if (status == nullptr) return 0;
  return static_cast<size_t>(std::count_if(status, status + n, [](ItemStatus s) { return s != ItemStatus::kOk; }));
}

struct Timed {
  bool ok = false;
  double seconds = 0;
  double units = 0;
  size_t wrong = 0;
};

Timed RunOnce(Engine& engine, const CalibrationTaskSource& source, const BatchKey& key, size_t items) {
  Timed timed;
  const std::shared_ptr<Task> task = source(key.type, key.variant, items);
  if (!task) return timed;
  const WallClock::time_point start = WallClock::now();
  const Status status = engine.Run(*task);
  timed.seconds = std::chrono::duration<double>(WallClock::now() - start).count();
  timed.ok = status.ok();
  timed.units = WorkUnits(*task, 0, items);
  timed.wrong = timed.ok ? WrongResults(*task) : 0;
  return timed;
}

}  // namespace

std::vector<CalibrationRow> Calibrate(HybridScheduler& scheduler, const std::vector<Engine*>& engines,
                                      const CalibrationTaskSource& source,
                                      const CalibrationOptions& options) {
  std::vector<CalibrationRow> rows;
  const WallClock::time_point deadline =
      WallClock::now() + std::chrono::duration_cast<WallClock::duration>(options.budget);
  const auto out_of_time = [&] {
    return WallClock::now() >= deadline || (options.stop != nullptr && options.stop->load());
  };
  for (size_t c : kOrder) {
    const BatchKey key = CostClassKey(c);
    const size_t small = key.type == TaskType::kSignatureVerify || key.type == TaskType::kSignatureRecover ? 64 : 1024;
    for (size_t e = 0; e < engines.size() && !out_of_time(); ++e) {
      if (!engines[e]->Accepts(EmptyTaskOf(key)) || !engines[e]->healthy()) continue;
      static_cast<void>(RunOnce(*engines[e], source, key, small));  // warm-up
      const Timed low = RunOnce(*engines[e], source, key, small);
      if (!low.ok) continue;
      Timed high;
      size_t high_items = 0;
      for (size_t n = small * 16; n <= options.max_items && !out_of_time(); n *= 4) {
        const Timed t = RunOnce(*engines[e], source, key, n);
        if (!t.ok) break;
        high = t;
        high_items = n;
        const double left = std::chrono::duration<double>(deadline - WallClock::now()).count();
        if (t.seconds >= options.target_batch_seconds || 4 * t.seconds > left) break;
      }
      if (high_items == 0 || high.units <= low.units) continue;
      double per_unit = (high.seconds - low.seconds) / (high.units - low.units);
      if (per_unit <= 0) per_unit = high.seconds / high.units;
      const double fixed = std::max(low.seconds - per_unit * low.units, 1e-6);
      scheduler.SetCost(c, e, fixed, per_unit, true);
      rows.push_back({c, e, fixed, per_unit, small, high_items, low.wrong + high.wrong});
      if (low.wrong + high.wrong != 0) {
        spdlog::error("calibration: {} returned {} wrong results for valid {} items",
                      engines[e]->info().name, low.wrong + high.wrong, CostClassName(c));
      }
      spdlog::debug("calibration: {} on {}: {:.1f} us + {:.3f} ns/unit ({} and {} items)",
                    CostClassName(c), engines[e]->info().name, fixed * 1e6, per_unit * 1e9, small,
                    high_items);
    }
  }
  return rows;
}

}  // namespace chainaccel
