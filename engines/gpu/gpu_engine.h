// GpuEngine: runs HASH, MERKLE_BUILD, Ed25519 and ECDSA secp256k1 SIGNATURE_VERIFY and
// SIGNATURE_RECOVER tasks on one CUDA device (BIP-340 stays on the CPU, and so does
// Ed25519 when Options::ed25519 is off).
//
// A batch streams through the device in chunks over two lanes. A lane is a stream, an
// event and page-locked (pinned) input/offsets/output staging buffers with their device
// twins, all allocated once by Create and reused by every batch. For each chunk the
// calling thread copies the messages into the lane's pinned input (rebasing a variable
// batch's offsets to 0), then enqueues the copy in, the kernel (kernels/hash_launch.h),
// the copy out into pinned output, and records the lane's event. Before a lane takes its
// next chunk the thread waits for that event and copies the pinned digests into the
// task. With two lanes the host copies of one chunk overlap the device work (copies and
// kernel) of the other. The device never touches the caller's memory, so a batch that
// fails leaves nothing in flight that could write into the task afterwards.
//
// One batch at a time per device: Run holds a mutex for the whole batch, since both
// lanes serve it and a single batch of 32 MiB chunks already keeps the copy engines and
// the SMs busy. Concurrent callers queue on the mutex; the scheduler should send a device
// one batch at a time and keep the others on the CPU.
//
// Faults: any CUDA error (or the test-only injected one) marks the engine unhealthy
// (stats().healthy == false), counts a fault, logs it (spdlog, error level) and makes Run
// return INTERNAL or UNAVAILABLE, after which the caller must re-run the batch elsewhere
// (the CPU engine): the task's outputs are then unspecified. An unhealthy engine refuses
// every batch with UNAVAILABLE until a SelfTest passes again.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "engines/cpu/thread_pool.h"
#include "engines/engine.h"
#include "engines/gpu/cuda_resources.h"

namespace chainaccel {

class GpuEngine final : public Engine {
 public:
  struct Options {
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
    // Test-only fault switch: when >= 0, the chunk launched after this many chunks of
    // Run batches (counted since Create, self-tests excluded) fails as a CUDA launch
    // failure would, once. -1: never.
    int64_t fail_after_chunks = -1;
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
  };

  // Opens device `ordinal`: reads its properties, allocates both lanes and runs SelfTest.
  // Returns the engine, or null with *status saying why: INVALID_ARGUMENT for a bad
  // ordinal or options, UNAVAILABLE where CUDA or the device cannot be used, the CUDA
  // error of an allocation, or FAILED_PRECONDITION when the self-test fails (the device
  // must then not be used).
  static std::unique_ptr<GpuEngine> Create(int ordinal, const Options& options,
                                           Status* status);
  ~GpuEngine() override;

  GpuEngine(const GpuEngine&) = delete;
  GpuEngine& operator=(const GpuEngine&) = delete;

  // name "gpu:N", kind kGpu, and the device's product name, global memory, SMs and
  // compute capability.
  const EngineInfo& info() const override { return info_; }
  // kHash, kMerkleBuild, kSignatureVerify (ECDSA only: see Accepts), kSignatureRecover.
  bool Supports(TaskType type) const override {
    return type == TaskType::kHash || type == TaskType::kMerkleBuild ||
           type == TaskType::kSignatureVerify || type == TaskType::kSignatureRecover;
  }
  // Supports, except SignatureVerifyTasks of BIP-340, and of Ed25519 when
  // Options::ed25519 is off.
  bool Accepts(const Task& task) const override;

  // Runs a HashTask, MerkleBuildTask, SignatureVerifyTask (ECDSA_SECP256K1, and ED25519
  // with Options::ed25519) or SignatureRecoverTask (engine.h has the contract). Returns
  // UNIMPLEMENTED for any other task (MerkleVerifyTask, BIP-340 verification, Ed25519
  // with the option off); INVALID_ARGUMENT for an unknown algorithm or
  // a Merkle task that breaks the REQUIRES of engines/task.h (CheckMerkleBuildTask of
  // engines/cpu/merkle.h); UNAVAILABLE right away when the engine is unhealthy;
  // RESOURCE_EXHAUSTED when the device has too little free memory for a tree (not a
  // fault: the engine stays healthy); and INTERNAL or UNAVAILABLE (the device's error,
  // prefixed with the engine's name) when a CUDA call fails during the batch.
  //
  // Merkle trees: the leaves stream in through both lanes in chunks of 2^k leaves (the
  // most that fit a lane's buffers), each chunk's k-level subtree hashed behind its copy
  // (BITCOIN, RFC6962 leaf hashes; RFC6962 raw entries are hashed into leaf hashes chunk
  // by chunk instead); the top of the tree, the OZ leaf sort and the proofs follow on
  // lane 0 (kernels/merkle_launch.h). Device memory per tree, taken stream-ordered from
  // the device's pool for the batch only: about 64 bytes per leaf, plus 72 more when OZ
  // leaves are sorted, plus the proofs.
  //
  // Signatures: each chunk's items are staged into fixed-size records on the copy
  // threads (kernels/ecdsa_records.h: sizes, DER parsed by libsecp256k1), pre-hashed on
  // the device when the task asks, and verified or recovered one thread per signature
  // with the acceptance rules of the CPU engine (kernels/ecdsa.cuh); a chunk's staging
  // overlaps the other lane's device work.
  Status Run(Task& task) override;

  // batches/items/busy_seconds count the batches that completed OK (a failed one is
  // re-run elsewhere and counted there).
  EngineStats stats() const override;

  // CUDA faults since Create (injected ones and failed self-tests included).
  uint64_t faults() const { return faults_.load(std::memory_order_relaxed); }

  // Known-answer test of the device: SHA-256, SHA-256d and Keccak-256 of fixed and
  // variable batches ("", "abc", the 56-byte NIST message) through the engine's own
  // lanes, compared with the published digests; ECDSA secp256k1 recovery and
  // verification of a known answer (libsecp256k1's); and a 64x64 cuBLAS SGEMM compared
  // with a CPU loop. Returns OK and marks the engine healthy when everything matches;
  // otherwise marks it unhealthy, counts a fault and returns FAILED_PRECONDITION (wrong
  // result) or the CUDA error. Waits for any batch in progress.
  Status SelfTest();

 private:
  struct Lane {
    // Declared first so that it is destroyed after the buffers used on it.
    CudaStream stream;
    CudaEvent done;  // recorded after the lane's last copy out
    PinnedBuffer input;
    PinnedBuffer offsets;  // chunk_items + 1 uint64_t, rebased to the chunk
    PinnedBuffer output;   // chunk_items * 32 digest bytes
    DeviceBuffer device_input;
    DeviceBuffer device_offsets;
    DeviceBuffer device_output;
    // The chunk in flight on this lane: task items [first, first + count); count == 0
    // when the lane is idle.
    size_t first = 0;
    size_t count = 0;
  };

  GpuEngine(int ordinal, const Options& options, EngineInfo info);

  Status AllocateLanes();
  // The batch through both lanes. REQUIRES: mu_ held, task.algorithm known.
  // inject: whether this batch's chunks count for Options::fail_after_chunks.
  Status HashBatch(HashTask& task, bool inject);
  // A Merkle tree on both lanes (gpu_merkle.cc). REQUIRES: mu_ held, the task checked.
  Status MerkleBatch(MerkleBuildTask& task, bool inject);
  // Signatures on both lanes (gpu_signatures.cc). REQUIRES: mu_ held; ECDSA for Verify.
  Status VerifyBatch(SignatureVerifyTask& task, bool inject);
  Status RecoverBatch(SignatureRecoverTask& task, bool inject);
  // The two-lane chunk loop of the signature batches: plan(first) -> items of the chunk
  // starting at `first`; stage(lane, first, count) enqueues it on the lane; drain(lane,
  // first, count) takes its results once the lane's event has passed.
  template <class Plan, class Stage, class Drain>
  Status RunChunks(size_t n, bool inject, const Plan& plan, const Stage& stage,
                   const Drain& drain);
  // body(begin, end) over [0, count), on the copy threads when there are enough items.
  void ForEachItem(size_t count, const std::function<void(size_t, size_t)>& body);
  // Stages task items [first, first + count) on `lane` and enqueues their hashing.
  Status LaunchChunk(Lane& lane, const HashTask& task, size_t first, size_t count,
                     bool inject);
  // Waits for the lane's chunk, if any, and copies its digests into the task.
  Status DrainLane(Lane& lane, HashTask& task);
  // Records a fault: unhealthy, counted, logged. Returns the status Run hands back.
  Status Fault(const Status& cause, const char* during);
  Status SelfTestLocked();
  // Parts of the self-test: secp256k1 recovery and verification of a known answer;
  // Ed25519 verification of RFC 8032's first test (when Options::ed25519).
  Status EcdsaSelfTest();
  Status Ed25519SelfTest();

  // memcpy spread over copy_pool_ (when it has threads) and the calling thread.
  void Copy(void* destination, const void* source, size_t bytes);

  const int ordinal_;
  const Options options_;
  const EngineInfo info_;
  std::unique_ptr<ThreadPool> copy_pool_;  // null when Options::copy_threads == 0

  std::atomic<bool> healthy_{true};
  std::atomic<uint64_t> faults_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> items_{0};
  std::atomic<uint64_t> busy_nanos_{0};

  std::mutex mu_;  // one batch (or self-test) at a time
  // Guarded by mu_.
  Lane lanes_[2];
  // The fixed-base table of secp256k1's G (kernels/secp256k1.cuh), uploaded by Create.
  DeviceBuffer generator_table_;
  // The fixed-base table of Ed25519's B (kernels/ed25519.cuh), when Options::ed25519.
  DeviceBuffer ed25519_table_;
  int64_t chunks_launched_ = 0;  // chunks of Run batches, for fail_after_chunks
};

}  // namespace chainaccel
