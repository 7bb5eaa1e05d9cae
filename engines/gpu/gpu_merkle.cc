// GpuEngine's Merkle trees (MerkleBuildTask): the leaves stream in through both lanes,
// level 1 is hashed chunk by chunk behind them, and the rest of the tree, the proofs and
// (OZ_KECCAK_SORTED with sort_leaves) the leaf sort run on lane 0 once every leaf is in.
// gpu_engine.h has the contract; kernels/merkle_launch.h the device side.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "engines/cpu/merkle.h"
#include "engines/gpu/gpu_engine.h"
#include "kernels/cuda_status.h"
#include "kernels/hash_launch.h"
#include "kernels/merkle_launch.h"

namespace chainaccel {
namespace {

constexpr size_t kNodeBytes = 32;

}  // namespace

Status GpuEngine::MerkleBatch(MerkleBuildTask& task, bool inject) {
  const size_t n = task.leaves.size();
  const size_t proofs = task.proof_indices.size();
  Status s = CudaStatus(cudaSetDevice(ordinal_), "cudaSetDevice");
  if (!s.ok()) return s;
  Lane& main_lane = lanes_[0];
  const cudaStream_t main = main_lane.stream.get();

  // Device memory, stream-ordered on lane 0 and given back there (after everything on
  // either lane, since lane 0 waits for lane 1 before the tree); lane 1 waits for the
  // allocations through lane 0's event.
  DeviceBuffer leaves, scratch;
  // Declared after the two buffers lane 1 uses, so destroyed before them: however this
  // function returns, lane 1 is idle before their stream-ordered release on lane 0.
  struct Lane1Idle {
    cudaStream_t stream;
    ~Lane1Idle() { cudaStreamSynchronize(stream); }
  } lane1_idle{lanes_[1].stream.get()};
  s = DeviceBuffer::AllocateAsync(n * kNodeBytes, main, &leaves);
  if (s.ok()) s = DeviceBuffer::AllocateAsync(kernels::MerkleScratchBytes(n), main, &scratch);
  if (s.ok()) s = main_lane.done.Record(main);
  if (s.ok()) {
    s = CudaStatus(cudaStreamWaitEvent(lanes_[1].stream.get(), main_lane.done.get(), 0),
                   "cudaStreamWaitEvent");
  }
  if (!s.ok()) return s;

  // ---- Leaves in, each chunk's subtree behind it (BITCOIN, RFC6962 leaf hashes) -------
  // Chunks of 2^k leaves (the most that fit a lane), so that levels 1 .. k of each chunk
  // depend on that chunk alone and are hashed while the next chunks are copied in; once
  // the last chunk lands, only the top levels (n / 2^k nodes) remain.
  const size_t chunk_fit = std::max<size_t>(
      1, std::min(options_.chunk_bytes / kNodeBytes, options_.chunk_items));
  const size_t chunk_leaves = std::bit_floor(chunk_fit);
  const uint32_t subtree_levels =
      (task.leaves_are_entries || task.scheme == MerkleScheme::kOzKeccakSorted)
          ? 0
          : std::min<uint32_t>(static_cast<uint32_t>(std::countr_zero(chunk_leaves)),
                               kernels::MerkleTreeHeight(n));
  bool lane_busy[2] = {false, false};
  size_t next = 0;
  size_t chunk = 0;
  DeviceBuffer oversize;  // a raw entry longer than a lane's input, hashed alone
  while (next < n) {
    Lane& lane = lanes_[chunk % 2];
    const cudaStream_t stream = lane.stream.get();
    if (lane_busy[chunk % 2]) {
      // The lane's pinned buffers are free once its previous chunk has left them.
      if (s = lane.done.Synchronize(); !s.ok()) return s;
    }
    size_t count;
    if (!task.leaves_are_entries) {
      count = std::min(n - next, chunk_leaves);
      Copy(lane.input.data(), task.leaves.data().data() + next * kNodeBytes,
           count * kNodeBytes);
      s = CudaStatus(cudaMemcpyAsync(leaves.data() + next * kNodeBytes, lane.input.data(),
                                     count * kNodeBytes, cudaMemcpyHostToDevice, stream),
                     "cudaMemcpyAsync (leaves in)");
      if (s.ok()) {
        s = kernels::LaunchMerkleSubtree(task.scheme, leaves.data(), n, next, count,
                                         subtree_levels, scratch.data(), stream);
      }
    } else {
      // RFC 6962 raw entries: the leaf hash SHA256(0x00 || entry), staged with its prefix.
      const PackedItems& entries = task.leaves;
      auto* offsets = reinterpret_cast<uint64_t*>(lane.offsets.data());
      const uint8_t* device_data = lane.device_input.data();
      size_t bytes = 0;
      count = 0;
      while (next + count < n && count < options_.chunk_items) {
        const ByteView entry = entries[next + count];
        if (bytes + 1 + entry.size() > options_.chunk_bytes) break;
        offsets[count] = bytes;
        lane.input.data()[bytes] = 0x00;
        if (!entry.empty()) std::memcpy(lane.input.data() + bytes + 1, entry.data(), entry.size());
        bytes += 1 + entry.size();
        ++count;
      }
      if (count == 0) {
        // One entry longer than the lane's input: through a temporary device buffer.
        const ByteView entry = entries[next];
        bytes = 1 + entry.size();
        count = 1;
        offsets[0] = 0;
        s = DeviceBuffer::AllocateAsync(bytes, stream, &oversize);
        if (s.ok()) s = CudaStatus(cudaMemsetAsync(oversize.data(), 0, 1, stream), "cudaMemsetAsync");
        if (s.ok()) {
          s = CudaStatus(cudaMemcpyAsync(oversize.data() + 1, entry.data(), entry.size(),
                                         cudaMemcpyHostToDevice, stream),
                         "cudaMemcpyAsync (oversize entry in)");
        }
        device_data = oversize.data();
      } else {
        s = CudaStatus(cudaMemcpyAsync(lane.device_input.data(), lane.input.data(), bytes,
                                       cudaMemcpyHostToDevice, stream),
                       "cudaMemcpyAsync (entries in)");
      }
      offsets[count] = bytes;
      if (s.ok()) {
        s = CudaStatus(cudaMemcpyAsync(lane.device_offsets.data(), offsets,
                                       (count + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice,
                                       stream),
                       "cudaMemcpyAsync (entry offsets in)");
      }
      if (s.ok()) {
        s = kernels::LaunchHashVariable(
            HashAlgorithm::kSha256, device_data,
            reinterpret_cast<const uint64_t*>(lane.device_offsets.data()), count,
            leaves.data() + next * kNodeBytes, stream);
      }
      oversize = DeviceBuffer();  // freed stream-ordered, after the hash
    }
    if (s.ok() && inject && chunks_launched_++ == options_.fail_after_chunks) {
      s = CudaStatus(cudaErrorLaunchFailure,
                     "LaunchMerkle (fault injected by Options::fail_after_chunks)");
    }
    if (s.ok()) s = lane.done.Record(stream);
    if (!s.ok()) return s;
    lane_busy[chunk % 2] = true;
    next += count;
    ++chunk;
  }
  // Lane 0 goes on with the tree once lane 1 has delivered its last chunk.
  if (lane_busy[1]) {
    s = CudaStatus(cudaStreamWaitEvent(main, lanes_[1].done.get(), 0), "cudaStreamWaitEvent");
    if (!s.ok()) return s;
  }

  // ---- Tree order (OZ_KECCAK_SORTED with sort_leaves) and proof positions -------------
  const uint8_t* tree_leaves = leaves.data();
  DeviceBuffer sorted, position, sort_scratch, proof_indices, proof_positions;
  std::vector<uint64_t> positions(task.proof_indices.begin(), task.proof_indices.end());
  if (proofs != 0) {
    s = DeviceBuffer::AllocateAsync(proofs * sizeof(uint64_t), main, &proof_positions);
    if (!s.ok()) return s;
  }
  if (task.sort_leaves) {
    const size_t sort_bytes = kernels::OzSortScratchBytes(n);
    if (sort_bytes == 0) return Status::InvalidArgument("merkle: too many leaves to sort");
    s = DeviceBuffer::AllocateAsync(n * kNodeBytes, main, &sorted);
    if (s.ok()) s = DeviceBuffer::AllocateAsync(n * sizeof(uint64_t), main, &position);
    if (s.ok()) s = DeviceBuffer::AllocateAsync(sort_bytes, main, &sort_scratch);
    if (s.ok()) {
      s = kernels::LaunchOzSortLeaves(leaves.data(), n, sorted.data(),
                                      reinterpret_cast<uint64_t*>(position.data()),
                                      sort_scratch.data(), sort_bytes, main);
    }
    sort_scratch = DeviceBuffer();
    if (s.ok() && proofs != 0) {
      // The positions of the proved leaves decide the proof lengths, which the host needs
      // to lay the proofs out: one round trip.
      s = DeviceBuffer::AllocateAsync(proofs * sizeof(uint64_t), main, &proof_indices);
      if (s.ok()) {
        s = CudaStatus(cudaMemcpyAsync(proof_indices.data(), task.proof_indices.data(),
                                       proofs * sizeof(uint64_t), cudaMemcpyHostToDevice, main),
                       "cudaMemcpyAsync (proof indices in)");
      }
      if (s.ok()) {
        s = kernels::LaunchGatherU64(reinterpret_cast<const uint64_t*>(position.data()),
                                     reinterpret_cast<const uint64_t*>(proof_indices.data()),
                                     proofs,
                                     reinterpret_cast<uint64_t*>(proof_positions.data()), main);
      }
      if (s.ok()) {
        s = CudaStatus(cudaMemcpyAsync(positions.data(), proof_positions.data(),
                                       proofs * sizeof(uint64_t), cudaMemcpyDeviceToHost, main),
                       "cudaMemcpyAsync (proof positions out)");
      }
      if (s.ok()) s = main_lane.stream.Synchronize();
    }
    position = DeviceBuffer();
    if (!s.ok()) return s;
    tree_leaves = sorted.data();
  } else if (proofs != 0) {
    s = CudaStatus(cudaMemcpyAsync(proof_positions.data(), positions.data(),
                                   proofs * sizeof(uint64_t), cudaMemcpyHostToDevice, main),
                   "cudaMemcpyAsync (proof positions in)");
    if (!s.ok()) return s;
  }

  // ---- Proof layout, the tree, root and proofs out -------------------------------------
  task.proof_lengths.assign(proofs, 0);
  std::vector<uint64_t> offsets(proofs);
  uint64_t total = 0;
  for (size_t k = 0; k < proofs; ++k) {
    offsets[k] = total;
    const uint64_t length = task.scheme == MerkleScheme::kOzKeccakSorted
                                ? kernels::OzProofLength(n, positions[k])
                                : MerkleProofLength(task.scheme, n, positions[k]);
    task.proof_lengths[k] = static_cast<uint32_t>(length);
    total += length;
  }
  DeviceBuffer proof_offsets, output;  // output: the root, then the proofs
  const size_t output_bytes = (1 + total) * kNodeBytes;
  s = DeviceBuffer::AllocateAsync(output_bytes, main, &output);
  if (s.ok() && proofs != 0) {
    s = DeviceBuffer::AllocateAsync(proofs * sizeof(uint64_t), main, &proof_offsets);
    if (s.ok()) {
      s = CudaStatus(cudaMemcpyAsync(proof_offsets.data(), offsets.data(),
                                     proofs * sizeof(uint64_t), cudaMemcpyHostToDevice, main),
                     "cudaMemcpyAsync (proof offsets in)");
    }
  }
  if (!s.ok()) return s;
  kernels::MerkleTreeLaunch tree;
  tree.scheme = task.scheme;
  tree.leaves = tree_leaves;
  tree.leaf_count = n;
  tree.proof_positions = reinterpret_cast<const uint64_t*>(proof_positions.data());
  tree.proof_offsets = reinterpret_cast<const uint64_t*>(proof_offsets.data());
  tree.proof_count = proofs;
  tree.proof_hashes = output.data() + kNodeBytes;
  tree.root = output.data();
  tree.scratch = scratch.data();
  tree.levels_done = subtree_levels;
  s = kernels::LaunchMerkleTree(tree, main);
  if (!s.ok()) return s;

  // Out through lane 0's pinned output when it fits (the usual case: a root and a few
  // proofs), else straight into the task (pageable, slower, but only for huge proof sets).
  task.proof_hashes.resize(total * kNodeBytes);
  const bool staged = output_bytes <= main_lane.output.size();
  s = CudaStatus(cudaMemcpyAsync(staged ? main_lane.output.data() : task.root.data(),
                                 output.data(), staged ? output_bytes : kNodeBytes,
                                 cudaMemcpyDeviceToHost, main),
                 "cudaMemcpyAsync (root and proofs out)");
  if (s.ok() && !staged && total != 0) {
    s = CudaStatus(cudaMemcpyAsync(task.proof_hashes.data(), output.data() + kNodeBytes,
                                   total * kNodeBytes, cudaMemcpyDeviceToHost, main),
                   "cudaMemcpyAsync (proofs out)");
  }
  if (s.ok()) s = main_lane.stream.Synchronize();
  if (!s.ok()) return s;
  if (staged) {
    std::memcpy(task.root.data(), main_lane.output.data(), kNodeBytes);
    if (total != 0) {
      std::memcpy(task.proof_hashes.data(), main_lane.output.data() + kNodeBytes,
                  total * kNodeBytes);
    }
  }
  return Status::Ok();
}

}  // namespace chainaccel
