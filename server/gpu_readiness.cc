#include "server/gpu_readiness.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

namespace chainaccel::server {

GpuReadiness::GpuReadiness(std::vector<const Engine*> gpus, bool expected,
                           std::function<void(bool)> report, std::chrono::milliseconds interval)
    : gpus_(std::move(gpus)), expected_(expected), report_(std::move(report)), interval_(interval) {
  Update();
  if (expected_) thread_ = std::thread([this] { Loop(); });
}

GpuReadiness::~GpuReadiness() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

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

void GpuReadiness::Loop() {
  MutexLock lock(mu_);
  while (!stopping_) {
    static_cast<void>(wake_.WaitFor(mu_, interval_));
    if (stopping_) break;
    lock.Unlock();
    Update();
    lock.Lock();
  }
}

}  // namespace chainaccel::server
