// FormedBatch against whole-task runs on the CPU engine: random requests cut into random
// ranges, the ranges grouped at random into batches (one whole task, a view of one, or a
// gathered copy of several); every output must equal the whole task's.
#include "engines/scheduler/formed_batch.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "engines/cpu/cpu_engine.h"
#include "tests/support/random.h"
#include "tests/support/signature_batch.h"
#include "tests/support/signature_cases.h"

namespace chainaccel {
namespace {

using testing::RandomBytes;
using testing::RandomSize;

// One request: inputs, its task, and output buffers.
struct Request {
  std::vector<uint8_t> a, b;
  std::vector<uint64_t> offsets{0}, indices;
  std::vector<uint32_t> lengths;
  testing::SignatureBatch signatures;
  std::vector<uint8_t> out_a, out_b;
  std::vector<ItemStatus> status;
  Task task;

  // The outputs, for comparison.
  std::vector<uint8_t> Outputs() const {
    std::vector<uint8_t> all(out_a);
    all.insert(all.end(), out_b.begin(), out_b.end());
    for (ItemStatus s : status) all.push_back(static_cast<uint8_t>(s));
    return all;
  }
  void ClearOutputs() {
    std::fill(out_a.begin(), out_a.end(), 0);
    std::fill(out_b.begin(), out_b.end(), 0);
    std::fill(status.begin(), status.end(), ItemStatus::kUnspecified);
  }
};

std::unique_ptr<Request> MakeHash(std::mt19937_64& rng, size_t n) {
  auto r = std::make_unique<Request>();
  for (size_t i = 0; i < n; ++i) {
    const auto m = RandomBytes(rng, RandomSize(rng, 0, 150));
    r->a.insert(r->a.end(), m.begin(), m.end());
    r->offsets.push_back(r->a.size());
  }
  r->out_a.resize(32 * n);
  r->task = HashTask{HashAlgorithm::kKeccak256, PackedItems::Variable(r->a, r->offsets), r->out_a.data()};
  return r;
}

std::unique_ptr<Request> MakeSignatures(std::mt19937_64& rng, size_t n) {
  auto r = std::make_unique<Request>();
  testing::SignatureConfig config;
  config.scheme = SignatureScheme::kEcdsaSecp256k1;
  config.encoding = SignatureEncoding::kDer;
  config.pre_hash = PreHash::kSha256;
  for (const auto& c : testing::MakeSignatureCases(rng, config, n)) {
    r->signatures.Add(c.message, c.public_key, c.signature, c.what);
  }
  r->status.resize(n);
  r->task = r->signatures.Task(config, r->status.data());
  return r;
}

std::unique_ptr<Request> MakeRecovery(std::mt19937_64& rng, size_t n) {
  auto r = std::make_unique<Request>();
  r->a = RandomBytes(rng, 32 * n);
  r->b = RandomBytes(rng, 65 * n);
  for (size_t i = 0; i < n; ++i) r->b[65 * i + 64] = static_cast<uint8_t>(rng() % 3);
  r->out_a.resize(64 * n);
  r->out_b.resize(20 * n);
  r->status.resize(n);
  r->task = SignatureRecoverTask{n, r->a.data(), r->b.data(), false, r->out_a.data(),
                                 r->out_b.data(), r->status.data()};
  return r;
}

std::unique_ptr<Request> MakeProofs(std::mt19937_64& rng, size_t n, const Hash32& root) {
  auto r = std::make_unique<Request>();
  r->a = RandomBytes(rng, 32 * n);
  for (size_t i = 0; i < n; ++i) {
    r->indices.push_back(rng() % 1024);
    r->lengths.push_back(static_cast<uint32_t>(RandomSize(rng, 9, 11)));
  }
  uint64_t hashes = 0;
  for (uint32_t l : r->lengths) hashes += l;
  r->b = RandomBytes(rng, 32 * hashes);
  r->status.resize(n);
  MerkleVerifyTask t;
  t.scheme = MerkleScheme::kBitcoin;
  t.root = root;
  t.leaf_count = 1024;
  t.leaves = PackedItems::Fixed(r->a, 32);
  t.leaf_indices = r->indices;
  t.proof_hashes = r->b;
  t.proof_lengths = r->lengths;
  t.status = r->status.data();
  r->task = t;
  return r;
}

void CheckAgainstWholeRuns(std::vector<std::unique_ptr<Request>>& requests, std::mt19937_64& rng) {
  CpuEngine cpu(CpuEngine::Options{2});
  std::vector<std::vector<uint8_t>> want;
  for (auto& r : requests) {
    REQUIRE(cpu.Run(r->task).ok());
    want.push_back(r->Outputs());
    r->ClearOutputs();
  }
  // Cut every request into 1-4 ranges, shuffle them, group them into batches of 1-3.
  std::vector<TaskRange> ranges;
  for (auto& r : requests) {
    const size_t n = TaskItemCount(r->task);
    size_t begin = 0;
    while (begin < n) {
      const size_t end = std::min(n, begin + RandomSize(rng, 1, n));
      ranges.push_back({&r->task, begin, end});
      begin = end;
    }
  }
  std::shuffle(ranges.begin(), ranges.end(), rng);
  BatchBuffers buffers;  // one set for every batch, as a dispatch thread keeps it
  for (size_t i = 0; i < ranges.size();) {
    const size_t k = std::min(ranges.size() - i, RandomSize(rng, 1, 3));
    FormedBatch batch({ranges.begin() + static_cast<std::ptrdiff_t>(i),
                       ranges.begin() + static_cast<std::ptrdiff_t>(i + k)},
                      &buffers);
    REQUIRE(cpu.Run(batch.task()).ok());
    batch.Scatter();
    i += k;
  }
  for (size_t i = 0; i < requests.size(); ++i) CHECK(requests[i]->Outputs() == want[i]);
}

TEST_CASE("formed batches of hashes give every request its own digests") {
  auto rng = testing::MakeRng("formed batches of hashes");
  std::vector<std::unique_ptr<Request>> requests;
  for (int i = 0; i < 6; ++i) requests.push_back(MakeHash(rng, RandomSize(rng, 1, 40)));
  CheckAgainstWholeRuns(requests, rng);
}

TEST_CASE("formed batches of DER ECDSA signatures keep every verdict in place") {
  auto rng = testing::MakeRng("formed batches of signatures");
  std::vector<std::unique_ptr<Request>> requests;
  for (int i = 0; i < 5; ++i) requests.push_back(MakeSignatures(rng, RandomSize(rng, 1, 30)));
  CheckAgainstWholeRuns(requests, rng);
}

TEST_CASE("formed batches of recoveries keep keys, addresses and statuses in place") {
  auto rng = testing::MakeRng("formed batches of recoveries");
  std::vector<std::unique_ptr<Request>> requests;
  for (int i = 0; i < 5; ++i) requests.push_back(MakeRecovery(rng, RandomSize(rng, 1, 30)));
  CheckAgainstWholeRuns(requests, rng);
}

TEST_CASE("formed batches of Merkle proofs keep proofs of varying length aligned") {
  auto rng = testing::MakeRng("formed batches of proofs");
  Hash32 root{};
  std::vector<std::unique_ptr<Request>> requests;
  for (int i = 0; i < 5; ++i) requests.push_back(MakeProofs(rng, RandomSize(rng, 1, 30), root));
  CheckAgainstWholeRuns(requests, rng);
}

TEST_CASE("a whole task runs in place and a single range writes in place") {
  auto rng = testing::MakeRng("formed batch shapes");
  auto r = MakeHash(rng, 10);
  BatchBuffers buffers;
  FormedBatch whole({{&r->task, 0, 10}}, &buffers);
  CHECK(&whole.task() == &r->task);
  FormedBatch part({{&r->task, 3, 7}}, &buffers);
  CHECK(&part.task() != &r->task);
  CHECK(std::get<HashTask>(part.task()).digests == r->out_a.data() + 32 * 3);
  CHECK(std::get<HashTask>(part.task()).messages.size() == 4);
  CHECK(std::get<HashTask>(part.task()).messages[0].size() ==
        std::get<HashTask>(r->task).messages[3].size());
}

TEST_CASE("a gathered batch in reused buffers starts from zeroed outputs, not the last batch's") {
  auto rng = testing::MakeRng("formed batch reused buffers");
  CpuEngine cpu(CpuEngine::Options{1});
  std::vector<std::unique_ptr<Request>> requests;
  for (int i = 0; i < 4; ++i) requests.push_back(MakeRecovery(rng, 8));
  BatchBuffers buffers;
  {
    FormedBatch ran({{&requests[0]->task, 0, 8}, {&requests[1]->task, 0, 8}}, &buffers);
    REQUIRE(cpu.Run(ran.task()).ok());
    ran.Scatter();
  }
  CHECK(buffers.CapacityBytes() > 0);
  CHECK(requests[0]->status[0] != ItemStatus::kUnspecified);
  // The next batch over the same buffers is scattered without running (an engine that
  // wrote nothing): its requests get zeros and kUnspecified, never the first batch's.
  FormedBatch idle({{&requests[2]->task, 0, 8}, {&requests[3]->task, 0, 8}}, &buffers);
  std::fill(requests[2]->out_a.begin(), requests[2]->out_a.end(), 0xAA);
  idle.Scatter();
  CHECK(std::all_of(requests[2]->out_a.begin(), requests[2]->out_a.end(), [](uint8_t b) { return b == 0; }));
  CHECK(std::all_of(requests[3]->status.begin(), requests[3]->status.end(),
                    [](ItemStatus s) { return s == ItemStatus::kUnspecified; }));
  buffers.Release();
  CHECK(buffers.CapacityBytes() == 0);
}

}  // namespace
}  // namespace chainaccel
