// Elapsed wall time for phase timings (benchmarks' and metrics' figures, never logic).
#pragma once

#include <chrono>

namespace chainaccel {

// Seconds from `start` to now, on the steady clock.
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace chainaccel
