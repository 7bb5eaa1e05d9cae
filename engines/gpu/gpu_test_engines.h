// The engines the GPU engine tests compare: a small CPU engine (the reference) and GPU
// engines on device 0; and FailAfterChunks and HangAfterChunks, the faults the tests
// inject through the GPU engine's hooks (gpu_device_hooks.h). Test-only.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "engines/cpu/cpu_engine.h"
#include "engines/gpu/gpu_device_hooks.h"
#include "engines/gpu/gpu_engine.h"

namespace chainaccel::testing {

// A 2-thread CpuEngine shared by all tests.
CpuEngine& ReferenceCpu();

// A new engine on device 0 (with `hooks`, when not null: they must outlive it); fails the
// current test (REQUIRE) if it cannot be made.
std::unique_ptr<GpuEngine> MakeGpu(const GpuEngine::Options& options = {},
                                   GpuDeviceHooks* hooks = nullptr);

// An engine with default options shared by the tests that inject no faults.
GpuEngine& SharedGpu();

// Checks (CHECK) what a batch hung by HangAfterChunks leaves: `fault`, its Run's status,
// is the engine's INTERNAL fault naming the hang, and `gpu` is unhealthy with one fault.
void CheckHangFault(const Status& fault, const GpuEngine& gpu);

// Fails the chunk launched after `chunks` chunks of Run batches (counted since Create,
// self-tests excluded; 0: the first chunk), once, as a CUDA launch failure would
// (cudaErrorLaunchFailure, which the engine reports as INTERNAL).
class FailAfterChunks final : public GpuDeviceHooks {
 public:
  explicit FailAfterChunks(uint64_t chunks) : chunks_(chunks) {}

  Status OnChunkLaunch(uint64_t chunk, std::string_view what, CUstream_st* stream) override;

 private:
  const uint64_t chunks_;
};

// Hangs the chunk launched after `chunks` chunks of Run batches (counted as
// FailAfterChunks counts them), once: enqueues on its stream a kernel that spins for
// `seconds` of device time (kernels/fault/spin_kernel.h) after the chunk's work, so that
// the chunk outlasts a shorter GpuOptions::hang_seconds as a hung kernel would.
class HangAfterChunks final : public GpuDeviceHooks {
 public:
  HangAfterChunks(uint64_t chunks, double seconds) : chunks_(chunks), seconds_(seconds) {}

  Status OnChunkLaunch(uint64_t chunk, std::string_view what, CUstream_st* stream) override;

 private:
  const uint64_t chunks_;
  const double seconds_;
};

}  // namespace chainaccel::testing
