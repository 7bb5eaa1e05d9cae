#include "engines/gpu/gpu_test_engines.h"

#include <catch2/catch.hpp>

namespace chainaccel::testing {

CpuEngine& ReferenceCpu() {
  static CpuEngine cpu(CpuEngine::Options{.threads = 2});
  return cpu;
}

std::unique_ptr<GpuEngine> MakeGpu(const GpuEngine::Options& options) {
  Status status;
  std::unique_ptr<GpuEngine> gpu = GpuEngine::Create(0, options, &status);
  INFO(status.ToString());
  REQUIRE(status.ok());
  REQUIRE(gpu != nullptr);
  return gpu;
}

GpuEngine& SharedGpu() {
  static std::unique_ptr<GpuEngine> gpu = MakeGpu();
  return *gpu;
}

}  // namespace chainaccel::testing
