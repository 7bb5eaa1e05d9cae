#include "server/gpu_readiness.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

namespace chainaccel::server {

GpuReadiness::GpuReadiness(std::vector<const Engine*> gpus, bool expected,
                           std::function<void(bool)> report, std::chrono::milliseconds interval)
    : gpus_(std::move(gpus)), expected_(expected), report_(std::move(report)) {
  Update();
  if (expected_) poller_ = std::make_unique<PeriodicThread>(interval, [this] { Update(); });
}

GpuReadiness::~GpuReadiness() = default;

bool GpuReadiness::Update() {
  size_t healthy = 0;
  for (const Engine* gpu : gpus_) healthy += gpu->healthy() ? 1 : 0;
  const bool degraded = expected_ && healthy == 0;
  MutexLock lock(mu_);
  if (degraded_ == static_cast<int>(degraded)) return degraded;
  const bool first = degraded_ < 0;
  degraded_ = degraded;
  if (degraded) {
    spdlog::warn("degraded: {} of the daemon's GPU engine(s) in service; every batch runs on "
                 "the CPU (health of chainaccel.v1.Gpu: NOT_SERVING)",
                 healthy);
  } else if (!first) {
    spdlog::info("no longer degraded: {} of {} GPU engine(s) in service", healthy, gpus_.size());
  }
  report_(degraded);
  return degraded;
}

}  // namespace chainaccel::server
