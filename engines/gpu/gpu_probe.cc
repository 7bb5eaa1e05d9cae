#include "engines/gpu/gpu_probe.h"

#ifdef CHAINACCEL_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace chainaccel {

#ifdef CHAINACCEL_HAVE_CUDA

namespace {

struct ProbeResult {
  std::vector<GpuFacts> gpus;
  std::string note;
};

const ProbeResult& Probe() {
  static const ProbeResult result = [] {
    ProbeResult r;
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      r.note = std::string("no CUDA device: ") + cudaGetErrorString(err);
      return r;
    }
    for (int i = 0; i < count; ++i) {
      cudaDeviceProp prop{};
      if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
      GpuFacts f;
      f.ordinal = i;
      f.name = prop.name;
      f.memory_bytes = prop.totalGlobalMem;
      f.multiprocessors = static_cast<uint32_t>(prop.multiProcessorCount);
      f.compute_capability = std::to_string(prop.major) + "." + std::to_string(prop.minor);
      r.gpus.push_back(std::move(f));
    }
    if (r.gpus.empty()) r.note = "no CUDA device";
    return r;
  }();
  return result;
}

}  // namespace

std::vector<GpuFacts> ProbeGpus() { return Probe().gpus; }
std::string GpuProbeNote() { return Probe().note; }

#else

std::vector<GpuFacts> ProbeGpus() { return {}; }
std::string GpuProbeNote() { return "built without CUDA"; }

#endif

}  // namespace chainaccel
