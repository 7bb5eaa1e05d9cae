// CudaStatus: where a cudaError_t becomes a chainaccel::Status (core/status.h).
//
// Kernel wrappers and, later, the GPU engine return Status values; CUDA error codes stop
// here. The mapping:
//   cudaSuccess                                  -> OK
//   cudaErrorMemoryAllocation                    -> RESOURCE_EXHAUSTED
//   no device, no or too old a driver, device
//   unavailable, system not ready                -> UNAVAILABLE
//   anything else (a fault in a kernel, a bad
//   launch, a wrong argument to the runtime)      -> INTERNAL
// The message names the operation, the error's name and its description:
//   "LaunchHashFixed(SHA256): cudaErrorIllegalAddress: an illegal memory access was
//    encountered".
// Thread-safe.
#pragma once

#include <cuda_runtime_api.h>

#include <string_view>

#include "core/status.h"

namespace chainaccel {

Status CudaStatus(cudaError_t error, std::string_view what);

}  // namespace chainaccel
