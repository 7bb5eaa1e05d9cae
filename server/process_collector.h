// ProcessCollector: the standard Prometheus process metrics of chainacceld, read from
// /proc at scrape time, and its build information.
//
//   process_cpu_seconds_total         user + system CPU time
//   process_resident_memory_bytes     resident set size
//   process_virtual_memory_bytes      virtual memory size
//   process_open_fds                  open file descriptors
//   process_start_time_seconds        start time, seconds since the Unix epoch
//   chainaccel_build_info{version}    1
// Thread-safe.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace chainaccel::server {

class ProcessCollector final : public prometheus::Collectable {
 public:
  explicit ProcessCollector(std::string version);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string version_;
  const double start_time_seconds_;
};

}  // namespace chainaccel::server
