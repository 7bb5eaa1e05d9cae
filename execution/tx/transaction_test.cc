#include "execution/tx/transaction.h"

#include <catch2/catch.hpp>

#include "tests/support/vectors.h"

namespace chainaccel::exec {
namespace {

using chainaccel::testing::ToHex;

Transaction VectorTransaction() {
  Transaction tx;
  tx.scheme = TxScheme::kEd25519;
  tx.public_key.assign(32, '\x11');
  tx.contract.fill(0x22);
  tx.function.assign(1, 'f');  // (GCC 12 warns -Wrestrict, falsely, on = "f")
  tx.input = std::string("\x01\x02", 2);
  tx.gas_limit = 1000;
  tx.nonce = 7;
  return tx;
}

std::string Hex(const Hash32& h) { return ToHex(ByteView(h.data(), h.size())); }

// The expected digests were computed by hand from docs/execution.md's layout with
// Python's hashlib (struct.pack(">I") / (">Q") for the integers), not with this code.
TEST_CASE("Transaction digest without a proof is the original layout", "[tx]") {
  const Transaction tx = VectorTransaction();
  CHECK(TransactionPreimage(tx).size() == 112);
  CHECK(Hex(TransactionDigest(tx)) ==
        "0ef4b1f8a73c1f235c5796aa610be90916ecf57651b7e378cb5b95a150c97533");
}

TEST_CASE("Transaction digest with a proof covers key id, proof and signals", "[tx][proof]") {
  Transaction tx = VectorTransaction();
  const std::string without = TransactionPreimage(tx);
  tx.proof.emplace();
  tx.proof->verifying_key_id.fill(0x33);
  for (size_t i = 0; i < kTxProofBytes; ++i) tx.proof->proof[i] = static_cast<uint8_t>(i);
  // No signals: 0x01 || key id || proof || u32be(0).
  CHECK(Hex(TransactionDigest(tx)) ==
        "5e907ee1d72b7541e4201cd690f563878aea82ec5af3f082411b116bc6108a09");
  Hash32 a, b;
  a.fill(0x44);
  b.fill(0x55);
  tx.proof->public_signals = {a, b};
  const std::string with = TransactionPreimage(tx);
  CHECK(with.size() == 112 + 1 + 32 + 256 + 4 + 64);
  CHECK(with.compare(0, without.size(), without) == 0);  // the old preimage, then the proof
  CHECK(Hex(TransactionDigest(tx)) ==
        "c193bcac6ef5a2a1db25310f2cf29fc333abf3ce5ecd5c97b334cdea8ebb28a1");
  // Every part is signed: changing any of them changes the digest.
  const Hash32 digest = TransactionDigest(tx);
  Transaction other = tx;
  other.proof->public_signals[1][31] ^= 1;
  CHECK(TransactionDigest(other) != digest);
  other = tx;
  other.proof->proof[100] ^= 1;
  CHECK(TransactionDigest(other) != digest);
  other = tx;
  other.proof->verifying_key_id[0] ^= 1;
  CHECK(TransactionDigest(other) != digest);
  other = tx;
  other.proof->public_signals.pop_back();
  CHECK(TransactionDigest(other) != digest);
}

TEST_CASE("Next-nonce records: NONCES, the state key and the value encoding", "[tx][nonce]") {
  // SHA-256("chainaccel-nonces-v1"), computed with Python's hashlib.
  CHECK(Hex(NoncesAddress()) ==
        "c962041d49d2b8af714e8acec8ee185cd43cd0217a279804919958e94ac38291");
  Hash32 sender;
  sender.fill(0x5E);
  const std::string key = NonceStateKey(sender);
  CHECK(key == std::string(NoncesAddress().begin(), NoncesAddress().end()) +
                   std::string(sender.begin(), sender.end()));
  CHECK(EncodeNextNonce(0x0102030405060708) == "\x01\x02\x03\x04\x05\x06\x07\x08");
  uint64_t next = 0;
  CHECK(DecodeNextNonce(EncodeNextNonce(0xFFFFFFFFFFFFFFFE), &next));
  CHECK(next == 0xFFFFFFFFFFFFFFFE);
  CHECK_FALSE(DecodeNextNonce("1234567", &next));
  CHECK_FALSE(DecodeNextNonce("123456789", &next));
}

}  // namespace
}  // namespace chainaccel::exec
