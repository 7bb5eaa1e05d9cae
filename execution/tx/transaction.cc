#include "execution/tx/transaction.h"

#include "crypto/hashes.h"

namespace chainaccel::exec {
namespace {

void PutU32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
ByteView Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
template <size_t N>
void PutBytes(std::string& out, const std::array<uint8_t, N>& bytes) {
  out.append(reinterpret_cast<const char*>(bytes.data()), N);
}

// 0x01 || verifying_key_id || proof || u32be(n) || signals (docs/execution.md,
// "Proof-carrying transactions").
void PutProof(std::string& out, const TransactionProof& proof) {
  out.push_back('\x01');
  PutBytes(out, proof.verifying_key_id);
  PutBytes(out, proof.proof);
  PutU32(out, static_cast<uint32_t>(proof.public_signals.size()));
  for (const Hash32& signal : proof.public_signals) PutBytes(out, signal);
}

}  // namespace

std::string TransactionPreimage(const Transaction& tx) {
  std::string m = "chainaccel-tx-v1";
  m.push_back(static_cast<char>(tx.scheme));
  PutU32(m, static_cast<uint32_t>(tx.public_key.size()));
  m += tx.public_key;
  PutBytes(m, tx.contract);
  PutU32(m, static_cast<uint32_t>(tx.function.size()));
  m += tx.function;
  PutU32(m, static_cast<uint32_t>(tx.input.size()));
  m += tx.input;
  PutU64(m, tx.gas_limit);
  PutU64(m, tx.nonce);
  if (tx.proof) PutProof(m, *tx.proof);
  return m;
}

Hash32 TransactionDigest(const Transaction& tx) {
  const std::string m = TransactionPreimage(tx);
  Hash32 digest;
  Sha256(Bytes(m), digest.data());
  return digest;
}

Hash32 SenderAddress(std::string_view public_key) {
  Hash32 a;
  Sha256(Bytes(public_key), a.data());
  return a;
}

const Hash32& NoncesAddress() {
  static const Hash32 address = [] {
    Hash32 a;
    Sha256(Bytes("chainaccel-nonces-v1"), a.data());
    return a;
  }();
  return address;
}

std::string NonceStateKey(const Hash32& sender) {
  std::string key;
  PutBytes(key, NoncesAddress());
  PutBytes(key, sender);
  return key;
}

std::string EncodeNextNonce(uint64_t next) {
  std::string value;
  PutU64(value, next);
  return value;
}

bool DecodeNextNonce(std::string_view value, uint64_t* next) {
  if (value.size() != 8) return false;
  *next = 0;
  for (char c : value) *next = (*next << 8) | static_cast<uint8_t>(c);
  return true;
}

}  // namespace chainaccel::exec
