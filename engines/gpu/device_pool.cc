#include "engines/gpu/device_pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#ifdef CHAINACCEL_HAVE_CUDA
#include "engines/gpu/gpu_engine.h"
#endif

namespace chainaccel {

struct DevicePool::Impl {
#ifdef CHAINACCEL_HAVE_CUDA
  std::vector<std::unique_ptr<GpuEngine>> engines;
#endif
};

DevicePool::DevicePool(const Options& options)
    : impl_(std::make_unique<Impl>()), retest_interval_(options.retest_interval) {
  const std::vector<GpuFacts> visible = ProbeGpus();
  if (visible.empty()) spdlog::info("no GPU in use ({})", GpuProbeNote());
  for (const GpuFacts& gpu : visible) {
    const bool listed = options.devices.empty() ||
                        std::find(options.devices.begin(), options.devices.end(),
                                  gpu.ordinal) != options.devices.end();
    if (!options.enabled || !listed) {
      spdlog::info("GPU {} ({}) not used: {}", gpu.ordinal, gpu.name,
                   options.enabled ? "not in gpu_devices" : "GPUs disabled by config");
      unused_.push_back(gpu);
      continue;
    }
#ifdef CHAINACCEL_HAVE_CUDA
    for (unsigned instance = 0; instance < std::max(1u, options.engines_per_device); ++instance) {
      Status status;
      GpuEngine::Options engine_options;
      engine_options.instance = instance;
      engine_options.concurrent_batches = std::max<size_t>(1, options.concurrent_batches);
      engine_options.wait_spin_seconds = options.wait_spin_seconds;
      auto engine = GpuEngine::Create(gpu.ordinal, engine_options, &status);
      if (!engine) {
        spdlog::error("GPU {} ({}) not used: {}", gpu.ordinal, gpu.name, status.ToString());
        if (instance == 0) unused_.push_back(gpu);
        break;
      }
      spdlog::info("GPU {} in service as {}: {} ({} SMs, {} MiB), self-test passed", gpu.ordinal,
                   engine->info().name, gpu.name, gpu.multiprocessors, gpu.memory_bytes >> 20);
      impl_->engines.push_back(std::move(engine));
    }
#endif
  }
#ifdef CHAINACCEL_HAVE_CUDA
  if (!impl_->engines.empty()) retester_ = std::thread([this] { RetestLoop(); });
#endif
}

DevicePool::~DevicePool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (retester_.joinable()) retester_.join();
}

std::vector<Engine*> DevicePool::engines() const {
  std::vector<Engine*> out;
#ifdef CHAINACCEL_HAVE_CUDA
  for (const auto& engine : impl_->engines) out.push_back(engine.get());
#endif
  return out;
}

void DevicePool::RetestLoop() {
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, retest_interval_, [this] { return stopping_; })) {
#ifdef CHAINACCEL_HAVE_CUDA
    for (const auto& engine : impl_->engines) {
      if (engine->stats().healthy) continue;
      const Status status = engine->SelfTest();
      if (status.ok()) {
        spdlog::warn("{} passed its self-test again and is back in service", engine->info().name);
      } else {
        spdlog::warn("{} still out of service: {}", engine->info().name, status.ToString());
      }
    }
#endif
  }
}

}  // namespace chainaccel
