// Timing helpers of the GPU benchmarks: medians, and kernels timed with CUDA events on
// the default stream after warm-up (/work/.library/device/METHOD.md's method).
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "kernels/testing/device_buffer.h"

namespace chainaccel::bench {

// What a GPU benchmark's first ("device") line tells: device 0's properties, the UTC
// time, and a fresh random seed for its data.
struct RunContext {
  cudaDeviceProp device{};
  std::string date;  // e.g. 2026-12-05T03:14:00Z
  uint64_t seed = 0;
};
inline RunContext StartRun() {
  RunContext c;
  testing::CudaCheck(cudaGetDeviceProperties(&c.device, 0), "cudaGetDeviceProperties");
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  c.date = date;
  c.seed = std::random_device{}() | uint64_t{std::random_device{}()} << 32;
  return c;
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Seconds of each of `runs` timings of `enqueue` on the default stream, measured with
// events after `warmups` untimed calls.
template <class F>
std::vector<double> TimeWithEvents(int warmups, int runs, F enqueue) {
  using testing::CudaCheck;
  cudaEvent_t start, stop;
  CudaCheck(cudaEventCreate(&start), "cudaEventCreate");
  CudaCheck(cudaEventCreate(&stop), "cudaEventCreate");
  for (int i = 0; i < warmups; ++i) enqueue();
  std::vector<double> seconds;
  for (int i = 0; i < runs; ++i) {
    CudaCheck(cudaEventRecord(start, nullptr), "cudaEventRecord");
    enqueue();
    CudaCheck(cudaEventRecord(stop, nullptr), "cudaEventRecord");
    CudaCheck(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    CudaCheck(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    seconds.push_back(ms / 1e3);
  }
  CudaCheck(cudaEventDestroy(start), "cudaEventDestroy");
  CudaCheck(cudaEventDestroy(stop), "cudaEventDestroy");
  return seconds;
}

// Median wall-clock seconds of `runs` calls of `run` after `warmups` untimed ones (for
// work that synchronizes itself: engine batches, host-side pipelines).
template <class F>
double MedianWallSeconds(int warmups, int runs, F run) {
  for (int i = 0; i < warmups; ++i) run();
  std::vector<double> seconds;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return Median(seconds);
}

}  // namespace chainaccel::bench
