// SignatureOperator: ECDSA secp256k1, BIP-340 Schnorr (and, when on, Ed25519) verification
// (SignatureVerifyTask) and Ethereum-style recovery (SignatureRecoverTask) on a
// GpuDevice, with the operator lifecycle of CUTLASS: CanImplement rejects a task before
// any device work, Run streams it through the device's lanes.
//
// Run: each chunk's items are staged into fixed-size records on the copy threads
// (kernels/ecdsa_records.h: sizes, DER parsed by libsecp256k1; kernels/bip340_records.h),
// pre-hashed on the device when the task asks, and verified or recovered one thread per
// signature with the acceptance rules of the CPU engine (kernels/ecdsa.cuh,
// kernels/bip340.cuh, kernels/ed25519.cuh; BIP-340's and Ed25519's messages are staged
// beside the records and hashed inside verification); a chunk's
// staging overlaps the other lane's device work (GpuDevice::Batch::RunChunks). No workspace
// beyond the lanes, except a temporary from the device's memory pool for a message longer
// than a chunk.
// Thread-safety: Run uses only the lanes of the Batch it is given.
#pragma once

#include "core/status.h"
#include "core/task.h"
#include "core/thread_annotations.h"
#include "engines/gpu/gpu_device.h"

namespace chainaccel {

class SignatureOperator {
 public:
  // ed25519: whether Ed25519 verification runs on the device (GpuOptions::ed25519: the
  // device then holds the table of B).
  explicit SignatureOperator(bool ed25519) : ed25519_(ed25519) {}

  // Whether Run verifies `scheme`: ECDSA_SECP256K1, SCHNORR_BIP340, and ED25519 when on.
  bool Verifies(SignatureScheme scheme) const;

  // OK, or UNIMPLEMENTED for a scheme that Verifies says no to.
  Status CanImplement(const SignatureVerifyTask& task) const;
  // Always OK: recovery takes any batch that meets core/task.h's REQUIRES.
  Status CanImplement(const SignatureRecoverTask& task) const;

  // Fills task.status (and, for recovery, the keys and addresses). REQUIRES:
  // CanImplement(task) is OK. Runs on `batch`'s lanes. Returns OK, or the first CUDA
  // error (or the hooks' injected one).
  Status Run(GpuDevice::Batch& batch, SignatureVerifyTask& task) const;
  Status Run(GpuDevice::Batch& batch, SignatureRecoverTask& task) const;

 private:
  const bool ed25519_;
};

}  // namespace chainaccel
