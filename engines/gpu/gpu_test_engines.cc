#include "engines/gpu/gpu_test_engines.h"

#include <catch2/catch.hpp>

#include <string>

#include "kernels/cuda_status.h"

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

Status FailAfterChunks::OnChunkLaunch(uint64_t chunk, std::string_view what) {
  if (chunk != chunks_) return Status::Ok();
  return CudaStatus(cudaErrorLaunchFailure,
                    std::string(what) + " (fault injected by testing::FailAfterChunks)");
}

}  // namespace chainaccel::testing
