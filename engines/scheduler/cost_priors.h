// Default cost lines, the cost model's starting point for each (cost class, engine)
// before calibration: measured on the H100/H200 hosts of bench/RESULTS.md.
#pragma once

#include <cstddef>

#include "engines/engine.h"

namespace chainaccel {

struct CostLine {
  double fixed_seconds = 0;
  double per_unit_seconds = 0;
};

// The default line of `cost_class` (batch_key.h) on an engine like `info`: a GPU's as
// measured on an H100/H200; the CPU's from one core's cost divided over info.threads.
CostLine DefaultCostLine(size_t cost_class, const EngineInfo& info);

}  // namespace chainaccel
