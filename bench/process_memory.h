// The benchmark process's memory: its peak resident set (getrusage's ru_maxrss) and its
// resident set now (/proc/self/statm), in MiB, for the JSON lines of the benches.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

namespace chainaccel::bench {

// The most resident memory the process has had so far.
inline double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: KiB
}

// The resident memory now; 0 where /proc is not there.
inline double CurrentRssMiB() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long pages = 0, resident = 0;
  const int read = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  if (read != 2) return 0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

}  // namespace chainaccel::bench
