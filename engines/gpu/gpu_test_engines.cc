#include "engines/gpu/gpu_test_engines.h"

#include <catch2/catch.hpp>

#include <string>

#include "kernels/cuda_status.h"
#include "kernels/fault/spin_kernel.h"

namespace chainaccel::testing {

CpuEngine& ReferenceCpu() {
  static CpuEngine cpu(CpuEngine::Options{.threads = 2});
  return cpu;
}

std::unique_ptr<GpuEngine> MakeGpu(const GpuEngine::Options& options, GpuDeviceHooks* hooks) {
  Status status;
  std::unique_ptr<GpuEngine> gpu = GpuEngine::Create(0, options, &status, hooks);
  INFO(status.ToString());
  REQUIRE(status.ok());
  REQUIRE(gpu != nullptr);
  return gpu;
}

GpuEngine& SharedGpu() {
  static std::unique_ptr<GpuEngine> gpu = MakeGpu();
  return *gpu;
}

void CheckHangFault(const Status& fault, const GpuEngine& gpu) {
  INFO(fault.ToString());
  // The engine's fault for a hang (the scheduler re-runs the batch elsewhere), named.
  CHECK(fault.code() == Status::Code::kInternal);
  CHECK(fault.message().find("it hangs") != std::string::npos);
  CHECK_FALSE(gpu.stats().healthy);
  CHECK(gpu.faults() == 1);
}

Status FailAfterChunks::OnChunkLaunch(uint64_t chunk, std::string_view what,
                                      CUstream_st* stream) {
  static_cast<void>(stream);
  if (chunk != chunks_) return Status::Ok();
  return CudaStatus(cudaErrorLaunchFailure,
                    std::string(what) + " (fault injected by testing::FailAfterChunks)");
}

Status HangAfterChunks::OnChunkLaunch(uint64_t chunk, std::string_view what,
                                      CUstream_st* stream) {
  static_cast<void>(what);
  if (chunk != chunks_) return Status::Ok();
  return kernels::LaunchSpin(static_cast<uint64_t>(seconds_ * 1e9), stream);
}

}  // namespace chainaccel::testing
