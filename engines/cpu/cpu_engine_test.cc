#include "engines/cpu/cpu_engine.h"

#include <catch2/catch.hpp>

#include <future>
#include <thread>
#include <vector>

#include "tests/support/random.h"
#include "tests/support/reference_hashes.h"
#include "tests/support/reference_merkle.h"
#include "tests/support/signature_cases.h"
#include "tests/support/signing.h"
#include "tests/support/vectors.h"

namespace chainaccel {
namespace {

using testing::Bytes;
using testing::ToHex;

// A batch packed as the API packs it; the view points into this object, so keep it put.
class Packed {
 public:
  static Packed Variable(const std::vector<Bytes>& items) {
    Packed p;
    p.offsets_.push_back(0);
    for (const Bytes& item : items) {
      p.data_.insert(p.data_.end(), item.begin(), item.end());
      p.offsets_.push_back(p.data_.size());
    }
    return p;
  }
  static Packed Fixed(const std::vector<Bytes>& items) {
    REQUIRE(!items.empty());
    Packed p;
    p.item_size_ = items[0].size();
    REQUIRE(p.item_size_ > 0);
    for (const Bytes& item : items) {
      REQUIRE(item.size() == p.item_size_);
      p.data_.insert(p.data_.end(), item.begin(), item.end());
    }
    return p;
  }
  PackedItems view() const {
    return item_size_ ? PackedItems::Fixed(data_, item_size_)
                      : PackedItems::Variable(data_, offsets_);
  }

 private:
  Bytes data_;
  std::vector<uint64_t> offsets_;
  size_t item_size_ = 0;
};

// The ByteBatch layout a test packs its items in.
enum class Packing { kFixed, kVariable };
const char* Name(Packing p) { return p == Packing::kFixed ? "fixed" : "variable"; }

Packed Pack(Packing packing, const std::vector<Bytes>& items) {
  return packing == Packing::kFixed ? Packed::Fixed(items) : Packed::Variable(items);
}

TEST_CASE("EngineInfo describes the CPU engine", "[cpu_engine]") {
  CpuEngine engine(CpuEngine::Options{3});
  CHECK(engine.info().name == "cpu");
  CHECK(engine.info().kind == EngineKind::kCpu);
  CHECK(engine.info().threads == 3);
  CHECK(engine.pool().size() == 3);
  CHECK(!engine.info().model.empty());
  for (size_t t = 0; t < kTaskTypeCount; ++t) CHECK(engine.Supports(static_cast<TaskType>(t)));
  CpuEngine all(CpuEngine::Options{0});
  CHECK(all.info().threads == std::max(1u, std::thread::hardware_concurrency()));
}

TEST_CASE("Hash batches equal per-item library digests", "[cpu_engine][hash][random]") {
  auto rng = testing::MakeRng("engine hash");
  CpuEngine engine(CpuEngine::Options{3});
  for (Packing packing : {Packing::kFixed, Packing::kVariable}) {
    for (HashAlgorithm alg :
         {HashAlgorithm::kSha256, HashAlgorithm::kSha256d, HashAlgorithm::kKeccak256}) {
      // Enough items for many chunks of the pool (64-byte messages: ~1400 per chunk).
      const size_t n = packing == Packing::kFixed ? 20000 : 4000;
      const size_t fixed_size = 1 + rng() % 100;
      std::vector<Bytes> messages;
      for (size_t i = 0; i < n; ++i) {
        messages.push_back(testing::RandomBytes(
            rng, packing == Packing::kFixed ? fixed_size : testing::RandomSize(rng, 0, 300)));
      }
      const Packed packed = Pack(packing, messages);
      std::vector<Hash32> digests(n);
      Task task = HashTask{alg, packed.view(), reinterpret_cast<uint8_t*>(digests.data())};
      REQUIRE(engine.Run(task).ok());
      size_t wrong = 0;
      for (size_t i = 0; i < n; ++i) wrong += digests[i] != testing::ReferenceHash(alg, messages[i]);
      INFO(Name(packing) << " algorithm " << int(alg));
      CHECK(wrong == 0);
    }
  }
  Task empty = HashTask{HashAlgorithm::kSha256, PackedItems{}, nullptr};
  CHECK(engine.Run(empty).ok());
}

// Runs the cases of one configuration as one batch and checks every status.
void CheckSignatureBatch(CpuEngine& engine, const testing::SignatureConfig& config,
                         const std::vector<testing::SignatureCase>& cases, Packing packing) {
  std::vector<Bytes> messages, keys, signatures;
  for (const auto& c : cases) {
    messages.push_back(c.message);
    keys.push_back(c.public_key);
    signatures.push_back(c.signature);
  }
  const Packed m = Pack(packing, messages), k = Pack(packing, keys), s = Pack(packing, signatures);
  std::vector<ItemStatus> status(cases.size(), ItemStatus::kUnspecified);
  Task task = SignatureVerifyTask{config.scheme, config.pre_hash, config.encoding,
                                  config.allow_high_s, m.view(), k.view(), s.view(),
                                  status.data()};
  REQUIRE(engine.Run(task).ok());
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO(Name(packing) << " scheme " << int(config.scheme) << " pre-hash " << int(config.pre_hash)
                       << " encoding " << int(config.encoding) << " allow_high_s "
                       << config.allow_high_s << " item " << i << ": " << cases[i].what);
    CHECK(status[i] == cases[i].expected);
  }
}

TEST_CASE("Signature batches give each item the status the libraries imply",
          "[cpu_engine][signatures][random]") {
  auto rng = testing::MakeRng("engine signatures");
  CpuEngine engine(CpuEngine::Options{3});
  for (const auto& config : testing::AllSignatureConfigs()) {
    const auto cases = testing::MakeSignatureCases(rng, config, 120);
    CheckSignatureBatch(engine, config, cases, Packing::kVariable);
    // Fixed packing: the cases whose sizes are those of the first one.
    std::vector<testing::SignatureCase> same_size;
    for (const auto& c : cases) {
      if (c.message.size() == cases[0].message.size() && !c.message.empty() &&
          c.public_key.size() == cases[0].public_key.size() &&
          c.signature.size() == cases[0].signature.size()) {
        same_size.push_back(c);
      }
    }
    if (!same_size.empty()) CheckSignatureBatch(engine, config, same_size, Packing::kFixed);
  }
}

TEST_CASE("A Wycheproof file verifies as one DER batch", "[cpu_engine][signatures][wycheproof]") {
  std::vector<Bytes> messages, keys, signatures;
  std::vector<bool> valid;
  for (const auto& c :
       testing::ReadWycheproofCases("wycheproof/ecdsa_secp256k1_sha256_test.json", "uncompressed")) {
    messages.push_back(c.message);
    keys.push_back(c.public_key);
    signatures.push_back(c.signature);
    valid.push_back(c.valid);
  }
  REQUIRE(valid.size() == 476);
  CpuEngine engine(CpuEngine::Options{2});
  const Packed m = Packed::Variable(messages), k = Packed::Fixed(keys),
               s = Packed::Variable(signatures);
  std::vector<ItemStatus> status(valid.size());
  Task task = SignatureVerifyTask{SignatureScheme::kEcdsaSecp256k1, PreHash::kSha256,
                                  SignatureEncoding::kDer, true, m.view(), k.view(), s.view(),
                                  status.data()};
  REQUIRE(engine.Run(task).ok());
  size_t wrong = 0;
  for (size_t i = 0; i < valid.size(); ++i) wrong += (status[i] == ItemStatus::kOk) != valid[i];
  CHECK(wrong == 0);
}

TEST_CASE("BIP-340's test vectors verify as one batch with their expected verdicts",
          "[cpu_engine][signatures][bip340]") {
  const auto vectors = testing::ReadBip340Vectors();
  REQUIRE(vectors.size() == 19);  // bip340/test-vectors.csv: indices 0-18
  std::vector<Bytes> messages, keys, signatures;
  for (const auto& v : vectors) {
    messages.push_back(v.message);
    keys.push_back(v.public_key);
    signatures.push_back(v.signature);
  }
  CpuEngine engine(CpuEngine::Options{2});
  const Packed m = Packed::Variable(messages), k = Packed::Fixed(keys),
               s = Packed::Fixed(signatures);
  std::vector<ItemStatus> status(vectors.size());
  Task task = SignatureVerifyTask{SignatureScheme::kSchnorrBip340, PreHash::kNone,
                                  SignatureEncoding::kCompact, false, m.view(), k.view(),
                                  s.view(), status.data()};
  REQUIRE(engine.Run(task).ok());
  for (size_t i = 0; i < vectors.size(); ++i) {
    INFO("vector " << vectors[i].index << " (" << vectors[i].message.size()
                   << "-byte message): " << vectors[i].comment);
    CHECK((status[i] == ItemStatus::kOk) == vectors[i].valid);
  }
  // The rejections the CPU engine names (crypto/signatures.h): a key off the curve or
  // >= p, r = p, s = n.
  CHECK(status[5] == ItemStatus::kMalformedPublicKey);
  CHECK(status[14] == ItemStatus::kMalformedPublicKey);
  CHECK(status[12] == ItemStatus::kMalformedSignature);
  CHECK(status[13] == ItemStatus::kMalformedSignature);
  CHECK(status[9] == ItemStatus::kInvalid);
}

TEST_CASE("Recover batches give each item its status, key and address",
          "[cpu_engine][recover][random]") {
  auto rng = testing::MakeRng("engine recover");
  CpuEngine engine(CpuEngine::Options{3});
  for (bool allow_high_s : {false, true}) {
    const auto cases = testing::MakeRecoverCases(rng, allow_high_s, 400);
    Bytes hashes, signatures;
    for (const auto& c : cases) {
      hashes.insert(hashes.end(), c.hash.begin(), c.hash.end());
      signatures.insert(signatures.end(), c.signature.begin(), c.signature.end());
    }
    const size_t n = cases.size();
    Bytes keys(64 * n, 0xAA), addresses(20 * n, 0xAA);
    std::vector<ItemStatus> status(n);
    Task task = SignatureRecoverTask{n,           hashes.data(),    signatures.data(),
                                     allow_high_s, keys.data(),     addresses.data(),
                                     status.data()};
    REQUIRE(engine.Run(task).ok());
    for (size_t i = 0; i < n; ++i) {
      INFO("allow_high_s " << allow_high_s << " item " << i << ": " << cases[i].what);
      CHECK(status[i] == cases[i].expected);
      CHECK(ToHex(ByteView(keys).subspan(64 * i, 64)) == ToHex(cases[i].public_key));
      CHECK(ToHex(ByteView(addresses).subspan(20 * i, 20)) == ToHex(cases[i].address));
    }
  }
}

std::vector<Hash32> RandomHashes(std::mt19937_64& rng, size_t n) {
  std::vector<Hash32> out(n);
  for (auto& h : out) {
    const Bytes b = testing::RandomBytes(rng, 32);
    std::copy(b.begin(), b.end(), h.begin());
  }
  return out;
}

ByteView AsBytes(const std::vector<Hash32>& hashes) {
  return {reinterpret_cast<const uint8_t*>(hashes.data()), hashes.size() * 32};
}

TEST_CASE("Merkle builds through the engine equal the references", "[cpu_engine][merkle][random]") {
  auto rng = testing::MakeRng("engine merkle build");
  CpuEngine engine(CpuEngine::Options{3});
  for (MerkleScheme scheme :
       {MerkleScheme::kBitcoin, MerkleScheme::kRfc6962, MerkleScheme::kOzKeccakSorted}) {
    for (bool sort : {false, true}) {
      if (sort && scheme != MerkleScheme::kOzKeccakSorted) continue;
      const size_t n = 3000 + rng() % 3000;
      const std::vector<Hash32> leaves = RandomHashes(rng, n);
      std::vector<uint64_t> indices;
      for (int k = 0; k < 200; ++k) indices.push_back(rng() % n);
      Task task = MerkleBuildTask{};
      auto& build = std::get<MerkleBuildTask>(task);
      build.scheme = scheme;
      build.leaves = PackedItems::Fixed(AsBytes(leaves), 32);
      build.sort_leaves = sort;
      build.proof_indices = indices;
      REQUIRE(engine.Run(task).ok());
      const auto ref = testing::BuildReferenceTree(scheme, leaves, sort);
      INFO("scheme " << int(scheme) << " sort " << sort << " leaves " << n);
      CHECK(build.root == ref.root);
      Bytes expected;
      std::vector<uint32_t> lengths;
      for (uint64_t i : indices) {
        for (const Hash32& h : ref.proofs[i]) expected.insert(expected.end(), h.begin(), h.end());
        lengths.push_back(static_cast<uint32_t>(ref.proofs[i].size()));
      }
      CHECK(build.proof_lengths == lengths);
      CHECK(build.proof_hashes == expected);
    }
  }
}

TEST_CASE("Merkle verify batches give each proof its status", "[cpu_engine][merkle][random]") {
  auto rng = testing::MakeRng("engine merkle verify");
  CpuEngine engine(CpuEngine::Options{3});
  for (MerkleScheme scheme :
       {MerkleScheme::kBitcoin, MerkleScheme::kRfc6962, MerkleScheme::kOzKeccakSorted}) {
    const bool oz = scheme == MerkleScheme::kOzKeccakSorted;
    const size_t n = 1 + rng() % 2000;
    const std::vector<Hash32> leaves = RandomHashes(rng, n);
    const auto ref = testing::BuildReferenceTree(scheme, leaves);
    // Proofs of random leaves, most valid, some corrupted in a known way.
    std::vector<Hash32> proof_leaves;
    std::vector<uint64_t> indices;
    Bytes hashes;
    std::vector<uint32_t> lengths;
    std::vector<ItemStatus> expected;
    for (int k = 0; k < 3000; ++k) {
      const uint64_t i = rng() % n;
      std::vector<Hash32> proof = ref.proofs[i];
      Hash32 leaf = leaves[i];
      uint64_t index = i;
      ItemStatus want = ItemStatus::kOk;
      switch (rng() % 6) {
        case 0:
          leaf[rng() % 32] ^= 1;
          want = ItemStatus::kInvalid;
          break;
        case 1:
          if (!proof.empty()) {
            proof[rng() % proof.size()][rng() % 32] ^= 0x80;
            want = ItemStatus::kInvalid;
          }
          break;
        case 2:
          proof.push_back(leaf);
          want = oz ? ItemStatus::kInvalid : ItemStatus::kMalformedProof;
          break;
        case 3:
          if (!oz) {
            index = n + rng() % 5;
            want = ItemStatus::kIndexOutOfRange;
          }
          break;
        default: break;
      }
      proof_leaves.push_back(leaf);
      indices.push_back(index);
      for (const Hash32& h : proof) hashes.insert(hashes.end(), h.begin(), h.end());
      lengths.push_back(static_cast<uint32_t>(proof.size()));
      expected.push_back(want);
    }
    std::vector<ItemStatus> status(expected.size());
    MerkleVerifyTask verify;
    verify.scheme = scheme;
    verify.root = ref.root;
    verify.leaf_count = n;
    verify.leaves = PackedItems::Fixed(AsBytes(proof_leaves), 32);
    if (!oz) verify.leaf_indices = indices;  // OZ: the server may leave them out
    verify.proof_hashes = hashes;
    verify.proof_lengths = lengths;
    verify.status = status.data();
    Task task = verify;
    REQUIRE(engine.Run(task).ok());
    INFO("scheme " << int(scheme) << " leaves " << n);
    CHECK(status == expected);
  }
}

TEST_CASE("Batches that break the task contract fail with INVALID_ARGUMENT", "[cpu_engine]") {
  CpuEngine engine(CpuEngine::Options{1});
  const Bytes data(64, 0);
  Hash32 digest;
  Task hash = HashTask{static_cast<HashAlgorithm>(0), PackedItems::Fixed(data, 64), digest.data()};
  CHECK(engine.Run(hash).code() == Status::Code::kInvalidArgument);

  ItemStatus status;
  const uint64_t offsets[] = {0, 64};
  for (int field = 0; field < 3; ++field) {
    SignatureVerifyTask verify{SignatureScheme::kEd25519, PreHash::kNone,
                               SignatureEncoding::kCompact, false, PackedItems::Fixed(data, 64),
                               PackedItems::Fixed(data, 32), PackedItems::Fixed(data, 64),
                               &status};
    if (field == 0) verify.scheme = static_cast<SignatureScheme>(7);
    if (field == 1) verify.pre_hash = static_cast<PreHash>(7);
    if (field == 2) verify.encoding = static_cast<SignatureEncoding>(7);
    Task task = verify;
    CHECK(engine.Run(task).code() == Status::Code::kInvalidArgument);
  }
  Task mismatched = SignatureVerifyTask{SignatureScheme::kEd25519, PreHash::kNone,
                                        SignatureEncoding::kCompact, false,
                                        PackedItems::Variable(data, offsets),
                                        PackedItems::Fixed(data, 32), PackedItems::Fixed(data, 64),
                                        &status};
  CHECK(engine.Run(mismatched).code() == Status::Code::kInvalidArgument);

  const Hash32 leaf{};
  const uint32_t lengths[] = {2};  // 64 bytes of proof announced, 32 given
  MerkleVerifyTask verify;
  verify.leaf_count = 1;
  verify.leaves = PackedItems::Fixed(leaf, 32);
  const uint64_t index0[] = {0};
  verify.leaf_indices = index0;
  verify.proof_hashes = ByteView(data).first(32);
  verify.proof_lengths = lengths;
  verify.status = &status;
  Task task = verify;
  CHECK(engine.Run(task).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("Stats count batches, items and busy time", "[cpu_engine]") {
  CpuEngine engine(CpuEngine::Options{2});
  const Bytes data(64 * 100, 1);
  std::vector<Hash32> digests(100);
  Task task = HashTask{HashAlgorithm::kSha256, PackedItems::Fixed(data, 64),
                       reinterpret_cast<uint8_t*>(digests.data())};
  for (int i = 0; i < 3; ++i) REQUIRE(engine.Run(task).ok());
  const EngineStats stats = engine.stats();
  CHECK(stats.batches == 3);
  CHECK(stats.items == 300);
  CHECK(stats.busy_seconds > 0);
  CHECK(stats.healthy);
}

TEST_CASE("Run is safe from many threads and from inside the engine's own pool",
          "[cpu_engine][threads]") {
  auto rng = testing::MakeRng("engine threads");
  CpuEngine engine(CpuEngine::Options{2});
  const size_t n = 30000;
  const Bytes data = testing::RandomBytes(rng, 64 * n);
  std::vector<Hash32> expected(n);
  for (size_t i = 0; i < n; ++i) {
    expected[i] = testing::ReferenceSha256d(ByteView(data).subspan(64 * i, 64));
  }
  auto run_once = [&] {
    std::vector<Hash32> digests(n);
    Task task = HashTask{HashAlgorithm::kSha256d, PackedItems::Fixed(data, 64),
                         reinterpret_cast<uint8_t*>(digests.data())};
    return engine.Run(task).ok() && digests == expected;
  };
  // As the scheduler does: Run inside a pool task, with all workers busy.
  std::vector<std::future<bool>> in_pool;
  for (int i = 0; i < 4; ++i) {
    auto promise = std::make_shared<std::promise<bool>>();
    in_pool.push_back(promise->get_future());
    engine.pool().Post([promise, &run_once] { promise->set_value(run_once()); });
  }
  std::vector<std::future<bool>> outside;
  for (int i = 0; i < 3; ++i) outside.push_back(std::async(std::launch::async, run_once));
  for (auto& f : in_pool) CHECK(f.get());
  for (auto& f : outside) CHECK(f.get());
  CHECK(engine.stats().batches == 7);
}

}  // namespace
}  // namespace chainaccel
