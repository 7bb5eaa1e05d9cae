// ProofOperator: Groth16 ProofGenerateTasks (core/task.h) on a GpuDevice — the quotient
// and the five multi-scalar multiplications of each proof (four in G1, B2 in G2), all on
// the device (kernels/zk/ntt_launch.h, msm_launch.h).
//
// Unlike the other operators it has state: the circuits' device copies. A circuit's
// bases (A, B1, C, H in G1, B2 in G2) and QAP rows are uploaded by its first batch and stay resident
// for the next ones, up to `budget_bytes` of device memory in all; a circuit that does
// not fit drops the least recently used ones first (a running batch keeps the copy it
// uses alive). A circuit larger than the whole budget is RESOURCE_EXHAUSTED (the
// scheduler runs it on the CPU; not a fault).
//
// Per proof, on lane 0 of the batch: the witness is copied in; the A and B rows times
// the witness give the domain evaluations; the H step (three inverse NTTs, the coset
// shift, three NTTs, pointwise) gives the odd-coset quotient; witness and quotient are
// turned into canonical scalars; five MSMs; the five Jacobian results come back through
// the lane's pinned output. Scratch memory is taken stream-ordered from the device's pool
// for the batch: 32 bytes × (2·n_vars + 2·domain_size) plus the MSM and NTT workspaces.
//
// Thread-safety: Run may be called from several threads at once (each with its own
// Batch); the resident circuits are shared under a mutex.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <memory>

#include "core/mutex.h"
#include "core/status.h"
#include "core/task.h"
#include "core/thread_annotations.h"
#include "engines/gpu/gpu_device.h"

namespace chainaccel {

class ProofOperator {
 public:
  explicit ProofOperator(uint64_t budget_bytes) : budget_bytes_(budget_bytes) {}

  // OK, or INVALID_ARGUMENT for a task without a circuit or buffers, or a
  // circuit beyond the kernels' sizes (2^26 points, a 2^28 domain).
  Status CanImplement(const ProofGenerateTask& task) const;

  // Fills every item's parts (kOk). REQUIRES: CanImplement(task) is OK. Returns OK;
  // RESOURCE_EXHAUSTED when the circuit or the scratch memory does not fit the device;
  // UNAVAILABLE when a proof outlasts the device's hang timeout; or the first CUDA error.
  Status Run(GpuDevice::Batch& batch, ProofGenerateTask& task);

  // Device memory held by resident circuits.
  uint64_t resident_bytes() const CHAINACCEL_EXCLUDES(mu_);

 private:
  struct Resident;
  struct Scratch;

  // The circuit's device copy, uploading it (and dropping others) when needed.
  Status Acquire(const Groth16Circuit& circuit, std::shared_ptr<const Resident>* out)
      CHAINACCEL_EXCLUDES(mu_);
  Status ProveOne(GpuDevice::Batch& batch, const Resident& resident, Scratch& scratch,
                  ProofGenerateTask& task, size_t item) const;

  const uint64_t budget_bytes_;
  mutable Mutex mu_;
  std::list<std::shared_ptr<const Resident>> lru_ CHAINACCEL_GUARDED_BY(mu_);  // recent first
  uint64_t used_bytes_ CHAINACCEL_GUARDED_BY(mu_) = 0;
};

}  // namespace chainaccel
