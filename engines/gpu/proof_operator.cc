#include "engines/gpu/proof_operator.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "kernels/cuda_status.h"
#include "kernels/zk/msm_launch.h"
#include "kernels/zk/ntt_launch.h"

namespace chainaccel {
namespace {

constexpr size_t kElementBytes = kFieldLimbs * sizeof(uint64_t);
// A, B1, C, H (G1), then B2 (G2).
constexpr size_t kResultLimbs = 4 * kG1JacobianLimbs + kG2JacobianLimbs;
constexpr size_t kResultBytes = kResultLimbs * sizeof(uint64_t);

// A host vector's bytes into a new device buffer (cudaMalloc: resident until dropped).
template <typename T>
Status Upload(const std::vector<T>& host, DeviceBuffer* out) {
  const size_t bytes = host.size() * sizeof(T);
  Status s = DeviceBuffer::Allocate(bytes, out);
  if (s.ok() && bytes > 0) {
    s = CudaStatus(cudaMemcpy(out->data(), host.data(), bytes, cudaMemcpyHostToDevice),
                            "cudaMemcpy (circuit upload)");
  }
  return s;
}

const uint64_t* Limbs(const DeviceBuffer& b) { return reinterpret_cast<const uint64_t*>(b.data()); }
uint64_t* Limbs(DeviceBuffer& b) { return reinterpret_cast<uint64_t*>(b.data()); }
const uint32_t* Words(const DeviceBuffer& b) { return reinterpret_cast<const uint32_t*>(b.data()); }

}  // namespace

struct ProofOperator::Resident {
  std::array<uint8_t, 32> id{};
  uint64_t bytes = 0;
  DeviceBuffer a, b1, c, h, b2;
  DeviceBuffer a_offsets, a_signals, a_values;
  DeviceBuffer b_offsets, b_signals, b_values;
};

// One batch's device scratch, taken from the pool on lane 0's stream.
struct ProofOperator::Scratch {
  DeviceBuffer witness, scalars, a_eval, b_eval, msm_workspace, ntt_workspace, results;
  size_t msm_bytes = 0, ntt_bytes = 0;
};

Status ProofOperator::CanImplement(const ProofGenerateTask& task) const {
  if (task.circuit == nullptr ||
      (task.count > 0 && (task.witnesses == nullptr || task.parts == nullptr || task.status == nullptr))) {
    return Status::InvalidArgument("proof task without circuit or buffers");
  }
  const Groth16Circuit& c = *task.circuit;
  if (c.n_vars > kernels::zk::kMsmMaxPoints || c.domain_size > kernels::zk::kMsmMaxPoints ||
      c.power < static_cast<uint32_t>(kernels::zk::kNttMinLogSize) ||
      c.power + 1 > static_cast<uint32_t>(kernels::zk::kNttMaxLogSize)) {
    return Status::InvalidArgument("circuit of " + std::to_string(c.n_vars) + " signals and domain 2^" +
                                   std::to_string(c.power) + " is beyond the GPU kernels");
  }
  return Status::Ok();
}

uint64_t ProofOperator::resident_bytes() const {
  MutexLock lock(mu_);
  return used_bytes_;
}

Status ProofOperator::Acquire(const Groth16Circuit& circuit, std::shared_ptr<const Resident>* out) {
  MutexLock lock(mu_);
  for (auto it = lru_.begin(); it != lru_.end(); ++it) {
    if (std::equal((*it)->id.begin(), (*it)->id.end(), circuit.id)) {
      lru_.splice(lru_.begin(), lru_, it);
      *out = lru_.front();
      return Status::Ok();
    }
  }
  const uint64_t bytes = (circuit.a.size() + circuit.b1.size() + circuit.c.size() + circuit.h.size() +
                          circuit.b2.size()) *
                             sizeof(uint64_t) +
                         (circuit.qap_a.row_offsets.size() + circuit.qap_a.columns.size() +
                          circuit.qap_b.row_offsets.size() + circuit.qap_b.columns.size()) * 4 +
                         (circuit.qap_a.values.size() + circuit.qap_b.values.size()) * 8;
  if (bytes > budget_bytes_) {
    return Status::ResourceExhausted("the circuit's bases need " + std::to_string(bytes >> 20) +
                                     " MiB, more than the device's circuit budget of " +
                                     std::to_string(budget_bytes_ >> 20) + " MiB");
  }
  while (used_bytes_ + bytes > budget_bytes_ && !lru_.empty()) {
    used_bytes_ -= lru_.back()->bytes;
    lru_.pop_back();
  }
  auto r = std::make_shared<Resident>();
  std::copy(circuit.id, circuit.id + 32, r->id.begin());
  r->bytes = bytes;
  Status s = Upload(circuit.a, &r->a);
  if (s.ok()) s = Upload(circuit.b1, &r->b1);
  if (s.ok()) s = Upload(circuit.c, &r->c);
  if (s.ok()) s = Upload(circuit.h, &r->h);
  if (s.ok()) s = Upload(circuit.b2, &r->b2);
  if (s.ok()) s = Upload(circuit.qap_a.row_offsets, &r->a_offsets);
  if (s.ok()) s = Upload(circuit.qap_a.columns, &r->a_signals);
  if (s.ok()) s = Upload(circuit.qap_a.values, &r->a_values);
  if (s.ok()) s = Upload(circuit.qap_b.row_offsets, &r->b_offsets);
  if (s.ok()) s = Upload(circuit.qap_b.columns, &r->b_signals);
  if (s.ok()) s = Upload(circuit.qap_b.values, &r->b_values);
  if (!s.ok()) return s;
  lru_.push_front(r);
  used_bytes_ += bytes;
  *out = std::move(r);
  return Status::Ok();
}

Status ProofOperator::ProveOne(GpuDevice::Batch& batch, const Resident& r, Scratch& m,
                               ProofGenerateTask& task, size_t item) const {
  namespace zk = kernels::zk;
  const Groth16Circuit& c = *task.circuit;
  GpuDevice::Lane& lane = batch.lane(0);
  const cudaStream_t stream = lane.stream.get();
  const size_t n = c.n_vars, domain = c.domain_size, offset = size_t{c.n_public} + 1;
  Status s = batch.OnChunkLaunch("a Groth16 proof", lane);
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(m.witness.data(), task.witnesses + item * n * kFieldLimbs,
                                            n * kElementBytes, cudaMemcpyHostToDevice, stream),
                            "cudaMemcpyAsync (witness)");
  }
  if (s.ok()) {
    s = zk::LaunchSparseMatrixTimesWitness(Words(r.a_offsets), Words(r.a_signals),
                                           Limbs(r.a_values), c.qap_a.rows(), Limbs(m.witness), domain,
                                           Limbs(m.a_eval), stream);
  }
  if (s.ok()) {
    s = zk::LaunchSparseMatrixTimesWitness(Words(r.b_offsets), Words(r.b_signals),
                                           Limbs(r.b_values), c.qap_b.rows(), Limbs(m.witness), domain,
                                           Limbs(m.b_eval), stream);
  }
  uint64_t* h = Limbs(m.a_eval);  // the quotient overwrites a's evaluations
  if (s.ok()) {
    s = zk::LaunchHCoset(Limbs(m.a_eval), Limbs(m.b_eval), static_cast<int>(c.power), h,
                         m.ntt_workspace.data(), m.ntt_bytes, stream);
  }
  if (s.ok()) s = zk::LaunchFrFromMontgomery(h, h, domain, stream);
  if (s.ok()) s = zk::LaunchFrFromMontgomery(Limbs(m.witness), Limbs(m.scalars), n, stream);
  const struct {
    const DeviceBuffer* bases;
    const uint64_t* scalars;
    size_t count;
  } msms[4] = {{&r.a, Limbs(m.scalars), n},
               {&r.b1, Limbs(m.scalars), n},
               {&r.c, Limbs(m.scalars) + offset * kFieldLimbs, n - offset},
               {&r.h, h, domain}};
  for (size_t k = 0; s.ok() && k < 4; ++k) {
    s = zk::LaunchMsmG1(Limbs(*msms[k].bases), msms[k].scalars, msms[k].count,
                        Limbs(m.results) + k * kG1JacobianLimbs, m.msm_workspace.data(), m.msm_bytes,
                        stream);
  }
  if (s.ok()) {
    s = zk::LaunchMsmG2(Limbs(r.b2), Limbs(m.scalars), n, Limbs(m.results) + 4 * kG1JacobianLimbs,
                        m.msm_workspace.data(), m.msm_bytes, stream);
  }
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(lane.output.data(), m.results.data(), kResultBytes,
                                            cudaMemcpyDeviceToHost, stream),
                            "cudaMemcpyAsync (proof parts)");
  }
  if (s.ok()) s = lane.done.Record(stream);
  if (!s.ok()) return s;
  // The hang timeout per chunk of other tasks, plus a second per 2^20 points of work.
  const auto extra = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(static_cast<double>(2 * n + 2 * domain) / (1 << 20)));
  if (s = batch.WaitForLane(lane, extra); !s.ok()) {
    return s.code() == Status::Code::kDeadlineExceeded ? Status::Unavailable(s.message()) : s;
  }
  const auto* out = reinterpret_cast<const uint64_t*>(lane.output.data());
  Groth16ProofParts& parts = task.parts[item];
  std::memcpy(parts.a, out, sizeof(parts.a));
  std::memcpy(parts.b1, out + kG1JacobianLimbs, sizeof(parts.b1));
  std::memcpy(parts.c, out + 2 * kG1JacobianLimbs, sizeof(parts.c));
  std::memcpy(parts.h, out + 3 * kG1JacobianLimbs, sizeof(parts.h));
  std::memcpy(parts.b2, out + 4 * kG1JacobianLimbs, sizeof(parts.b2));
  task.status[item] = ItemStatus::kOk;
  return Status::Ok();
}

Status ProofOperator::Run(GpuDevice::Batch& batch, ProofGenerateTask& task) {
  if (task.count == 0) return Status::Ok();
  const Groth16Circuit& c = *task.circuit;
  std::shared_ptr<const Resident> resident;
  if (Status s = Acquire(c, &resident); !s.ok()) return s;
  const cudaStream_t stream = batch.lane(0).stream.get();
  Scratch m;
  const size_t n = c.n_vars, domain = c.domain_size;
  // One workspace serves the G1 MSMs (up to max(n, domain) points) and the G2 one (n).
  size_t g2_bytes = 0;
  Status s = kernels::zk::MsmG1WorkspaceBytes(std::max(n, domain), &m.msm_bytes);
  if (s.ok()) s = kernels::zk::MsmG2WorkspaceBytes(n, &g2_bytes);
  m.msm_bytes = std::max(m.msm_bytes, g2_bytes);
  if (s.ok()) s = kernels::zk::HCosetWorkspaceBytes(static_cast<int>(c.power), &m.ntt_bytes);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(n * kElementBytes, stream, &m.witness);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(n * kElementBytes, stream, &m.scalars);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(domain * kElementBytes, stream, &m.a_eval);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(domain * kElementBytes, stream, &m.b_eval);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(m.msm_bytes, stream, &m.msm_workspace);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(m.ntt_bytes, stream, &m.ntt_workspace);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(kResultBytes, stream, &m.results);
  for (size_t item = 0; s.ok() && item < task.count; ++item) {
    s = ProveOne(batch, *resident, m, task, item);
  }
  if (!s.ok() && !batch.hung()) {
    // Nothing of this batch may still run when its scratch goes back to the pool (a hung
    // stream is left alone: the device is out of service then).
    cudaStreamSynchronize(stream);
  }
  return s;
}

}  // namespace chainaccel
