#include "kernels/fault/spin_kernel.h"

#include "kernels/launch_check.h"

namespace chainaccel::kernels {
namespace {

__device__ uint64_t GlobalTimerNanoseconds() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// One thread; __nanosleep keeps it from taking an issue slot of the SM it sits on.
__global__ void SpinKernel(uint64_t nanoseconds) {
  const uint64_t start = GlobalTimerNanoseconds();
  while (GlobalTimerNanoseconds() - start < nanoseconds) __nanosleep(100000);
}

}  // namespace

Status LaunchSpin(uint64_t nanoseconds, cudaStream_t stream) {
  ClearLastCudaError();
  SpinKernel<<<1, 1, 0, stream>>>(nanoseconds);
  return CheckLaunch("LaunchSpin", stream);
}

}  // namespace chainaccel::kernels
