// LaunchSpin: a kernel that only waits, the hung kernel that the GPU engine's watchdog
// tests inject (engines/gpu/gpu_test_engines.h, HangAfterChunks). Test-only: no target
// of the daemon links it.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/status.h"

namespace chainaccel::kernels {

// Enqueues on `stream` one thread that spins until `nanoseconds` have passed on the
// device's global timer (%globaltimer), so that everything enqueued after it on the
// stream waits that long. Returns the launch's status (CheckLaunch).
Status LaunchSpin(uint64_t nanoseconds, cudaStream_t stream);

}  // namespace chainaccel::kernels
