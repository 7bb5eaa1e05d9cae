// ProbeGpus: the CUDA devices this process can see, and their facts.
//
// Returns an empty list when the build has no CUDA or no usable device/driver is present;
// never fails. The GPU engine (device pool, kernels) builds on this in a later release;
// today the daemon reports these devices in AdminService.GetDevices without routing work
// to them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chainaccel {

struct GpuFacts {
  int ordinal = 0;
  std::string name;                 // "NVIDIA H100 80GB HBM3"
  uint64_t memory_bytes = 0;
  uint32_t multiprocessors = 0;
  std::string compute_capability;   // "9.0"
};

std::vector<GpuFacts> ProbeGpus();

// Why the probe found nothing ("built without CUDA", the CUDA error), or "" if it found GPUs.
std::string GpuProbeNote();

}  // namespace chainaccel
