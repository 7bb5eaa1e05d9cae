// GpuOptions: how a GPU engine (gpu_engine.h, where it is GpuEngine::Options) sizes and
// staffs its device (gpu_device.h): the chunk a lane carries, the copy threads, and
// whether Ed25519 runs on the device. Fixed at GpuEngine::Create.
#pragma once

#include <cstddef>

namespace chainaccel {

struct GpuOptions {
  // Largest number of message bytes in one chunk, which is also the size of each lane's
  // pinned and device input buffers. 32 MiB: at the ~25 GB/s of a pinned PCIe 5 copy a
  // chunk moves in ~1.3 ms, so the fixed cost of a chunk (launch, event wait and
  // memcpy calls: ~20 us) stays near 1%, while the two lanes take only 2 x 32 MiB of
  // input staging per device and the un-overlapped first copy in and last copy out
  // of a batch cost ~1 ms each. A single message longer than this goes alone in a
  // chunk, copied in from the caller's memory through a temporary device buffer taken
  // stream-ordered from the device's default memory pool.
  size_t chunk_bytes = size_t{32} << 20;
  // Largest number of messages in one chunk: 2^20 messages give 32 MiB of digests
  // (the lane's output buffers) and 8 MiB of offsets. For the short messages that
  // dominate (32- and 64-byte hashes) the byte limit binds first (2^19 64-byte
  // messages), so each chunk still carries 32 MiB in; 2^20 messages already fill the
  // H100's 132 SMs many times over.
  size_t chunk_items = size_t{1} << 20;
  // Threads that copy each chunk between the caller's memory and the pinned staging
  // buffers (with the calling thread). One thread moves ~4-6 GB/s on the 16-core GPU
  // hosts measured, a tenth of pinned PCIe bandwidth (~55 GB/s). A 2^24-leaf BITCOIN
  // tree from pageable memory on the H100 host (bench/RESULTS.md): 19.0 ms with 4 + 1
  // threads, 15.9 ms with 8 + 1, 15.1 ms with 12 + 1 (the pinned copy alone: 9.7 ms);
  // 8 takes most of the gain and leaves the CPU engine half the cores while a GPU batch
  // streams. 0: the calling thread alone.
  size_t copy_threads = 8;
  // Ed25519 verification on the device (kernels/ed25519.cuh; its device tests and a
  // 10^7-signature soak against libsodium passed on an H100, bench/RESULTS.md). Off,
  // the engine does not accept Ed25519 batches and the scheduler keeps them on the CPU.
  bool ed25519 = true;
  // Batches the device runs at once, each on a pair of lanes of its own (gpu_device.h):
  // the scheduler's gpu_batches_in_flight (HybridScheduler::Options), which DevicePool
  // passes on. Each pair takes 2 x (chunk_bytes + 8 x chunk_items + 32 x chunk_items)
  // of pinned host memory and the same of device memory: ~144 MiB each at the defaults.
  size_t concurrent_batches = 1;
  // Seconds a chunk may take before the device counts as hung: the batch then fails
  // (DEADLINE_EXCEEDED, a fault: the engine turns unhealthy and the scheduler re-runs the
  // batch on the CPU) and its lane pair is retired. A chunk holds at most chunk_bytes of
  // input; the slowest measured (a 2^20-item recovery chunk on an H100) takes ~0.2 s, so
  // 10 s is fifty times that.
  double hang_seconds = 10;
  // How long a thread waiting for a chunk yields before it sleeps between polls
  // (CudaEvent::WaitFor). With many small batches in flight (gpu_batches_in_flight
  // dispatch threads each waiting ~2-3 ms for a signature chunk) yielding kept up to that
  // many of the host's cores busy, taken from the gRPC threads that feed the device.
  double wait_spin_seconds = 50e-3;
  // The share of the device's global memory that Groth16 circuits may keep resident
  // (their G1 bases and QAP rows; proof_operator.h): a 2^20-constraint circuit takes
  // about 0.3 GiB, so half of an 80-141 GiB card holds a hundred of them and leaves the
  // rest to the batches' scratch and the other task families.
  double proof_memory_fraction = 0.5;
  // Which engine of its device this is, when a device runs several (DevicePool's
  // engines_per_device, for testing multi-GPU scheduling on one GPU): instance 0 is
  // named "gpu:N", instance k "gpu:N.k". Each instance has lanes and buffers of its own.
  unsigned instance = 0;
};

}  // namespace chainaccel
