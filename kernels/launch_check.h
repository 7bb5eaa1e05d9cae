// What every host launch wrapper of kernels/ does around a kernel launch: the grid size,
// clearing the thread's stale CUDA error before the launch, and checking the launch (and,
// in debug mode, the kernel) after it.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace chainaccel::kernels {

// Blocks of `threads_per_block` threads for `count` threads, or 0 when the grid cannot
// index that many (over 2^31 - 1 blocks).
unsigned GridBlocks(size_t count, int threads_per_block);

// Clears the calling thread's last-error slot before a launch, so that CheckLaunch reports
// this launch and not a stale error of an earlier runtime call (which that call returned
// itself). A sticky fault of the device survives the clearing and fails the launch.
void ClearLastCudaError();

// The launch's own error as a Status naming `what`; then, when CHAINACCEL_CUDA_SYNC=1 is
// in the environment (read at each call), synchronizes `stream` and returns any error of
// the kernel itself.
Status CheckLaunch(std::string_view what, cudaStream_t stream);

}  // namespace chainaccel::kernels
