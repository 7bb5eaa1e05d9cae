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

}  // namespace

std::string TransactionPreimage(const Transaction& tx) {
  std::string m = "chainaccel-tx-v1";
  m.push_back(static_cast<char>(tx.scheme));
  PutU32(m, static_cast<uint32_t>(tx.public_key.size()));
  m += tx.public_key;
  m.append(reinterpret_cast<const char*>(tx.contract.data()), tx.contract.size());
  PutU32(m, static_cast<uint32_t>(tx.function.size()));
  m += tx.function;
  PutU32(m, static_cast<uint32_t>(tx.input.size()));
  m += tx.input;
  PutU64(m, tx.gas_limit);
  PutU64(m, tx.nonce);
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

}  // namespace chainaccel::exec
