// HostLoad: how busy the host's cores are, for the hybrid scheduler's AUTO placement.
//
// The CPU engine and a GPU engine's host side (gRPC, decoding, staging records, waiting
// on the device) share the host's cores. While the host is busy, a batch AUTO gives the
// CPU engine takes more cores from the GPU path than it adds (hybrid_scheduler.h,
// Options::auto_cpu_max_host_load), so AUTO asks this first.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "core/mutex.h"

namespace chainaccel {

class HostLoad {
 public:
  virtual ~HostLoad() = default;

  // The share, in [0, 1], of the CPUs this process may use that it used lately.
  // Thread-safe; cheap enough to ask on every Submit.
  virtual double Utilization() = 0;
};

// The daemon's HostLoad: the process's CPU time over a window of wall time times its
// CPUs (those of its affinity mask, fewer where a cgroup v2 quota, a container's CPU
// limit in /sys/fs/cgroup/cpu.max, allows fewer), less the CPU time `excluded` reports:
// the CPU engine's workers, whose own work is what AUTO decides about, so that it does
// not count against itself. A value is measured over the time since the previous one, at
// most once per `window`; between two, the last is returned. Threads that wait on the
// GPU by yielding count as busy: with many GPU batches in flight the host reads as busy.
class ProcessCpuLoad final : public HostLoad {
 public:
  // `excluded`: a running total of CPU nanoseconds to leave out (thread-safe), or empty.
  explicit ProcessCpuLoad(std::function<int64_t()> excluded = {},
                          std::chrono::milliseconds window = std::chrono::milliseconds(20));

  double Utilization() override CHAINACCEL_EXCLUDES(mu_);

  // The CPUs the value is measured against (at least 1).
  double cpus() const { return cpus_; }

 private:
  int64_t CountedCpuNanoseconds() const;

  const std::function<int64_t()> excluded_;
  const std::chrono::nanoseconds window_;
  const double cpus_;

  Mutex mu_;
  std::chrono::steady_clock::time_point wall_ CHAINACCEL_GUARDED_BY(mu_);
  int64_t cpu_ns_ CHAINACCEL_GUARDED_BY(mu_) = 0;
  double utilization_ CHAINACCEL_GUARDED_BY(mu_) = 0;
};

// The CPU time this process's threads have used so far (CLOCK_PROCESS_CPUTIME_ID).
int64_t ProcessCpuNanoseconds();

// The CPUs a process may use: its affinity mask, capped by a cgroup v2 quota read from
// `cpu_max` (the contents of cpu.max: "max 100000" or "QUOTA PERIOD"; empty: none).
double UsableCpus(int affinity_cpus, const char* cpu_max);

}  // namespace chainaccel
