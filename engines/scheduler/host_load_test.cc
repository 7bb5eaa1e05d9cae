// ProcessCpuLoad and the CPU count it measures against.
#include "engines/scheduler/host_load.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>

namespace chainaccel {
namespace {

// Works on this thread until the process has used `ms` more milliseconds of CPU time.
void Burn(int64_t ms) {
  const int64_t until = ProcessCpuNanoseconds() + ms * 1'000'000;
  volatile uint64_t sink = 0;
  while (ProcessCpuNanoseconds() < until) sink = sink + 1;
}

TEST_CASE("UsableCpus: the affinity mask, capped by a cgroup v2 quota") {
  CHECK(UsableCpus(16, "") == 16);
  CHECK(UsableCpus(16, "max 100000\n") == 16);
  CHECK(UsableCpus(16, "400000 100000\n") == 4);
  CHECK(UsableCpus(16, "250000 100000") == 2.5);
  CHECK(UsableCpus(2, "400000 100000") == 2);
  CHECK(UsableCpus(16, "50000 100000") == 1);  // under one CPU counts as one
  CHECK(UsableCpus(0, "") == 1);
  CHECK(UsableCpus(16, "garbage") == 16);
  CHECK(UsableCpus(16, "400000 0") == 16);
}

TEST_CASE("ProcessCpuLoad sees this process's own work, within [0, 1]") {
  ProcessCpuLoad load({}, std::chrono::milliseconds(1));
  CHECK(load.cpus() >= 1);
  // The window since construction holds 20 ms of this thread's work: above zero.
  Burn(20);
  const double busy = load.Utilization();
  CHECK(busy > 0);
  CHECK(busy <= 1);
  // Asked again within the window, the last value comes back unchanged.
  ProcessCpuLoad slow({}, std::chrono::hours(1));
  Burn(5);
  CHECK(slow.Utilization() == 0);
  CHECK(slow.Utilization() == 0);
}

TEST_CASE("ProcessCpuLoad leaves out the CPU time it is told to") {
  // All of this process's CPU time counts as excluded: (next to) nothing is left.
  ProcessCpuLoad load(ProcessCpuNanoseconds, std::chrono::milliseconds(1));
  Burn(20);
  CHECK(load.Utilization() < 0.01);
}

}  // namespace
}  // namespace chainaccel
