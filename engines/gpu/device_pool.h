// DevicePool: the daemon's GPU engines — every visible CUDA device (or those listed),
// each opened as a GpuEngine that passed its start-up self-test — and the thread that
// brings a faulty device back: an unhealthy engine re-runs its self-test every
// `retest_interval` and takes work again once it passes.
//
// Built with or without CUDA: without it, or with no usable device, the pool is empty
// and the daemon runs on the CPU as before. Thread-safe; the engines live as long as the
// pool.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engines/engine.h"
#include "engines/gpu/gpu_probe.h"

namespace chainaccel {

class DevicePool {
 public:
  struct Options {
    bool enabled = true;
    // Ordinals to open; empty: every visible device.
    std::vector<int> devices;
    std::chrono::milliseconds retest_interval{60'000};
    // GPU engines per device (named gpu:N, gpu:N.1, ...), each with its own lanes: the
    // scheduler treats them as separate GPUs. For testing multi-GPU scheduling on a host
    // with one GPU; 1 in service.
    unsigned engines_per_device = 1;
    // Batches each engine runs at once (GpuOptions::concurrent_batches): the
    // scheduler's gpu_batches_in_flight.
    size_t concurrent_batches = 1;
    // How long a thread waiting for a chunk yields before it sleeps between polls
    // (GpuOptions::wait_spin_seconds).
    double wait_spin_seconds = 50e-3;
  };

  // Opens the devices; one that cannot be opened or fails its self-test is logged and
  // left out (listed in unused()).
  explicit DevicePool(const Options& options);
  ~DevicePool();

  DevicePool(const DevicePool&) = delete;
  DevicePool& operator=(const DevicePool&) = delete;

  // The GPU engines in service or waiting for a passing self-test, by ordinal.
  std::vector<Engine*> engines() const;
  // Devices seen but not run by an engine (disabled, not listed, or failed to open).
  const std::vector<GpuFacts>& unused() const { return unused_; }

 private:
  struct Impl;
  void RetestLoop();

  std::unique_ptr<Impl> impl_;
  std::vector<GpuFacts> unused_;
  const std::chrono::milliseconds retest_interval_;

  std::mutex mu_;
  // Guarded by mu_.
  std::condition_variable stop_cv_;
  bool stopping_ = false;

  std::thread retester_;  // started last, joined first
};

}  // namespace chainaccel
