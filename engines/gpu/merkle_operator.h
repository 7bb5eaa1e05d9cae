// MerkleOperator: Merkle trees (MerkleBuildTask: BITCOIN, RFC6962, OZ_KECCAK_SORTED) on a
// GpuDevice, with the operator lifecycle of CUTLASS: CanImplement rejects a task before
// any device work, WorkspaceBytes says how much device memory a tree takes, Run builds it.
// Stateless: one may be made per batch.
//
// Run: the leaves stream in through both lanes in chunks of 2^k leaves (the most that fit
// a lane's buffers), each chunk's k-level subtree hashed behind its copy (BITCOIN,
// RFC6962 leaf hashes; RFC6962 raw entries are hashed into leaf hashes chunk by chunk
// instead); the top of the tree, the OZ leaf sort and the proofs follow on lane 0 once
// every leaf is in (kernels/merkle_launch.h).
// Thread-safety: Run uses only the lanes of the Batch it is given.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "core/task.h"
#include "core/thread_annotations.h"
#include "engines/gpu/gpu_device.h"

namespace chainaccel {

class MerkleOperator {
 public:
  // OK, or INVALID_ARGUMENT naming the first broken REQUIRES of core/task.h's
  // MerkleBuildTask (CheckMerkleBuildTask of core/merkle_rules.h).
  Status CanImplement(const MerkleBuildTask& task) const;

  // Device memory Run takes for the tree, stream-ordered from the device's pool for the
  // batch only (its peak is at most this): about 64 bytes per leaf (the leaves and the
  // levels above them), plus 72 more when OZ leaves are sorted (the sorted copy, the
  // positions, the sort's scratch), plus the proofs (for sorted OZ leaves, bounded by the
  // longest proof). Not counted: the temporary that carries an RFC6962 raw entry longer
  // than a chunk. REQUIRES: CanImplement(task) is OK.
  size_t WorkspaceBytes(const MerkleBuildTask& task) const;

  // Sets task.root, task.proof_lengths and task.proof_hashes. REQUIRES: CanImplement(task)
  // is OK; task.leaves is not empty (the empty RFC6962 tree is a constant:
  // BuildEmptyMerkleTree). Runs on `batch`'s lanes. Returns OK,
  // RESOURCE_EXHAUSTED when the device's pool cannot hold the tree, or the first CUDA error
  // (or the hooks' injected one).
  Status Run(GpuDevice::Batch& batch, MerkleBuildTask& task) const;
};

}  // namespace chainaccel
