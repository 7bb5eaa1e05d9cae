// Host tests of kernels/bip340.cuh and kernels/bip340_records.h: the challenge's midstate
// derived again from its tag, the challenge against SHA-256 of the whole tagged message
// (OpenSSL) for every message length across the block boundaries, the staging of records,
// and VerifyBip340Record run on the CPU against the CPU engine's VerifySchnorrBip340
// (libsecp256k1) on BIP-340's vectors, adversarial encodings and random valid and
// corrupted signatures. Replayable seed: CHAINACCEL_TEST_SEED.
#include "kernels/bip340.cuh"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/signatures.h"
#include "kernels/bip340_records.h"
#include "tests/support/bip340_cases.h"
#include "tests/support/random.h"
#include "tests/support/reference_hashes.h"
#include "tests/support/signature_batch.h"
#include "tests/support/vectors.h"

namespace chainaccel::kernels {
namespace {

using testing::Bytes;

constexpr std::string_view kChallengeTag = "BIP0340/challenge";

TEST_CASE("BIP-340 challenge midstate is the compression of SHA256(tag) twice",
          "[bip340]") {
  const Hash32 tag = testing::ReferenceSha256(
      ByteView(reinterpret_cast<const uint8_t*>(kChallengeTag.data()), kChallengeTag.size()));
  uint32_t block[16];
  for (int j = 0; j < 8; ++j) {
    block[j] = LoadBe32(tag.data() + 4 * j);
    block[8 + j] = block[j];
  }
  uint32_t state[8];
  Sha256Init(state);
  Sha256Compress(state, block);
  for (int i = 0; i < 8; ++i) CHECK(state[i] == Bip340ChallengeMidstate(i));
}

TEST_CASE("BIP-340 challenge equals SHA-256 of tag || tag || r || P || m mod n, any length",
          "[bip340]") {
  auto rng = testing::MakeRng("bip340 challenge");
  const Hash32 tag = testing::ReferenceSha256(
      ByteView(reinterpret_cast<const uint8_t*>(kChallengeTag.data()), kChallengeTag.size()));
  for (size_t length = 0; length <= 300; ++length) {
    const Bytes r = testing::RandomBytes(rng, 32);
    const Bytes key = testing::RandomBytes(rng, 32);
    // One byte of slack in front, so that the message sits at an odd address.
    Bytes storage = testing::RandomBytes(rng, length + 1);
    const uint8_t* message = storage.data() + 1;
    Bytes whole(tag.begin(), tag.end());
    whole.insert(whole.end(), tag.begin(), tag.end());
    whole.insert(whole.end(), r.begin(), r.end());
    whole.insert(whole.end(), key.begin(), key.end());
    whole.insert(whole.end(), message, message + length);
    const Hash32 digest = testing::ReferenceSha256(whole);
    const U256 expected = ModReduce<Fn>(U256FromBytesBE(digest.data()));
    INFO("message of " << length << " bytes");
    CHECK(U256Equal(Bip340Challenge(r.data(), key.data(), message, length), expected));
  }
  // A digest >= n (probability ~2^-128, so never drawn above) is reduced: n + 5 -> 5.
  U256 above = Fn::Modulus();
  above.w[0] += 5;
  CHECK(U256Equal(ModReduce<Fn>(above), U256Small(5)));
}

TEST_CASE("StageBip340Record copies key and signature and flags wrong sizes", "[bip340]") {
  testing::SignatureBatch batch;
  const Bytes key(32, 0xAB);
  Bytes signature(64);
  for (size_t i = 0; i < signature.size(); ++i) signature[i] = static_cast<uint8_t>(i + 1);
  batch.Add(Bytes(5, 1), key, signature, "well sized");
  batch.Add(Bytes(), Bytes(33, 2), signature, "33-byte key");
  batch.Add(Bytes(), key, Bytes(63, 3), "63-byte signature");
  batch.Add(Bytes(), Bytes(), Bytes(), "empty key and signature");
  const SignatureVerifyTask task = batch.Task({SignatureScheme::kSchnorrBip340});
  std::vector<uint8_t> record(kBip340RecordBytes, 0xEE);
  StageBip340Record(task, 0, record.data());
  CHECK(std::memcmp(record.data() + kBip340KeyOffset, key.data(), 32) == 0);
  CHECK(std::memcmp(record.data() + kBip340ROffset, signature.data(), 64) == 0);
  CHECK(record[kBip340FlagsOffset] == 0);
  for (int i = kBip340FlagsOffset + 1; i < kBip340RecordBytes; ++i) CHECK(record[i] == 0);
  StageBip340Record(task, 1, record.data());
  CHECK(record[kBip340FlagsOffset] == kBip340FlagBadKeySize);
  CHECK(std::memcmp(record.data() + kBip340ROffset, signature.data(), 64) == 0);
  CHECK(record[0] == 0);
  StageBip340Record(task, 2, record.data());
  CHECK(record[kBip340FlagsOffset] == kBip340FlagBadSignatureSize);
  CHECK(record[kBip340ROffset] == 0);
  StageBip340Record(task, 3, record.data());
  CHECK(record[kBip340FlagsOffset] == (kBip340FlagBadKeySize | kBip340FlagBadSignatureSize));
}

// Every item through StageBip340Record and VerifyBip340Record on the host, and through
// the split kernel's roles (RunSplitRolesInOrder), against the CPU engine's status.
void CheckOnHost(const testing::SignatureBatch& batch) {
  const SignatureVerifyTask task = batch.Task({SignatureScheme::kSchnorrBip340});
  const AffinePoint* table = Secp256k1GeneratorTable().data();
  uint8_t record[kBip340RecordBytes];
  for (size_t i = 0; i < batch.size(); ++i) {
    StageBip340Record(task, i, record);
    const ByteView message = task.messages[i];
    const ItemStatus got = VerifyBip340Record(record, message.data(), message.size(), table);
    const uint64_t offsets[2] = {0, message.size()};
    uint8_t split_status = 0xEE;
    const Bip340VerifyRoles roles{
        {}, record, message.data(), offsets, nullptr, table, &split_status};
    RunSplitRolesInOrder(roles, 0);
    INFO("item " << i << ": " << batch.what[i]);
    const ItemStatus cpu = VerifySchnorrBip340(message, task.public_keys[i], task.signatures[i]);
    REQUIRE(int(got) == int(cpu));
    REQUIRE(int(split_status) == int(cpu));
    split_status = 0xEE;
    RunSplitRolesInOrder(Secp256k1QuadHalves<Bip340VerifyRoles>{roles}, 0);
    REQUIRE(int(split_status) == int(cpu));
  }
}

TEST_CASE("VerifyBip340Record on the host honours every BIP-340 vector as the CPU does",
          "[bip340][vectors]") {
  testing::SignatureBatch batch;
  const auto vectors = testing::ReadBip340Vectors();
  REQUIRE(vectors.size() == 19);
  const AffinePoint* table = Secp256k1GeneratorTable().data();
  uint8_t record[kBip340RecordBytes];
  for (const auto& v : vectors) {
    batch.Add(v.message, v.public_key, v.signature, "vector " + std::to_string(v.index));
    const SignatureVerifyTask task = batch.Task({SignatureScheme::kSchnorrBip340});
    StageBip340Record(task, batch.size() - 1, record);
    INFO("vector " << v.index << " (" << v.message.size() << "-byte message): " << v.comment);
    CHECK((VerifyBip340Record(record, v.message.data(), v.message.size(), table) ==
           ItemStatus::kOk) == v.valid);
  }
  CheckOnHost(batch);
}

TEST_CASE("VerifyBip340Record on the host: adversarial, valid and corrupted as the CPU",
          "[bip340][random]") {
  auto rng = testing::MakeRng("bip340 host");
  testing::SignatureBatch batch;
  testing::AddBip340AdversarialCases(rng, &batch);
  REQUIRE(batch.size() == testing::kBip340AdversarialCount);
  testing::AddBip340ValidCases(rng, 60, &batch);
  testing::AddBip340CorruptedCases(rng, 60, &batch);
  CheckOnHost(batch);
}

}  // namespace
}  // namespace chainaccel::kernels
