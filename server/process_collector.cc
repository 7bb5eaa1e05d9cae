#include "server/process_collector.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/memory_trimmer.h"

namespace chainaccel::server {
namespace {

prometheus::MetricFamily Family(const char* name, const char* help, double value,
                               prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return {name, help, type, {m}};
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Fields 14 and 15 of /proc/self/stat (utime, stime) in clock ticks, and 23 (vsize).
struct Stat {
  double cpu_seconds = 0;
  double virtual_bytes = 0;
};

Stat ReadStat() {
  Stat stat;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return stat;
  // The command name (field 2) may hold spaces: start after its closing parenthesis.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return stat;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  std::vector<std::string> rest;  // fields 3 onwards
  while (fields >> field) rest.push_back(field);
  if (rest.size() < 21) return stat;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  stat.cpu_seconds = (std::stod(rest[11]) + std::stod(rest[12])) / ticks;  // fields 14, 15
  stat.virtual_bytes = std::stod(rest[20]);                                 // field 23
  return stat;
}

double OpenFds() {
  std::error_code ec;
  double n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

ProcessCollector::ProcessCollector(std::string version)
    : version_(std::move(version)), start_time_seconds_(NowSeconds()) {}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  const Stat stat = ReadStat();
  prometheus::MetricFamily build = Family("chainaccel_build_info",
                                         "1, labelled with the daemon's version", 1);
  build.metric.front().label = {{"version", version_}};
  return {Family("process_cpu_seconds_total", "User and system CPU time spent, in seconds",
                stat.cpu_seconds, prometheus::MetricType::Counter),
          Family("process_resident_memory_bytes", "Resident memory size in bytes",
                static_cast<double>(ResidentBytes())),
          Family("process_virtual_memory_bytes", "Virtual memory size in bytes", stat.virtual_bytes),
          Family("process_open_fds", "Open file descriptors", OpenFds()),
          Family("process_start_time_seconds", "Start time of the process since the Unix epoch",
                start_time_seconds_),
          std::move(build)};
}

}  // namespace chainaccel::server
