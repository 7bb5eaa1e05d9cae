#include "kernels/launch_check.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "kernels/cuda_status.h"

namespace chainaccel::kernels {

unsigned GridBlocks(size_t count, int threads_per_block) {
  const size_t per_block = static_cast<size_t>(threads_per_block);
  const size_t blocks = count / per_block + (count % per_block != 0 ? 1 : 0);
  if (blocks > static_cast<size_t>(std::numeric_limits<int>::max())) return 0;
  return static_cast<unsigned>(blocks);
}

void ClearLastCudaError() { static_cast<void>(cudaGetLastError()); }

Status CheckLaunch(std::string_view what, cudaStream_t stream) {
  if (cudaError_t error = cudaGetLastError(); error != cudaSuccess) {
    return CudaStatus(error, std::string(what));
  }
  const char* sync = std::getenv("CHAINACCEL_CUDA_SYNC");
  if (sync != nullptr && std::strcmp(sync, "1") == 0) {
    if (cudaError_t error = cudaStreamSynchronize(stream); error != cudaSuccess) {
      return CudaStatus(error, std::string(what) + " [CHAINACCEL_CUDA_SYNC]");
    }
  }
  return Status::Ok();
}

}  // namespace chainaccel::kernels
