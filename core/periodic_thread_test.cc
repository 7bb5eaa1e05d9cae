// PeriodicThread: ticks at its interval, and the destructor stops it without waiting
// out a long interval.
#include "core/periodic_thread.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace chainaccel {
namespace {

using namespace std::chrono_literals;

TEST_CASE("PeriodicThread calls its tick again and again until destroyed", "[periodic]") {
  std::atomic<int> ticks{0};
  {
    PeriodicThread thread(1ms, [&ticks] { ++ticks; });
    for (int i = 0; i < 5000 && ticks.load() < 3; ++i) std::this_thread::sleep_for(1ms);
  }
  CHECK(ticks.load() >= 3);
  const int after = ticks.load();
  std::this_thread::sleep_for(20ms);
  CHECK(ticks.load() == after);  // no tick once destroyed
}

TEST_CASE("PeriodicThread's destructor does not wait out the interval", "[periodic]") {
  // An hour-long interval: the test would hang (ctest's timeout) if it did.
  std::atomic<int> ticks{0};
  { PeriodicThread thread(std::chrono::hours(1), [&ticks] { ++ticks; }); }
  CHECK(ticks.load() == 0);
}

}  // namespace
}  // namespace chainaccel
