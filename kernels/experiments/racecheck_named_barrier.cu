// A minimal kernel with the split layout's two barriers (kernels/split_verify.cuh), to
// tell a race in the split kernels from compute-sanitizer racecheck's reading of them:
// warp 0 works alone; warps 1-5 meet at named barrier 1 (160 threads, unaligned), after
// which warps 1-4 run one item per quad of lanes, every lane of a quad storing the same
// values into the item's shared record; then the block barrier; then warp 0 reads the
// records. Correct by the PTX memory model (the block barrier orders every store before
// every load). Built with -DRACECHECK_CONTROL the first barrier is block-wide instead.
//   nvcc -O3 -arch=sm_90 -lineinfo -o named kernels/experiments/racecheck_named_barrier.cu
//   nvcc -O3 -arch=sm_90 -lineinfo -DRACECHECK_CONTROL -o control kernels/experiments/racecheck_named_barrier.cu
//   compute-sanitizer --tool racecheck ./named     # and ./control
// H100, compute-sanitizer 2025.3.1, 2026-12-07: named, "potential RAW hazard" errors in
// every one of 13 runs (8 to 3,298 a run: the quads' stores against warp 0's loads);
// control, 0 in 3 of 3; synccheck 0 errors. So racecheck does not follow a barrier with a
// thread count, and its reports on Ed25519's split kernel (bench/RESULTS.md, "sixth
// lease") are of that kind. (Measured on this file's first form, two files with the same
// barriers and accesses, whose output ignored `fixed`.)
#include <cstdint>
#include <cstdio>

struct Parts {
  uint32_t words[56];
  uint32_t k;
  bool ok;
};

__device__ uint32_t Mix(uint32_t x, int rounds) {
  for (int i = 0; i < rounds; ++i) x = x * 2654435761u + (x >> 13) + i;
  return x;
}

__global__ void __launch_bounds__(192) SplitLike(uint32_t seed, int work, uint8_t* out) {
  __shared__ Parts parts[32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int item = warp == 0 ? lane : warp <= 4 ? (warp - 1) * 8 + lane / 4 : lane;
  Parts& p = parts[item];
  uint32_t fixed = 0;
#if defined(RACECHECK_CONTROL)
  if (warp == 5) p.k = Mix(seed ^ item, work / 4 + (item % 7) * 50);
  __syncthreads();
  if (warp == 0) {
    fixed = Mix(seed + lane + blockIdx.x, work);
  } else {
#else
  if (warp == 0) {
    fixed = Mix(seed + lane + blockIdx.x, work);
  } else {
    if (warp == 5) p.k = Mix(seed ^ item, work / 4 + (item % 7) * 50);
    asm volatile("barrier.sync 1, 160;" ::: "memory");
#endif
    if (warp <= 4) {
      const unsigned mask = 0xFu << (lane & ~3u);
      uint32_t v = p.k;
      if ((v & 3) != 0) v = Mix(v, work + (v & 255));  // the quads of a warp diverge
      v = __shfl_sync(mask, v, lane & ~3u);
      for (int w = 0; w < 56; ++w) p.words[w] = v + w;
      p.ok = (v & 1) != 0;
    }
  }
  __syncthreads();
  if (warp == 0) {
    out[blockIdx.x * 32 + lane] =
        static_cast<uint8_t>(p.ok && p.words[55] - p.words[0] == 55) ^ static_cast<uint8_t>(fixed & 1);
  }
}

int main() {
  constexpr int kBlocks = 132;
  uint8_t* out = nullptr;
  cudaError_t e = cudaMalloc(&out, kBlocks * 32);
  for (int r = 0; e == cudaSuccess && r < 4; ++r) {
    SplitLike<<<kBlocks, 192>>>(12345u + r, 2000, out);
    e = cudaGetLastError();
  }
  if (e == cudaSuccess) e = cudaDeviceSynchronize();
  std::printf("kernel: %s\n", cudaGetErrorString(e));
  cudaFree(out);
  return e == cudaSuccess ? 0 : 1;
}
