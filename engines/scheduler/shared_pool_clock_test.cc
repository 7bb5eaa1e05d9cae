// SharedPoolClock: batches sharing one pool get equal shares of the wall clock.
#include "engines/scheduler/shared_pool_clock.h"

#include <catch2/catch.hpp>

#include <chrono>

namespace chainaccel {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a batch alone gets the wall clock and two side by side get half each") {
  SharedPoolClock clock;
  const SchedulerClock::time_point t0{1s};
  // A runs 0-10 ms, B 4-12 ms: A alone 4 ms, both 6 ms, B alone 2 ms.
  const double a = clock.Start(t0);
  const double b = clock.Start(t0 + 4ms);
  CHECK(clock.running() == 2);
  CHECK(clock.Progress(t0 + 6ms, a) == Approx(0.005));
  CHECK(clock.Progress(t0 + 6ms, b) == Approx(0.001));
  CHECK(clock.Finish(t0 + 10ms, a) == Approx(0.007));
  CHECK(clock.Finish(t0 + 12ms, b) == Approx(0.005));
  CHECK(clock.running() == 0);
  // Idle time between batches counts for nobody.
  const double c = clock.Start(t0 + 20ms);
  CHECK(clock.Finish(t0 + 23ms, c) == Approx(0.003));
}

TEST_CASE("a batch started beside others finishes after its share of their work") {
  // Alone: its own work.
  CHECK(SharedFinishSeconds(0.002, {}) == Approx(0.002));
  // Beside one with 1 ms left: 1 ms at half speed each, then alone: 2 + 1 ms.
  CHECK(SharedFinishSeconds(0.002, {0.001}) == Approx(0.003));
  // Beside one with 5 ms left: it shares all of its own 2 ms: 4 ms.
  CHECK(SharedFinishSeconds(0.002, {0.005}) == Approx(0.004));
  // Beside two; a remainder already spent counts as none.
  CHECK(SharedFinishSeconds(0.002, {0.001, 0.005, -0.001}) == Approx(0.005));
}

}  // namespace
}  // namespace chainaccel
