// GpuReadiness: whether a daemon that was given GPUs still has one, so that operators
// can route around a replica that has fallen back to its CPU (docs/deploy.md).
//
// The daemon is degraded while GPUs are expected (GPU engines were opened, or devices
// were listed or seen but could not be brought into service) and none of its GPU engines
// is healthy: it still answers every request, on the CPU, far slower. Each change is
// reported to `report(degraded)` (the daemon sets the health of the `chainaccel.v1.Gpu`
// service to NOT_SERVING and the metric chainaccel_gpu_degraded to 1) and logged
// (warning when degraded, info when a GPU is back). A daemon that expects no GPU is
// never degraded and its `chainaccel.v1.Gpu` health is not registered (NOT_FOUND).
// Thread-safe; the destructor stops the polling thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "core/mutex.h"
#include "core/periodic_thread.h"
#include "core/thread_annotations.h"
#include "engines/engine.h"

namespace chainaccel::server {

class GpuReadiness {
 public:
  // `gpus`: the GPU engines (not owned; they outlive this). Reports the first state at
  // once, then polls the engines' health every `interval` (> 0) on a thread of its own.
  GpuReadiness(std::vector<const Engine*> gpus, bool expected,
               std::function<void(bool degraded)> report, std::chrono::milliseconds interval);
  ~GpuReadiness();

  GpuReadiness(const GpuReadiness&) = delete;
  GpuReadiness& operator=(const GpuReadiness&) = delete;

  // Reads the engines' health now; reports and logs a change. Returns whether degraded.
  bool Update() CHAINACCEL_EXCLUDES(mu_);

 private:
  const std::vector<const Engine*> gpus_;
  const bool expected_;
  const std::function<void(bool)> report_;

  Mutex mu_;
  int degraded_ CHAINACCEL_GUARDED_BY(mu_) = -1;  // -1 until the first Update
  std::unique_ptr<PeriodicThread> poller_;  // last; null when no GPU is expected
};

}  // namespace chainaccel::server
