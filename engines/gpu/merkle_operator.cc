// The leaves stream in through both lanes, levels 1 .. k are hashed chunk by chunk behind
// them, and the rest of the tree, the proofs and (OZ_KECCAK_SORTED with sort_leaves) the
// leaf sort run on lane 0 once every leaf is in. kernels/merkle_launch.h has the device
// side.
#include "engines/gpu/merkle_operator.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "core/merkle_rules.h"
#include "kernels/cuda_status.h"
#include "kernels/hash_launch.h"
#include "kernels/merkle_launch.h"

namespace chainaccel {
namespace {

constexpr size_t kNodeBytes = 32;

// When destroyed, makes lane 1 idle before anything later on lane 0: waits for it, or,
// after a hang (nothing may wait on the hung pair), has lane 0 wait for it on the device,
// so that lane 0's stream-ordered releases never free memory lane 1 may still write.
struct Lane1Idle {
  GpuDevice::Batch& batch;
  ~Lane1Idle() {
    GpuDevice::Lane& lane1 = batch.lane(1);
    if (!batch.hung()) {
      cudaStreamSynchronize(lane1.stream.get());
    } else if (lane1.done.Record(lane1.stream.get()).ok()) {
      cudaStreamWaitEvent(batch.lane(0).stream.get(), lane1.done.get(), 0);
    }
  }
};

// One tree in flight. Device memory is taken stream-ordered on lane 0 and given back
// there (after everything on either lane, since lane 0 waits for lane 1 before the tree);
// lane 1 waits for the allocations through lane 0's event.
struct TreeBuild {
  TreeBuild(GpuDevice::Batch& on, MerkleBuildTask& tree)
      : batch(on),
        device(on.device()),
        task(tree),
        n(tree.leaves.size()),
        proofs(tree.proof_indices.size()),
        main_lane(on.lane(0)),
        other_lane(on.lane(1)),
        main(on.lane(0).stream.get()),
        lane1_idle{on},
        positions(tree.proof_indices.begin(), tree.proof_indices.end()) {}

  GpuDevice::Batch& batch;
  GpuDevice& device;
  MerkleBuildTask& task;
  const size_t n;
  const size_t proofs;
  GpuDevice::Lane& main_lane;
  GpuDevice::Lane& other_lane;
  const cudaStream_t main;
  DeviceBuffer leaves, scratch;
  // Declared after the two buffers lane 1 uses, so destroyed before them: however Run
  // returns, lane 1 is idle before their stream-ordered release on lane 0.
  Lane1Idle lane1_idle;
  uint32_t subtree_levels = 0;  // levels 1 .. subtree_levels hashed chunk by chunk
  const uint8_t* tree_leaves = nullptr;  // the leaves in tree order
  DeviceBuffer sorted, position, sort_scratch, proof_indices, proof_positions;
  std::vector<uint64_t> positions;  // tree-order positions of the proved leaves
  std::vector<uint64_t> offsets;    // of each proof in the proof hashes, in hashes
  uint64_t total = 0;               // proof hashes in all
  DeviceBuffer proof_offsets, output;  // output: the root, then the proofs
};

Status AllocateTree(TreeBuild& t) {
  Status s = DeviceBuffer::AllocateAsync(t.n * kNodeBytes, t.main, &t.leaves);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(kernels::MerkleScratchBytes(t.n), t.main, &t.scratch);
  if (s.ok()) s = t.main_lane.done.Record(t.main);
  if (s.ok()) {
    s = CudaStatus(cudaStreamWaitEvent(t.other_lane.stream.get(), t.main_lane.done.get(), 0),
                   "cudaStreamWaitEvent");
  }
  return s;
}

// Leaves [next, next + *count) onto the device through the lane, and levels 1 ..
// subtree_levels of their subtree behind them (BITCOIN, RFC6962 leaf hashes).
Status StageLeaves(TreeBuild& t, GpuDevice::Lane& lane, size_t next, size_t chunk_leaves,
                   size_t* count) {
  const cudaStream_t stream = lane.stream.get();
  *count = std::min(t.n - next, chunk_leaves);
  t.device.Copy(lane.input.data(), t.task.leaves.data().data() + next * kNodeBytes,
                *count * kNodeBytes);
  Status s = CudaStatus(cudaMemcpyAsync(t.leaves.data() + next * kNodeBytes, lane.input.data(),
                                        *count * kNodeBytes, cudaMemcpyHostToDevice, stream),
                        "cudaMemcpyAsync (leaves in)");
  if (s.ok()) {
    s = kernels::LaunchMerkleSubtree(t.task.scheme, t.leaves.data(), t.n, next, *count,
                                     t.subtree_levels, t.scratch.data(), stream);
  }
  return s;
}

// RFC 6962 raw entries from `next` into the lane's pinned input, each staged with its
// 0x00 prefix, and their offsets: as many as fit a chunk (0 when the first alone does
// not). Returns the count; *bytes: the bytes staged.
size_t PackEntries(const TreeBuild& t, GpuDevice::Lane& lane, size_t next, size_t* bytes) {
  const GpuOptions& options = t.device.options();
  const PackedItems& entries = t.task.leaves;
  auto* offsets = reinterpret_cast<uint64_t*>(lane.offsets.data());
  size_t count = 0;
  *bytes = 0;
  while (next + count < t.n && count < options.chunk_items) {
    const ByteView entry = entries[next + count];
    if (*bytes + 1 + entry.size() > options.chunk_bytes) break;
    offsets[count] = *bytes;
    lane.input.data()[*bytes] = 0x00;
    if (!entry.empty()) std::memcpy(lane.input.data() + *bytes + 1, entry.data(), entry.size());
    *bytes += 1 + entry.size();
    ++count;
  }
  return count;
}

// One entry longer than the lane's input: through a temporary device buffer, taken from
// the device's pool on the lane.
Status StageOversizeEntry(const ByteView entry, cudaStream_t stream, DeviceBuffer* oversize) {
  Status s = DeviceBuffer::AllocateAsync(1 + entry.size(), stream, oversize);
  if (s.ok()) s = CudaStatus(cudaMemsetAsync(oversize->data(), 0, 1, stream), "cudaMemsetAsync");
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(oversize->data() + 1, entry.data(), entry.size(),
                                   cudaMemcpyHostToDevice, stream),
                   "cudaMemcpyAsync (oversize entry in)");
  }
  return s;
}

// RFC 6962 raw entries [next, next + *count) onto the device, hashed into their leaf
// hashes SHA256(0x00 || entry) behind them.
Status StageEntries(TreeBuild& t, GpuDevice::Lane& lane, size_t next, size_t* count) {
  const cudaStream_t stream = lane.stream.get();
  auto* offsets = reinterpret_cast<uint64_t*>(lane.offsets.data());
  const uint8_t* device_data = lane.device_input.data();
  DeviceBuffer oversize;  // a raw entry longer than a lane's input, hashed alone
  size_t bytes = 0;
  *count = PackEntries(t, lane, next, &bytes);
  Status s;
  if (*count == 0) {
    const ByteView entry = t.task.leaves[next];
    bytes = 1 + entry.size();
    *count = 1;
    offsets[0] = 0;
    s = StageOversizeEntry(entry, stream, &oversize);
    device_data = oversize.data();
  } else {
    s = CudaStatus(cudaMemcpyAsync(lane.device_input.data(), lane.input.data(), bytes,
                                   cudaMemcpyHostToDevice, stream),
                   "cudaMemcpyAsync (entries in)");
  }
  offsets[*count] = bytes;
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(lane.device_offsets.data(), offsets,
                                   (*count + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice,
                                   stream),
                   "cudaMemcpyAsync (entry offsets in)");
  }
  if (s.ok()) {
    s = kernels::LaunchHashVariable(
        HashAlgorithm::kSha256, device_data,
        reinterpret_cast<const uint64_t*>(lane.device_offsets.data()), *count,
        t.leaves.data() + next * kNodeBytes, stream);
  }
  return s;  // `oversize` is freed stream-ordered, after the hash
}

// ---- Leaves in, each chunk's subtree behind it (BITCOIN, RFC6962 leaf hashes) -----------
// Chunks of 2^k leaves (the most that fit a lane), so that levels 1 .. k of each chunk
// depend on that chunk alone and are hashed while the next chunks are copied in; once
// the last chunk lands, only the top levels (n / 2^k nodes) remain.
Status StreamLeaves(GpuDevice::Batch& batch, TreeBuild& t) {
  const GpuOptions& options = batch.device().options();
  const size_t chunk_fit = std::max<size_t>(
      1, std::min(options.chunk_bytes / kNodeBytes, options.chunk_items));
  const size_t chunk_leaves = std::bit_floor(chunk_fit);
  t.subtree_levels =
      (t.task.leaves_are_entries || t.task.scheme == MerkleScheme::kOzKeccakSorted)
          ? 0
          : std::min<uint32_t>(static_cast<uint32_t>(std::countr_zero(chunk_leaves)),
                               kernels::MerkleTreeHeight(t.n));
  bool lane_busy[2] = {false, false};
  size_t next = 0;
  size_t chunk = 0;
  while (next < t.n) {
    GpuDevice::Lane& lane = chunk % 2 == 0 ? t.main_lane : t.other_lane;
    if (lane_busy[chunk % 2]) {
      // The lane's pinned buffers are free once its previous chunk has left them.
      if (Status s = batch.WaitForLane(lane); !s.ok()) return s;
    }
    size_t count = 0;
    Status s = t.task.leaves_are_entries ? StageEntries(t, lane, next, &count)
                                  : StageLeaves(t, lane, next, chunk_leaves, &count);
    if (s.ok()) s = batch.OnChunkLaunch("LaunchMerkle", lane);
    if (s.ok()) s = lane.done.Record(lane.stream.get());
    if (!s.ok()) return s;
    lane_busy[chunk % 2] = true;
    next += count;
    ++chunk;
  }
  // Lane 0 goes on with the tree once lane 1 has delivered its last chunk.
  if (!lane_busy[1]) return Status::Ok();
  return CudaStatus(cudaStreamWaitEvent(t.main, t.other_lane.done.get(), 0),
                    "cudaStreamWaitEvent");
}

// Everything enqueued on lane 0 so far has finished, within the device's hang timeout.
Status WaitForMainLane(TreeBuild& t) {
  Status s = t.main_lane.done.Record(t.main);
  return s.ok() ? t.batch.WaitForLane(t.main_lane) : s;
}

// ---- Tree order (OZ_KECCAK_SORTED with sort_leaves) and proof positions -----------------

// The positions of the proved leaves after the sort decide the proof lengths, which the
// host needs to lay the proofs out: one round trip.
Status GatherProofPositions(TreeBuild& t) {
  const size_t bytes = t.proofs * sizeof(uint64_t);
  Status s = DeviceBuffer::AllocateAsync(bytes, t.main, &t.proof_indices);
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(t.proof_indices.data(), t.task.proof_indices.data(), bytes,
                                   cudaMemcpyHostToDevice, t.main),
                   "cudaMemcpyAsync (proof indices in)");
  }
  if (s.ok()) {
    s = kernels::LaunchGatherU64(reinterpret_cast<const uint64_t*>(t.position.data()),
                                 reinterpret_cast<const uint64_t*>(t.proof_indices.data()),
                                 t.proofs, reinterpret_cast<uint64_t*>(t.proof_positions.data()),
                                 t.main);
  }
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(t.positions.data(), t.proof_positions.data(), bytes,
                                   cudaMemcpyDeviceToHost, t.main),
                   "cudaMemcpyAsync (proof positions out)");
  }
  if (s.ok()) s = WaitForMainLane(t);
  return s;
}

Status SortLeaves(TreeBuild& t) {
  const size_t sort_bytes = kernels::OzSortScratchBytes(t.n);
  if (sort_bytes == 0) return Status::InvalidArgument("merkle: too many leaves to sort");
  Status s = DeviceBuffer::AllocateAsync(t.n * kNodeBytes, t.main, &t.sorted);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(t.n * sizeof(uint64_t), t.main, &t.position);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(sort_bytes, t.main, &t.sort_scratch);
  // The one-pass sort, and whether it must be redone by all four words: its tie flag comes
  // back through lane 0's pinned output, unused until CopyOut.
  auto* ties = reinterpret_cast<uint32_t*>(t.main_lane.output.data());
  auto* position = reinterpret_cast<uint64_t*>(t.position.data());
  if (s.ok()) {
    s = kernels::LaunchOzSortLeaves(t.leaves.data(), t.n, t.sorted.data(), position,
                                    t.sort_scratch.data(), sort_bytes, ties, t.main);
  }
  if (s.ok()) s = WaitForMainLane(t);
  if (s.ok() && *ties != 0) {
    s = kernels::LaunchOzSortLeavesStable(t.leaves.data(), t.n, t.sorted.data(), position,
                                          t.sort_scratch.data(), sort_bytes, t.main);
  }
  t.sort_scratch = DeviceBuffer();
  if (s.ok() && t.proofs != 0) s = GatherProofPositions(t);
  t.position = DeviceBuffer();
  if (!s.ok()) return s;
  t.tree_leaves = t.sorted.data();
  return Status::Ok();
}

Status OrderLeaves(TreeBuild& t) {
  t.tree_leaves = t.leaves.data();
  if (t.proofs != 0) {
    Status s = DeviceBuffer::AllocateAsync(t.proofs * sizeof(uint64_t), t.main,
                                           &t.proof_positions);
    if (!s.ok()) return s;
  }
  if (t.task.sort_leaves) return SortLeaves(t);
  if (t.proofs == 0) return Status::Ok();
  return CudaStatus(cudaMemcpyAsync(t.proof_positions.data(), t.positions.data(),
                                    t.proofs * sizeof(uint64_t), cudaMemcpyHostToDevice, t.main),
                    "cudaMemcpyAsync (proof positions in)");
}

// ---- Proof layout, the tree, root and proofs out ----------------------------------------

Status LayOutProofs(TreeBuild& t) {
  MerkleBuildTask& task = t.task;
  task.proof_lengths.assign(t.proofs, 0);
  t.offsets.assign(t.proofs, 0);
  for (size_t k = 0; k < t.proofs; ++k) {
    t.offsets[k] = t.total;
    const uint64_t length = task.scheme == MerkleScheme::kOzKeccakSorted
                                ? OzProofLength(t.n, t.positions[k])
                                : MerkleProofLength(task.scheme, t.n, t.positions[k]);
    task.proof_lengths[k] = static_cast<uint32_t>(length);
    t.total += length;
  }
  Status s = DeviceBuffer::AllocateAsync((1 + t.total) * kNodeBytes, t.main, &t.output);
  if (s.ok() && t.proofs != 0) {
    s = DeviceBuffer::AllocateAsync(t.proofs * sizeof(uint64_t), t.main, &t.proof_offsets);
    if (s.ok()) {
      s = CudaStatus(cudaMemcpyAsync(t.proof_offsets.data(), t.offsets.data(),
                                     t.proofs * sizeof(uint64_t), cudaMemcpyHostToDevice,
                                     t.main),
                     "cudaMemcpyAsync (proof offsets in)");
    }
  }
  return s;
}

Status LaunchTree(TreeBuild& t) {
  kernels::MerkleTreeLaunch tree;
  tree.scheme = t.task.scheme;
  tree.leaves = t.tree_leaves;
  tree.leaf_count = t.n;
  tree.proof_positions = reinterpret_cast<const uint64_t*>(t.proof_positions.data());
  tree.proof_offsets = reinterpret_cast<const uint64_t*>(t.proof_offsets.data());
  tree.proof_count = t.proofs;
  tree.proof_hashes = t.output.data() + kNodeBytes;
  tree.root = t.output.data();
  tree.scratch = t.scratch.data();
  tree.levels_done = t.subtree_levels;
  return kernels::LaunchMerkleTree(tree, t.main);
}

// Out through lane 0's pinned output when it fits (the usual case: a root and a few
// proofs), else straight into the task (pageable, slower, but only for huge proof sets).
Status CopyOut(TreeBuild& t) {
  MerkleBuildTask& task = t.task;
  const size_t output_bytes = (1 + t.total) * kNodeBytes;
  uint8_t* const pinned = t.main_lane.output.data();
  task.proof_hashes.resize(t.total * kNodeBytes);
  const bool staged = output_bytes <= t.main_lane.output.size();
  Status s = CudaStatus(cudaMemcpyAsync(staged ? pinned : task.root.data(), t.output.data(),
                                        staged ? output_bytes : kNodeBytes,
                                        cudaMemcpyDeviceToHost, t.main),
                        "cudaMemcpyAsync (root and proofs out)");
  if (s.ok() && !staged && t.total != 0) {
    s = CudaStatus(cudaMemcpyAsync(task.proof_hashes.data(), t.output.data() + kNodeBytes,
                                   t.total * kNodeBytes, cudaMemcpyDeviceToHost, t.main),
                   "cudaMemcpyAsync (proofs out)");
  }
  if (s.ok()) s = WaitForMainLane(t);
  if (!s.ok()) return s;
  if (staged) {
    std::memcpy(task.root.data(), pinned, kNodeBytes);
    if (t.total != 0) {
      std::memcpy(task.proof_hashes.data(), pinned + kNodeBytes, t.total * kNodeBytes);
    }
  }
  return Status::Ok();
}

}  // namespace

Status MerkleOperator::CanImplement(const MerkleBuildTask& task) const {
  return CheckMerkleBuildTask(task);
}

size_t MerkleOperator::WorkspaceBytes(const MerkleBuildTask& task) const {
  const uint64_t n = task.leaves.size();
  const size_t proofs = task.proof_indices.size();
  size_t bytes = n * kNodeBytes + kernels::MerkleScratchBytes(n);  // leaves and levels
  if (task.sort_leaves) {
    bytes += n * kNodeBytes + n * sizeof(uint64_t) + kernels::OzSortScratchBytes(n);
  }
  // Proof positions, indices (sorted leaves) and offsets; the root and the proofs.
  bytes += (task.sort_leaves ? 3 : 2) * proofs * sizeof(uint64_t) + kNodeBytes;
  for (uint64_t index : task.proof_indices) {
    const uint64_t length = task.scheme != MerkleScheme::kOzKeccakSorted
                                ? MerkleProofLength(task.scheme, n, index)
                                : OzProofLength(n, task.sort_leaves ? 0 : index);  // 0: longest
    bytes += length * kNodeBytes;
  }
  return bytes;
}

Status MerkleOperator::Run(GpuDevice::Batch& batch, MerkleBuildTask& task) const {
  GpuDevice& device = batch.device();
  Status s = CudaStatus(cudaSetDevice(device.ordinal()), "cudaSetDevice");
  if (!s.ok()) return s;
  TreeBuild t(batch, task);
  s = AllocateTree(t);
  if (s.ok()) s = StreamLeaves(batch, t);
  if (s.ok()) s = OrderLeaves(t);
  if (s.ok()) s = LayOutProofs(t);
  if (s.ok()) s = LaunchTree(t);
  if (s.ok()) s = CopyOut(t);
  return s;
}

}  // namespace chainaccel
