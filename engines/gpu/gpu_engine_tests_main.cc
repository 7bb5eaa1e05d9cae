// The main of gpu_engine_tests: Catch2's, behind a check for a GPU.
//
// Every test here needs a CUDA device. Where none is usable (cudaGetDeviceCount fails or
// finds none) the binary exits with kSkipReturnCode before running anything, and ctest,
// told SKIP_RETURN_CODE 77 (engines/gpu/CMakeLists.txt), reports the test as skipped
// rather than passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <cstdio>

namespace {

constexpr int kSkipReturnCode = 77;  // = SKIP_RETURN_CODE in engines/gpu/CMakeLists.txt

}  // namespace

int main(int argc, char** argv) {
  int devices = 0;
  const cudaError_t error = cudaGetDeviceCount(&devices);
  if (error != cudaSuccess) {
    std::printf("no usable CUDA device (%s: %s): skipping the GPU engine tests\n",
                cudaGetErrorName(error), cudaGetErrorString(error));
    return kSkipReturnCode;
  }
  if (devices == 0) {
    std::printf("no CUDA device: skipping the GPU engine tests\n");
    return kSkipReturnCode;
  }
  return Catch::Session().run(argc, argv);
}
