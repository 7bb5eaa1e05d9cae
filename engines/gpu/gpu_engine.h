// GpuEngine: runs HASH, MERKLE_BUILD, Ed25519, ECDSA secp256k1 and BIP-340 Schnorr
// SIGNATURE_VERIFY and SIGNATURE_RECOVER tasks on one CUDA device (Ed25519 stays on the
// CPU when Options::ed25519 is off).
//
// The Engine facade over three layers, as CUTLASS separates a device from its operators:
//   - GpuDevice (gpu_device.h): the device, its lane pairs (stream, event, pinned and
//     device staging buffers), the copy threads, the two-lane chunk pipeline, the
//     fixed-base tables, health, faults and counters;
//   - one operator per task family, each with a lifecycle CanImplement (rejects a task
//     before any device work) -> Run(batch, task) on a GpuDevice::Batch's lane pair:
//     HashOperator (hash_operator.h), MerkleOperator (merkle_operator.h, with
//     WorkspaceBytes), SignatureOperator (signature_operator.h: verify and recover);
//   - the start-up known-answer test (self_test.h).
// Run checks the task (Accepts, then the operator's CanImplement), takes a lane pair of
// the device (a GpuDevice::Batch), runs the operator and turns a CUDA error into a fault.
//
// A batch streams through the device in chunks over two lanes; with two lanes the host
// copies of one chunk overlap the device work (copies and kernels) of the other
// (gpu_device.h describes a lane). The device never touches the caller's memory, so a
// batch that fails leaves nothing in flight that could write into the task afterwards.
//
// Batches at once per device: Options::concurrent_batches (the scheduler's
// gpu_batches_in_flight), each on a lane pair of its own, so that one batch's host work
// (staging its records, taking its results) overlaps another's kernels; a caller beyond
// that waits for a pair to come free.
//
// Faults: any CUDA error (or one injected through GpuDeviceHooks, gpu_device_hooks.h)
// marks the engine unhealthy (stats().healthy == false), counts a fault, logs it (spdlog,
// error level) and makes Run return INTERNAL or UNAVAILABLE, after which the caller must
// re-run the batch elsewhere (the CPU engine): the task's outputs are then unspecified.
// An unhealthy engine refuses every batch with UNAVAILABLE until a SelfTest passes again.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "core/status.h"
#include "core/task.h"
#include "engines/engine.h"
#include "engines/gpu/gpu_device_hooks.h"
#include "engines/gpu/gpu_options.h"

namespace chainaccel {

class GpuDevice;
class ProofOperator;

class GpuEngine final : public Engine {
 public:
  // The chunk sizes, copy threads and Ed25519 switch (gpu_options.h explains each).
  using Options = GpuOptions;

  // Opens device `ordinal`: reads its properties, allocates both lanes and runs SelfTest.
  // `hooks`: the device operations tests intercept (gpu_device_hooks.h); not owned, must
  // outlive the engine; null: GpuDeviceHooks::Default(), which does nothing.
  // Returns the engine, or null with *status saying why: INVALID_ARGUMENT for a bad
  // ordinal or options, UNAVAILABLE where CUDA or the device cannot be used, the CUDA
  // error of an allocation, or FAILED_PRECONDITION when the self-test fails (the device
  // must then not be used).
  static std::unique_ptr<GpuEngine> Create(int ordinal, const Options& options,
                                           Status* status, GpuDeviceHooks* hooks = nullptr);
  ~GpuEngine() override;

  GpuEngine(const GpuEngine&) = delete;
  GpuEngine& operator=(const GpuEngine&) = delete;

  // name "gpu:N", kind kGpu, and the device's product name, global memory, SMs and
  // compute capability.
  const EngineInfo& info() const override;
  // kHash, kMerkleBuild, kSignatureVerify (see Accepts for its schemes),
  // kSignatureRecover, kProofGenerate.
  bool Supports(TaskType type) const override {
    return type == TaskType::kHash || type == TaskType::kMerkleBuild ||
           type == TaskType::kSignatureVerify || type == TaskType::kSignatureRecover ||
           type == TaskType::kProofGenerate;
  }
  // Supports, except SignatureVerifyTasks of Ed25519 when Options::ed25519 is off.
  bool Accepts(const Task& task) const override;

  // Runs a HashTask, MerkleBuildTask, SignatureVerifyTask (ECDSA_SECP256K1,
  // SCHNORR_BIP340, and ED25519 with Options::ed25519) or SignatureRecoverTask (engine.h
  // has the contract). Returns UNIMPLEMENTED for any other task (MerkleVerifyTask, Ed25519
  // with the option off); INVALID_ARGUMENT for an unknown algorithm or
  // a Merkle task that breaks the REQUIRES of core/task.h (CheckMerkleBuildTask of
  // core/merkle_rules.h); UNAVAILABLE right away when the engine is unhealthy;
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
  // leaves are sorted, plus the proofs (MerkleOperator::WorkspaceBytes).
  //
  // Groth16 proofs (ProofGenerateTask): the quotient and the G1 multi-scalar
  // multiplications on the device, the circuit's bases resident across batches up to
  // Options::proof_memory_fraction of the device's memory; the G2 one on the host
  // (proof_operator.h).
  //
  // Signatures: each chunk's items are staged into fixed-size records on the copy
  // threads (kernels/ecdsa_records.h: sizes, DER parsed by libsecp256k1;
  // kernels/bip340_records.h), pre-hashed on the device when the task asks, and verified
  // or recovered, one thread per signature or, for chunks of up to 4,096 items of a batch
  // alone on the device, three (Ed25519's ladder on four; kernels/signature_layout.h: a
  // small batch finishes sooner), with the acceptance rules and per-item statuses of the CPU engine
  // (kernels/ecdsa.cuh, kernels/bip340.cuh, kernels/ed25519.cuh); BIP-340
  // and Ed25519 messages of any length go to the device packed beside the records and are
  // hashed there inside verification. A chunk's staging overlaps the other lane's device
  // work.
  Status Run(Task& task) override;

  // batches/items/busy_seconds count the batches that completed OK (a failed one is
  // re-run elsewhere and counted there).
  EngineStats stats() const override;
  // The device's health flag, without the memory query of stats().
  bool healthy() const override;

  // CUDA faults since Create (injected ones and failed self-tests included).
  uint64_t faults() const;

  // Known-answer test of the device: SHA-256, SHA-256d and Keccak-256 of fixed and
  // variable batches ("", "abc", the 56-byte NIST message) through the engine's own
  // lanes, compared with the published digests; ECDSA secp256k1 recovery and
  // verification of a known answer (libsecp256k1's); BIP-340 verification of its test
  // vector 17; Ed25519 verification of RFC 8032's first test (with Options::ed25519); and a 64x64 cuBLAS SGEMM compared with a CPU
  // loop (RunSelfTest of self_test.h). Returns OK and marks the engine healthy when
  // everything matches; otherwise marks it unhealthy, counts a fault and returns
  // FAILED_PRECONDITION (wrong result) or the CUDA error. Waits for any batch in
  // progress.
  Status SelfTest();

 private:
  GpuEngine(const Options& options, std::unique_ptr<GpuDevice> device);

  // Accepts, then the operator's CanImplement: the statuses Run returns before any device
  // work.
  Status Check(const Task& task) const;

  const Options options_;
  const std::unique_ptr<GpuDevice> device_;
  // Groth16 proofs (stateful: the resident circuits; proof_operator.h).
  const std::unique_ptr<ProofOperator> proofs_;
};

}  // namespace chainaccel
