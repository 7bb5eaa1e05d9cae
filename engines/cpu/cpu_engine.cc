#include "engines/cpu/cpu_engine.h"

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "crypto/hashes.h"
#include "engines/cpu/merkle.h"
#include "engines/cpu/proofs.h"
#include "crypto/signatures.h"

namespace chainaccel {
namespace {

// Minimum items per ParallelFor chunk. ParallelFor cuts a batch into about four chunks
// per thread, but never smaller than the grain: a chunk should run for 0.1 ms or more
// so that claiming it (an atomic increment, a std::function call) and waking a helper
// stay far below 1% of the work, while a batch of a few chunks still runs inline.
//
// Hashing costs about 1 ns per byte plus a per-message overhead worth ~128 bytes
// (SHA-256 of 64 bytes: 100 ns, Keccak-256: 250 ns), so a chunk covers ~256 KiB.
constexpr size_t kHashChunkBytes = 256 * 1024;
constexpr size_t kHashItemOverheadBytes = 128;
// A signature verification or recovery takes 25-60 µs.
constexpr size_t kSignatureGrain = 8;
// A Merkle proof check takes about 0.2 µs per level, ~4 µs for a 20-level tree.
constexpr size_t kProofGrain = 64;

template <typename ItemFn>
void ForEachItem(ThreadPool& pool, size_t n, size_t grain, const ItemFn& item) {
  pool.ParallelFor(n, grain, [&item](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) item(i);
  });
}

bool IsKnown(HashAlgorithm a) {
  return a == HashAlgorithm::kSha256 || a == HashAlgorithm::kSha256d ||
         a == HashAlgorithm::kKeccak256;
}
bool IsKnown(MerkleScheme s) {
  return s == MerkleScheme::kBitcoin || s == MerkleScheme::kRfc6962 ||
         s == MerkleScheme::kOzKeccakSorted;
}
bool IsKnown(SignatureScheme s) {
  return s == SignatureScheme::kEd25519 || s == SignatureScheme::kEcdsaSecp256k1 ||
         s == SignatureScheme::kSchnorrBip340;
}
bool IsKnown(PreHash p) {
  return p == PreHash::kNone || p == PreHash::kSha256 || p == PreHash::kSha256d ||
         p == PreHash::kKeccak256;
}
bool IsKnown(SignatureEncoding e) {
  return e == SignatureEncoding::kCompact || e == SignatureEncoding::kDer;
}

std::string EnumError(std::string_view field, int value) {
  return std::string(field) + ": unknown value " + std::to_string(value);
}

Status RunHash(ThreadPool& pool, HashTask& task) {
  if (!IsKnown(task.algorithm)) {
    return Status::InvalidArgument(EnumError("algorithm", static_cast<int>(task.algorithm)));
  }
  const PackedItems& messages = task.messages;
  const size_t n = messages.size();
  if (n == 0) return Status::Ok();
  void (*const hash)(ByteView, uint8_t*) = task.algorithm == HashAlgorithm::kSha256    ? Sha256
                                           : task.algorithm == HashAlgorithm::kSha256d ? Sha256d
                                                                                       : Keccak256;
  const size_t grain = kHashChunkBytes / (messages.data().size() / n + kHashItemOverheadBytes) + 1;
  uint8_t* const digests = task.digests;
  ForEachItem(pool, n, grain, [&](size_t i) { hash(messages[i], digests + 32 * i); });
  return Status::Ok();
}

Status RunMerkleVerify(ThreadPool& pool, MerkleVerifyTask& task) {
  if (!IsKnown(task.scheme)) {
    return Status::InvalidArgument(EnumError("scheme", static_cast<int>(task.scheme)));
  }
  const size_t n = task.leaves.size();
  const bool oz = task.scheme == MerkleScheme::kOzKeccakSorted;
  if (task.proof_lengths.size() != n ||
      (task.leaf_indices.size() != n && !(oz && task.leaf_indices.empty()))) {
    return Status::InvalidArgument("merkle: leaves, leaf_indices and proof_lengths differ in count");
  }
  // Where each proof starts, in hashes.
  std::vector<uint64_t> offsets(n + 1, 0);
  for (size_t k = 0; k < n; ++k) offsets[k + 1] = offsets[k] + task.proof_lengths[k];
  if (offsets[n] * 32 != task.proof_hashes.size()) {
    return Status::InvalidArgument("merkle: proof_lengths do not add up to proof_hashes");
  }
  ForEachItem(pool, n, kProofGrain, [&](size_t k) {
    const uint64_t index = task.leaf_indices.empty() ? 0 : task.leaf_indices[k];
    const ByteView proof =
        task.proof_hashes.subspan(offsets[k] * 32, uint64_t{task.proof_lengths[k]} * 32);
    task.status[k] =
        VerifyMerkleProof(task.scheme, task.root, task.leaf_count, task.leaves[k], index, proof);
  });
  return Status::Ok();
}

Status RunSignatureVerify(ThreadPool& pool, SignatureVerifyTask& task) {
  if (!IsKnown(task.scheme)) {
    return Status::InvalidArgument(EnumError("scheme", static_cast<int>(task.scheme)));
  }
  if (!IsKnown(task.pre_hash)) {
    return Status::InvalidArgument(EnumError("pre_hash", static_cast<int>(task.pre_hash)));
  }
  if (!IsKnown(task.encoding)) {
    return Status::InvalidArgument(EnumError("signature_encoding", static_cast<int>(task.encoding)));
  }
  const size_t n = task.messages.size();
  if (task.public_keys.size() != n || task.signatures.size() != n) {
    return Status::InvalidArgument("signatures: messages, public_keys and signatures differ in count");
  }
  ForEachItem(pool, n, kSignatureGrain,
              [&task](size_t i) { task.status[i] = VerifySignatureItem(task, i); });
  return Status::Ok();
}

Status RunSignatureRecover(ThreadPool& pool, SignatureRecoverTask& task) {
  ForEachItem(pool, task.count, kSignatureGrain, [&task](size_t i) {
    task.status[i] = RecoverEthereumSigner(task.hashes + 32 * i, task.signatures + 65 * i,
                                           task.allow_high_s, task.public_keys + 64 * i,
                                           task.addresses + 20 * i);
  });
  return Status::Ok();
}

// The "model name" line of /proc/cpuinfo, e.g. "AMD EPYC 7B13"; "unknown" without one.
std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t begin = line.find_first_not_of(" \t", colon + 1);
    if (begin != std::string::npos) return line.substr(begin);
  }
  return "unknown";
}

}  // namespace

CpuEngine::CpuEngine(const Options& options) {
  size_t threads = options.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  pool_ = std::make_unique<ThreadPool>(threads, options.nice, "cpu-engine");
  info_.name = "cpu";
  info_.kind = EngineKind::kCpu;
  info_.model = CpuModel();
  info_.threads = static_cast<uint32_t>(threads);
  InitSignatureLibraries();
}

CpuEngine::~CpuEngine() = default;

bool CpuEngine::Supports(TaskType type) const {
  switch (type) {
    case TaskType::kHash:
    case TaskType::kMerkleBuild:
    case TaskType::kMerkleVerify:
    case TaskType::kSignatureVerify:
    case TaskType::kSignatureRecover:
    case TaskType::kProofGenerate:
    case TaskType::kProofVerify: return true;
  }
  return false;
}

Status CpuEngine::Run(Task& task) {
  const auto start = std::chrono::steady_clock::now();
  ThreadPool& pool = *pool_;
  struct Runner {
    ThreadPool& pool;
    Status operator()(HashTask& t) const { return RunHash(pool, t); }
    Status operator()(MerkleBuildTask& t) const { return BuildMerkleTree(t, &pool); }
    Status operator()(MerkleVerifyTask& t) const { return RunMerkleVerify(pool, t); }
    Status operator()(SignatureVerifyTask& t) const { return RunSignatureVerify(pool, t); }
    Status operator()(SignatureRecoverTask& t) const { return RunSignatureRecover(pool, t); }
    Status operator()(ProofGenerateTask& t) const { return RunProofGenerate(pool, t); }
    Status operator()(ProofVerifyTask& t) const { return RunProofVerify(pool, t); }
  };
  Status status = std::visit(Runner{pool}, task);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  batches_.fetch_add(1, std::memory_order_relaxed);
  items_.fetch_add(TaskItemCount(task), std::memory_order_relaxed);
  busy_nanos_.fetch_add(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
      std::memory_order_relaxed);
  return status;
}

EngineStats CpuEngine::stats() const {
  EngineStats s;
  s.batches = batches_.load(std::memory_order_relaxed);
  s.items = items_.load(std::memory_order_relaxed);
  s.busy_seconds = static_cast<double>(busy_nanos_.load(std::memory_order_relaxed)) * 1e-9;
  s.healthy = true;
  return s;
}

}  // namespace chainaccel
