#include "engines/cpu/merkle.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "engines/cpu/cpu_engine.h"
#include "tests/support/random.h"
#include "tests/support/reference_hashes.h"
#include "tests/support/reference_merkle.h"
#include "tests/support/vectors.h"

namespace chainaccel {
namespace {

using testing::Bytes;
using testing::FromHex;
using testing::ReferenceTree;
using testing::ToHex;

static_assert(sizeof(Hash32) == 32, "Hash32 vectors are packed 32-byte leaves");

ByteView AsBytes(const std::vector<Hash32>& hashes) {
  return {reinterpret_cast<const uint8_t*>(hashes.data()), hashes.size() * 32};
}

Hash32 ToHash(ByteView bytes) {
  REQUIRE(bytes.size() == 32);
  Hash32 h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

Hash32 HashFromHex(std::string_view hex) { return ToHash(FromHex(hex)); }

Hash32 Reversed(Hash32 h) {
  std::reverse(h.begin(), h.end());
  return h;
}

std::vector<Hash32> RandomLeaves(std::mt19937_64& rng, size_t n) {
  std::vector<Hash32> leaves(n);
  const Bytes bytes = testing::RandomBytes(rng, n * 32);
  std::memcpy(leaves.data(), bytes.data(), bytes.size());
  return leaves;
}

std::vector<uint64_t> AllIndices(size_t n) {
  std::vector<uint64_t> indices(n);
  for (size_t i = 0; i < n; ++i) indices[i] = i;
  return indices;
}

// A finished build: the task with its outputs, and proof k as hashes.
struct Built {
  MerkleBuildTask task;
  std::vector<uint64_t> offsets;  // proof k starts at hash offsets[k]

  std::vector<Hash32> Proof(size_t k) const {
    const ByteView bytes = ProofBytes(k);
    std::vector<Hash32> proof(bytes.size() / 32);
    if (!proof.empty()) std::memcpy(proof.data(), bytes.data(), bytes.size());
    return proof;
  }
  ByteView ProofBytes(size_t k) const {
    return ByteView(task.proof_hashes).subspan(offsets[k] * 32, task.proof_lengths[k] * 32);
  }
};

Built Build(MerkleScheme scheme, PackedItems leaves, std::span<const uint64_t> indices,
            ThreadPool* pool, bool sort_leaves = false, bool entries = false) {
  Built b;
  b.task.scheme = scheme;
  b.task.leaves = leaves;
  b.task.proof_indices = indices;
  b.task.sort_leaves = sort_leaves;
  b.task.leaves_are_entries = entries;
  const Status s = BuildMerkleTree(b.task, pool);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(b.task.proof_lengths.size() == indices.size());
  b.offsets.assign(indices.size() + 1, 0);
  for (size_t k = 0; k < indices.size(); ++k) {
    b.offsets[k + 1] = b.offsets[k] + b.task.proof_lengths[k];
  }
  REQUIRE(b.offsets.back() * 32 == b.task.proof_hashes.size());
  return b;
}

Built Build(MerkleScheme scheme, const std::vector<Hash32>& leaves,
            std::span<const uint64_t> indices, ThreadPool* pool, bool sort_leaves = false) {
  return Build(scheme, PackedItems::Fixed(AsBytes(leaves), 32), indices, pool, sort_leaves);
}

ByteView ProofView(const std::vector<Hash32>& proof) { return AsBytes(proof); }

// ---- Bitcoin blocks -------------------------------------------------------------------

class BlockReader {
 public:
  explicit BlockReader(ByteView bytes) : bytes_(bytes) {}

  ByteView Take(size_t n) {
    REQUIRE(pos_ + n <= bytes_.size());
    ByteView out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  uint64_t CompactSize() {
    const uint8_t first = Take(1)[0];
    size_t size = first < 0xfd ? 0 : first == 0xfd ? 2 : first == 0xfe ? 4 : 8;
    if (size == 0) return first;
    ByteView b = Take(size);
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;) v = v << 8 | b[i];
    return v;
  }
  uint8_t Peek(size_t ahead) const {
    REQUIRE(pos_ + ahead < bytes_.size());
    return bytes_[pos_ + ahead];
  }
  size_t pos() const { return pos_; }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  ByteView bytes_;
  size_t pos_ = 0;
};

// A parsed block: its 80-byte header and each transaction's non-witness serialization
// (version | inputs | outputs | locktime), whose SHA256D is the txid.
struct ParsedBlock {
  Bytes header;
  std::vector<Bytes> transactions;
};

ParsedBlock ParseBlock(ByteView raw) {
  BlockReader r(raw);
  ParsedBlock block;
  ByteView header = r.Take(80);
  block.header.assign(header.begin(), header.end());
  const uint64_t count = r.CompactSize();
  for (uint64_t t = 0; t < count; ++t) {
    Bytes tx;
    auto keep = [&tx](ByteView b) { tx.insert(tx.end(), b.begin(), b.end()); };
    keep(r.Take(4));  // version
    const bool segwit = r.Peek(0) == 0x00 && r.Peek(1) != 0x00;
    if (segwit) r.Take(2);  // marker, flag
    size_t body_begin = r.pos();
    const uint64_t inputs = r.CompactSize();
    for (uint64_t i = 0; i < inputs; ++i) {
      r.Take(36);                // outpoint
      r.Take(r.CompactSize());   // scriptSig
      r.Take(4);                 // sequence
    }
    const uint64_t outputs = r.CompactSize();
    for (uint64_t o = 0; o < outputs; ++o) {
      r.Take(8);                 // value
      r.Take(r.CompactSize());   // scriptPubKey
    }
    keep(raw.subspan(body_begin, r.pos() - body_begin));
    if (segwit) {
      for (uint64_t i = 0; i < inputs; ++i) {
        const uint64_t items = r.CompactSize();
        for (uint64_t k = 0; k < items; ++k) r.Take(r.CompactSize());
      }
    }
    keep(r.Take(4));  // locktime
    block.transactions.push_back(std::move(tx));
  }
  REQUIRE(r.done());
  return block;
}

// Txids of a parsed block, computed by the engine as one variable-size SHA256D batch.
std::vector<Hash32> Txids(CpuEngine& engine, const ParsedBlock& block) {
  Bytes data;
  std::vector<uint64_t> offsets{0};
  for (const Bytes& tx : block.transactions) {
    data.insert(data.end(), tx.begin(), tx.end());
    offsets.push_back(data.size());
  }
  std::vector<Hash32> txids(block.transactions.size());
  Task task = HashTask{HashAlgorithm::kSha256d, PackedItems::Variable(data, offsets),
                       reinterpret_cast<uint8_t*>(txids.data())};
  REQUIRE(engine.Run(task).ok());
  return txids;
}

std::vector<Hash32> TxidsFromJson(const nlohmann::json& block) {
  std::vector<Hash32> txids;
  for (const auto& txid : block.at("txids")) {
    txids.push_back(Reversed(HashFromHex(txid.get<std::string>())));  // display -> internal
  }
  return txids;
}

TEST_CASE("Bitcoin Merkle roots of every block in blocks.json", "[merkle][bitcoin][vectors]") {
  const nlohmann::json doc = testing::ReadVectorJson("bitcoin/blocks.json");
  const auto& blocks = doc.at("blocks");
  REQUIRE(blocks.size() == 6);
  ThreadPool pool(2);
  for (const auto& block : blocks) {
    INFO("block " << block.at("name").get<std::string>());
    const std::vector<Hash32> txids = TxidsFromJson(block);
    REQUIRE(txids.size() == block.at("tx_count").get<size_t>());
    const std::vector<uint64_t> indices = AllIndices(txids.size());
    const Built built = Build(MerkleScheme::kBitcoin, txids, indices, &pool);
    const Hash32 root = built.task.root;
    CHECK(ToHex(root) == block.at("merkle_root_internal").get<std::string>());
    CHECK(ToHex(Reversed(root)) == block.at("merkle_root").get<std::string>());
    CHECK(ToHex(ByteView(FromHex(block.at("header_hex").get<std::string>())).subspan(36, 32)) ==
          ToHex(root));
    for (size_t i = 0; i < txids.size(); ++i) {
      CHECK(VerifyMerkleProof(MerkleScheme::kBitcoin, root, txids.size(), txids[i], i,
                              built.ProofBytes(i)) == ItemStatus::kOk);
    }
  }
}

TEST_CASE("Txids and Merkle root of raw blocks, block413567.raw included",
          "[merkle][bitcoin][vectors]") {
  const nlohmann::json doc = testing::ReadVectorJson("bitcoin/blocks.json");
  CpuEngine engine(CpuEngine::Options{2});
  size_t raw_blocks = 0;
  for (const auto& block : doc.at("blocks")) {
    const std::string name = block.at("name").get<std::string>();
    INFO("block " << name);
    Bytes raw;
    if (block.contains("raw_file") && block.at("raw_file").is_string()) {
      raw = testing::ReadVectorFile("bitcoin/" + block.at("raw_file").get<std::string>());
    } else if (block.at("raw_hex").is_string()) {
      raw = FromHex(block.at("raw_hex").get<std::string>());
    } else {
      continue;  // block100000: txids and header only
    }
    if (name == "block413567") REQUIRE(raw.size() == 999887);
    ++raw_blocks;
    const ParsedBlock parsed = ParseBlock(raw);
    const std::vector<Hash32> txids = Txids(engine, parsed);
    CHECK(txids == TxidsFromJson(block));

    Task task = MerkleBuildTask{};
    auto& build = std::get<MerkleBuildTask>(task);
    build.scheme = MerkleScheme::kBitcoin;
    build.leaves = PackedItems::Fixed(AsBytes(txids), 32);
    REQUIRE(engine.Run(task).ok());
    CHECK(ToHex(build.root) == ToHex(ByteView(parsed.header).subspan(36, 32)));
  }
  CHECK(raw_blocks == 5);
}

// ---- Published vectors of the other schemes -------------------------------------------

// Certificate Transparency's reference tree (RFC 6962 test data, as in Trillian's
// merkle/log_verifier_test.go): eight entries, the roots of their prefixes, and
// inclusion proofs (leaf index, tree size, path).
TEST_CASE("RFC 6962 roots and audit paths match the Certificate Transparency vectors",
          "[merkle][rfc6962][vectors]") {
  const std::vector<std::string> entries_hex = {
      "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
      "606162636465666768696a6b6c6d6e6f"};
  const std::vector<std::string> roots = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  struct Inclusion {
    uint64_t index;
    size_t tree_size;
    std::vector<std::string> path;
  };
  const std::vector<Inclusion> inclusions = {
      {0, 8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5, 8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1, 5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };

  Bytes data;
  std::vector<uint64_t> offsets{0};
  std::vector<Hash32> leaf_hashes;
  for (const std::string& hex : entries_hex) {
    const Bytes entry = FromHex(hex);
    data.insert(data.end(), entry.begin(), entry.end());
    offsets.push_back(data.size());
    leaf_hashes.push_back(testing::ReferenceRfc6962LeafHash(entry));
  }
  for (size_t size = 1; size <= entries_hex.size(); ++size) {
    INFO("tree size " << size);
    const std::vector<uint64_t> indices = AllIndices(size);
    const auto entries = PackedItems::Variable(data, std::span(offsets).first(size + 1));
    const Built from_entries =
        Build(MerkleScheme::kRfc6962, entries, indices, nullptr, false, true);
    CHECK(ToHex(from_entries.task.root) == roots[size - 1]);
    const std::vector<Hash32> prefix(leaf_hashes.begin(), leaf_hashes.begin() + size);
    const Built from_hashes = Build(MerkleScheme::kRfc6962, prefix, indices, nullptr);
    CHECK(ToHex(from_hashes.task.root) == roots[size - 1]);
    CHECK(from_hashes.task.proof_hashes == from_entries.task.proof_hashes);
    for (const Inclusion& inc : inclusions) {
      if (inc.tree_size != size) continue;
      INFO("leaf " << inc.index);
      std::vector<Hash32> expected;
      for (const auto& h : inc.path) expected.push_back(HashFromHex(h));
      CHECK(from_entries.Proof(inc.index) == expected);
      CHECK(VerifyMerkleProof(MerkleScheme::kRfc6962, from_entries.task.root, size,
                              leaf_hashes[inc.index], inc.index,
                              ProofView(expected)) == ItemStatus::kOk);
    }
  }
}

// OpenZeppelin merkle-tree's src/simple.test.ts: SimpleMerkleTree.of(leaves, opts) for
// leaves = 'abcdef'.split('').map(c => keccak256(c)), rendered as its array tree.
TEST_CASE("OZ roots and proofs match OpenZeppelin's SimpleMerkleTree vectors",
          "[merkle][oz][vectors]") {
  const std::vector<std::string> unsorted_tree = {
      "9012f1e18a87790d2e01faace75aaaca38e53df437cdce2c0552464dda4af49c",
      "68203f90e9d07dc5859259d7536e87a6ba9d345f2552b5b9de2999ddce9ce1bf",
      "f0b49bb4b0d9396e0315755ceafaa280707b32e75e6c9053f5cdf2679dcd5c6a",
      "d253a52d4cb00de2895e85f2529e2976e6aaaa5c18106b68ab66813e14415669",
      "805b21d846b189efaeb0377d6bb0d201b3872a363e607c25088f025b0c6ae1f8",
      "d1e8aeb79500496ef3dc2e57ba746a8315d048b7a664a2bf948db4fa91960483",
      "a8982c89d80987fb9a510e25981ee9170206be21af3c8e0eb312ef1d3382e761",
      "f1918e8562236eb17adc8502332f4c9c82bc14e19bfc0aa10ab674ff75b3d2f3",
      "0b42b6393c1f53060fe3ddbfcd7aadcca894465a5a438f69c87d790b2299b9b2",
      "b5553de315e0edf504d9150af82dafa5c4667fa618ed0a6f19c69b41166c5510",
      "3ac225168df54212a25c1c01fd35bebfea408fdac2e31ddd6f80a4bbf9a5f1cb"};
  const std::vector<std::string> sorted_tree = {
      "1b404f199ea828ec5771fb30139c222d8417a82175fefad5cd42bc3a189bd8d5",
      "ec554bdfb01d31fa838d0830339b0e6e8a70e0d55a8f172ffa8bebbf8e8d5ba0",
      "af46af0745b433e1d5bed9a04b1fdf4002f67a733c20db2fca5b2af6120d9bcb",
      "434d51cfeb80272378f4c3a8fd2824561c2cad9fce556ea600d46f20550976a6",
      "7dea550f679f3caab547cbbc5ee1a4c978c8c039b572ba00af1baa6481b88360",
      "f1918e8562236eb17adc8502332f4c9c82bc14e19bfc0aa10ab674ff75b3d2f3",
      "d1e8aeb79500496ef3dc2e57ba746a8315d048b7a664a2bf948db4fa91960483",
      "b5553de315e0edf504d9150af82dafa5c4667fa618ed0a6f19c69b41166c5510",
      "a8982c89d80987fb9a510e25981ee9170206be21af3c8e0eb312ef1d3382e761",
      "3ac225168df54212a25c1c01fd35bebfea408fdac2e31ddd6f80a4bbf9a5f1cb",
      "0b42b6393c1f53060fe3ddbfcd7aadcca894465a5a438f69c87d790b2299b9b2"};
  std::vector<Hash32> leaves;
  for (char c : std::string("abcdef")) {
    const uint8_t byte = static_cast<uint8_t>(c);
    leaves.push_back(testing::ReferenceKeccak256(ByteView(&byte, 1)));
  }
  const std::vector<uint64_t> indices = AllIndices(leaves.size());
  for (bool sort : {false, true}) {
    INFO("sortLeaves " << sort);
    const auto& tree_hex = sort ? sorted_tree : unsorted_tree;
    std::vector<Hash32> tree;
    for (const auto& h : tree_hex) tree.push_back(HashFromHex(h));
    const Built built = Build(MerkleScheme::kOzKeccakSorted, leaves, indices, nullptr, sort);
    CHECK(ToHex(built.task.root) == tree_hex[0]);
    for (size_t v = 0; v < leaves.size(); ++v) {
      // getProof(v): from the value's tree index, the sibling of each node up to the root.
      const size_t tree_index = static_cast<size_t>(
          std::find(tree.begin(), tree.end(), leaves[v]) - tree.begin());
      REQUIRE(tree_index >= leaves.size() - 1);
      std::vector<Hash32> expected;
      for (size_t i = tree_index; i > 0; i = (i - 1) / 2) {
        expected.push_back(tree[i % 2 == 1 ? i + 1 : i - 1]);
      }
      INFO("value " << v);
      CHECK(built.Proof(v) == expected);
      CHECK(VerifyMerkleProof(MerkleScheme::kOzKeccakSorted, built.task.root, 0, leaves[v], 0,
                              ProofView(expected)) == ItemStatus::kOk);
    }
  }
}

// ---- Against the naive references -----------------------------------------------------

struct SchemeCase {
  MerkleScheme scheme;
  bool sort_leaves;
  const char* name;
};

const SchemeCase kSchemeCases[] = {
    {MerkleScheme::kBitcoin, false, "BITCOIN"},
    {MerkleScheme::kRfc6962, false, "RFC6962"},
    {MerkleScheme::kOzKeccakSorted, false, "OZ"},
    {MerkleScheme::kOzKeccakSorted, true, "OZ sorted"},
};

// Checks every proof of `built` against the reference, that each verifies, and that
// corrupted ones do not.
void CheckProofs(const SchemeCase& sc, const std::vector<Hash32>& leaves,
                 const ReferenceTree& ref, const Built& built,
                 std::span<const uint64_t> indices, std::mt19937_64& rng) {
  const size_t n = leaves.size();
  const bool oz = sc.scheme == MerkleScheme::kOzKeccakSorted;
  const Hash32& root = built.task.root;
  for (size_t k = 0; k < indices.size(); ++k) {
    const uint64_t i = indices[k];
    INFO("leaf " << i);
    std::vector<Hash32> proof = built.Proof(k);
    REQUIRE(proof == ref.proofs[i]);
    if (!oz) CHECK(MerkleProofLength(sc.scheme, n, i) == proof.size());
    auto verify = [&](const std::vector<Hash32>& p, const Hash32& leaf, uint64_t index,
                      uint64_t count) {
      return VerifyMerkleProof(sc.scheme, root, count, leaf, index, ProofView(p));
    };
    REQUIRE(verify(proof, leaves[i], i, n) == ItemStatus::kOk);

    Hash32 wrong_leaf = leaves[i];
    wrong_leaf[rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8));
    CHECK(verify(proof, wrong_leaf, i, n) == ItemStatus::kInvalid);
    if (!proof.empty()) {
      std::vector<Hash32> flipped = proof;
      flipped[rng() % flipped.size()][rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8));
      CHECK(verify(flipped, leaves[i], i, n) == ItemStatus::kInvalid);
      std::vector<Hash32> shorter(proof.begin(), proof.end() - 1);
      CHECK(verify(shorter, leaves[i], i, n) ==
            (oz ? ItemStatus::kInvalid : ItemStatus::kMalformedProof));
    }
    std::vector<Hash32> longer = proof;
    longer.push_back(root);
    CHECK(verify(longer, leaves[i], i, n) ==
          (oz ? ItemStatus::kInvalid : ItemStatus::kMalformedProof));
    if (!oz) {
      CHECK(verify(proof, leaves[i], n, n) == ItemStatus::kIndexOutOfRange);
      CHECK(verify(proof, leaves[i], i, i) == ItemStatus::kIndexOutOfRange);
      for (uint64_t j : {i - 1, i + 1}) {
        if (j < n) CHECK(verify(proof, leaves[i], j, n) != ItemStatus::kOk);
      }
      if (n > 1) CHECK(verify(proof, leaves[i], i, 2 * n) != ItemStatus::kOk);
    }
  }
}

TEST_CASE("Every scheme matches its naive reference for 1..300 leaves",
          "[merkle][reference][random]") {
  auto rng = testing::MakeRng("merkle 1..300");
  ThreadPool pool(2);
  for (const SchemeCase& sc : kSchemeCases) {
    for (size_t n = 1; n <= 300; ++n) {
      INFO(sc.name << " with " << n << " leaves");
      std::vector<Hash32> leaves = RandomLeaves(rng, n);
      if (sc.sort_leaves && n > 3) leaves[n / 2] = leaves[n / 3];  // a duplicate value
      const ReferenceTree ref = testing::BuildReferenceTree(sc.scheme, leaves, sc.sort_leaves);
      const std::vector<uint64_t> indices = AllIndices(n);
      const Built built = Build(sc.scheme, leaves, indices, &pool, sc.sort_leaves);
      REQUIRE(ToHex(built.task.root) == ToHex(ref.root));
      CheckProofs(sc, leaves, ref, built, indices, rng);
    }
  }
}

TEST_CASE("RFC 6962 raw entries hash to the leaf hashes' tree", "[merkle][rfc6962][random]") {
  auto rng = testing::MakeRng("merkle rfc6962 entries");
  for (size_t n : {1, 2, 3, 7, 100, 1500}) {
    INFO(n << " entries");
    Bytes data;
    std::vector<uint64_t> offsets{0};
    std::vector<Hash32> leaf_hashes;
    for (size_t i = 0; i < n; ++i) {
      const Bytes entry = testing::RandomBytes(rng, testing::RandomSize(rng, 0, 100));
      data.insert(data.end(), entry.begin(), entry.end());
      offsets.push_back(data.size());
      leaf_hashes.push_back(testing::ReferenceRfc6962LeafHash(entry));
    }
    const std::vector<uint64_t> indices = AllIndices(n);
    ThreadPool pool(2);
    const Built built = Build(MerkleScheme::kRfc6962, PackedItems::Variable(data, offsets),
                              indices, &pool, false, true);
    const ReferenceTree ref = testing::BuildReferenceTree(MerkleScheme::kRfc6962, leaf_hashes);
    CHECK(built.task.root == ref.root);
    for (size_t i = 0; i < n; ++i) CHECK(built.Proof(i) == ref.proofs[i]);
  }
}

TEST_CASE("Large trees built in parallel match the references", "[merkle][reference][large]") {
  auto rng = testing::MakeRng("merkle large");
  ThreadPool pool(3);
  for (const SchemeCase& sc : kSchemeCases) {
    for (size_t n : {1023, 1024, 1025, 4097, 65536, 100003}) {
      INFO(sc.name << " with " << n << " leaves");
      const std::vector<Hash32> leaves = RandomLeaves(rng, n);
      const ReferenceTree ref = testing::BuildReferenceTree(sc.scheme, leaves, sc.sort_leaves);
      std::vector<uint64_t> indices = {0, n - 1, n / 2, n / 2 + 1};
      for (int k = 0; k < 60; ++k) indices.push_back(rng() % n);
      const Built parallel = Build(sc.scheme, leaves, indices, &pool, sc.sort_leaves);
      const Built serial = Build(sc.scheme, leaves, indices, nullptr, sc.sort_leaves);
      REQUIRE(ToHex(parallel.task.root) == ToHex(ref.root));
      REQUIRE(serial.task.root == parallel.task.root);
      REQUIRE(serial.task.proof_hashes == parallel.task.proof_hashes);
      CheckProofs(sc, leaves, ref, parallel, indices, rng);
    }
  }
}

// 2^24 leaves (512 MiB of them): the build must fit in memory and finish in seconds.
// The root is checked against plain level-by-level loops.
TEST_CASE("A BITCOIN tree of 2^24 leaves builds in parallel", "[merkle][bitcoin][huge]") {
  auto rng = testing::MakeRng("merkle 2^24");
  constexpr size_t kLeaves = size_t{1} << 24;
  const std::vector<Hash32> leaves = RandomLeaves(rng, kLeaves);
  const std::vector<uint64_t> indices = {0, 12345, kLeaves - 1};
  CpuEngine engine(CpuEngine::Options{0});
  Task task = MerkleBuildTask{};
  auto& build = std::get<MerkleBuildTask>(task);
  build.scheme = MerkleScheme::kBitcoin;
  build.leaves = PackedItems::Fixed(AsBytes(leaves), 32);
  build.proof_indices = indices;
  REQUIRE(engine.Run(task).ok());

  // The roots of the two halves, one thread each, then the root above them. A power of
  // two of leaves has no odd level.
  auto half_root = [&leaves](size_t begin, Hash32* root) {
    std::vector<Hash32> level(leaves.begin() + begin, leaves.begin() + begin + kLeaves / 2);
    while (level.size() > 1) {
      for (size_t j = 0; j < level.size() / 2; ++j) {
        level[j] = testing::ReferenceSha256d(AsBytes(level).subspan(64 * j, 64));
      }
      level.resize(level.size() / 2);
    }
    *root = level[0];
  };
  std::vector<Hash32> halves(2);
  std::thread left(half_root, 0, &halves[0]);
  half_root(kLeaves / 2, &halves[1]);
  left.join();
  CHECK(build.root == testing::ReferenceSha256d(AsBytes(halves)));
  REQUIRE(build.proof_lengths == std::vector<uint32_t>{24, 24, 24});
  for (size_t k = 0; k < indices.size(); ++k) {
    CHECK(VerifyMerkleProof(MerkleScheme::kBitcoin, build.root, kLeaves, leaves[indices[k]],
                            indices[k],
                            ByteView(build.proof_hashes).subspan(k * 24 * 32, 24 * 32)) ==
          ItemStatus::kOk);
  }
}

// ---- Edge cases -----------------------------------------------------------------------

TEST_CASE("OZ sorting keeps duplicate values in input order", "[merkle][oz]") {
  auto rng = testing::MakeRng("merkle oz duplicates");
  for (size_t n : {2, 5, 16, 33, 300, 5000}) {
    INFO(n << " leaves");
    const std::vector<Hash32> distinct = RandomLeaves(rng, 4);
    std::vector<Hash32> leaves(n);
    for (auto& leaf : leaves) leaf = distinct[rng() % distinct.size()];
    const ReferenceTree ref =
        testing::BuildReferenceTree(MerkleScheme::kOzKeccakSorted, leaves, true);
    const std::vector<uint64_t> indices = AllIndices(n);
    ThreadPool pool(2);
    const Built built = Build(MerkleScheme::kOzKeccakSorted, leaves, indices, &pool, true);
    CHECK(built.task.root == ref.root);
    for (size_t i = 0; i < n; ++i) CHECK(built.Proof(i) == ref.proofs[i]);
  }
}

TEST_CASE("Zero and one leaf", "[merkle][edge]") {
  MerkleBuildTask empty;
  empty.scheme = MerkleScheme::kRfc6962;
  REQUIRE(BuildMerkleTree(empty, nullptr).ok());
  CHECK(ToHex(empty.root) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  empty.leaves_are_entries = true;
  REQUIRE(BuildMerkleTree(empty, nullptr).ok());
  CHECK(ToHex(empty.root) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  for (MerkleScheme scheme : {MerkleScheme::kBitcoin, MerkleScheme::kOzKeccakSorted}) {
    MerkleBuildTask none;
    none.scheme = scheme;
    CHECK(BuildMerkleTree(none, nullptr).code() == Status::Code::kInvalidArgument);
  }

  // One leaf: the root is the leaf (BITCOIN, OZ, RFC 6962 leaf hash), the proof empty.
  const std::vector<Hash32> one = {HashFromHex(
      "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")};
  const std::vector<uint64_t> index0 = {0};
  for (const SchemeCase& sc : kSchemeCases) {
    INFO(sc.name);
    const Built built = Build(sc.scheme, one, index0, nullptr, sc.sort_leaves);
    CHECK(built.task.root == one[0]);
    CHECK(built.task.proof_lengths == std::vector<uint32_t>{0});
    CHECK(VerifyMerkleProof(sc.scheme, one[0], 1, one[0], 0, {}) == ItemStatus::kOk);
  }
}

TEST_CASE("Build rejects tasks that break the REQUIRES of task.h", "[merkle][edge]") {
  const std::vector<Hash32> leaves(3);
  const std::vector<uint64_t> out_of_range = {3};
  MerkleBuildTask task;
  task.scheme = MerkleScheme::kBitcoin;
  task.leaves = PackedItems::Fixed(AsBytes(leaves), 32);
  task.proof_indices = out_of_range;
  CHECK(BuildMerkleTree(task, nullptr).code() == Status::Code::kInvalidArgument);
  task.proof_indices = {};
  task.leaves_are_entries = true;
  CHECK(BuildMerkleTree(task, nullptr).code() == Status::Code::kInvalidArgument);
  task.leaves_are_entries = false;
  task.sort_leaves = true;
  CHECK(BuildMerkleTree(task, nullptr).code() == Status::Code::kInvalidArgument);
  task.sort_leaves = false;
  task.leaves = PackedItems::Fixed(AsBytes(leaves), 16);
  CHECK(BuildMerkleTree(task, nullptr).code() == Status::Code::kInvalidArgument);
  task.leaves = PackedItems::Fixed(AsBytes(leaves), 32);
  task.scheme = static_cast<MerkleScheme>(9);
  CHECK(BuildMerkleTree(task, nullptr).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("Proof lengths follow the closed forms of docs/merkle.md", "[merkle][edge]") {
  for (uint64_t n = 1; n <= 600; ++n) {
    const uint64_t ceil_log2 = std::bit_width(n - 1);
    for (uint64_t m = 0; m < n; ++m) {
      INFO("leaf " << m << " of " << n);
      CHECK(MerkleProofLength(MerkleScheme::kBitcoin, n, m) == ceil_log2);
      const uint64_t inner = std::bit_width(m ^ (n - 1));
      const uint64_t border = inner < 64 ? std::popcount(m >> inner) : 0;
      CHECK(MerkleProofLength(MerkleScheme::kRfc6962, n, m) == inner + border);
    }
  }
}

TEST_CASE("VerifyMerkleProof reports malformed input per item", "[merkle][edge]") {
  const Hash32 root{};
  const Hash32 leaf{};
  const Bytes ragged(33);
  CHECK(VerifyMerkleProof(MerkleScheme::kBitcoin, root, 4, leaf, 0, ragged) ==
        ItemStatus::kMalformedProof);
  CHECK(VerifyMerkleProof(MerkleScheme::kOzKeccakSorted, root, 0, leaf, 0, ragged) ==
        ItemStatus::kMalformedProof);
  CHECK(VerifyMerkleProof(MerkleScheme::kRfc6962, root, 0, leaf, 0, {}) ==
        ItemStatus::kIndexOutOfRange);
  CHECK(VerifyMerkleProof(MerkleScheme::kBitcoin, root, 1, ByteView(ragged).first(31), 0, {}) ==
        ItemStatus::kInvalid);
  // The largest trees: proof lengths stay exact at the top of the index range.
  const uint64_t max = ~uint64_t{0};
  CHECK(MerkleProofLength(MerkleScheme::kBitcoin, max, max - 1) == 64);
  CHECK(MerkleProofLength(MerkleScheme::kRfc6962, max, max - 1) == 63);
  CHECK(MerkleProofLength(MerkleScheme::kRfc6962, max, 0) == 64);
}

}  // namespace
}  // namespace chainaccel
