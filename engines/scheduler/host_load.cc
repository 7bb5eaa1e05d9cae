#include "engines/scheduler/host_load.h"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

namespace chainaccel {
namespace {

int AffinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::thread::hardware_concurrency());
}

// The first line of the cgroup v2 cpu.max of this process's cgroup as mounted in its
// namespace (a container sees its own at /sys/fs/cgroup); empty where there is none.
std::string ReadCpuMax() {
  std::string line;
  if (FILE* f = std::fopen("/sys/fs/cgroup/cpu.max", "r")) {
    char buffer[128];
    if (std::fgets(buffer, sizeof(buffer), f) != nullptr) line = buffer;
    std::fclose(f);
  }
  return line;
}

}  // namespace

int64_t ProcessCpuNanoseconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

double UsableCpus(int affinity_cpus, const char* cpu_max) {
  double cpus = std::max(1, affinity_cpus);
  char* end = nullptr;
  const double quota = std::strtod(cpu_max, &end);  // "max" parses as nothing
  if (end != cpu_max && quota > 0) {
    const double period = std::strtod(end, nullptr);
    if (period > 0) cpus = std::min(cpus, std::max(1.0, quota / period));
  }
  return cpus;
}

ProcessCpuLoad::ProcessCpuLoad(std::function<int64_t()> excluded, std::chrono::milliseconds window)
    : excluded_(std::move(excluded)),
      window_(window),
      cpus_(UsableCpus(AffinityCpus(), ReadCpuMax().c_str())),
      wall_(std::chrono::steady_clock::now()),
      cpu_ns_(CountedCpuNanoseconds()) {}

int64_t ProcessCpuLoad::CountedCpuNanoseconds() const {
  return ProcessCpuNanoseconds() - (excluded_ ? excluded_() : 0);
}

double ProcessCpuLoad::Utilization() {
  const auto now = std::chrono::steady_clock::now();
  MutexLock lock(mu_);
  const auto elapsed = now - wall_;
  if (elapsed < window_) return utilization_;
  const int64_t cpu = CountedCpuNanoseconds();
  const double wall_ns = static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  utilization_ = std::clamp(static_cast<double>(cpu - cpu_ns_) / (wall_ns * cpus_), 0.0, 1.0);
  wall_ = now;
  cpu_ns_ = cpu;
  return utilization_;
}

}  // namespace chainaccel
