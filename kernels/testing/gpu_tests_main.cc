// The main of the test binaries with device tests (gpu_kernel_tests, zk_kernel_tests,
// gpu_engine_tests): Catch2's, plus one flag of our own.
//
// --require-gpu (ctest passes it to every test tagged [device], and to gpu_engine_tests,
// whose tests all need a device): before running anything,
// exit with kSkipReturnCode when no CUDA device is usable, so that ctest, told
// SKIP_RETURN_CODE 77, reports those tests as skipped instead of passed. Without the flag
// every test runs, and a [device] test fails loudly where there is no GPU.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr int kSkipReturnCode = 77;  // = SKIP_RETURN_CODE in kernels/CMakeLists.txt

// Whether a CUDA device can be used; prints why not.
bool GpuPresent() {
  int devices = 0;
  const cudaError_t error = cudaGetDeviceCount(&devices);
  if (error != cudaSuccess) {
    std::printf("no usable CUDA device (%s: %s): skipping the device tests\n",
                cudaGetErrorName(error), cudaGetErrorString(error));
    return false;
  }
  if (devices == 0) {
    std::printf("no CUDA device: skipping the device tests\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  bool require_gpu = false;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strcmp(argv[i], "--require-gpu") == 0) {
      require_gpu = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (require_gpu && !GpuPresent()) return kSkipReturnCode;
  return Catch::Session().run(static_cast<int>(args.size()), args.data());
}
