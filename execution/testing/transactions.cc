#include "execution/testing/transactions.h"

namespace chainaccel::exec::testing {

Account MakeAccount(std::mt19937_64& rng) {
  Account a;
  a.key = chainaccel::testing::MakeEd25519Key(rng);
  a.address = SenderAddress(std::string_view(
      reinterpret_cast<const char*>(a.key.public_key.data()), a.key.public_key.size()));
  return a;
}

Transaction SignedCall(const Account& from, const Hash32& contract, std::string_view function,
                       std::string input, uint64_t gas_limit, uint64_t nonce) {
  Transaction tx;
  tx.scheme = TxScheme::kEd25519;
  tx.public_key.assign(from.key.public_key.begin(), from.key.public_key.end());
  tx.contract = contract;
  tx.function = function;
  tx.input = std::move(input);
  tx.gas_limit = gas_limit;
  tx.nonce = nonce;
  Sign(from, &tx);
  return tx;
}

void Sign(const Account& from, Transaction* tx) {
  const Hash32 digest = TransactionDigest(*tx);
  const auto sig = chainaccel::testing::SignEd25519(from.key, digest);
  tx->signature.assign(sig.begin(), sig.end());
}

std::string U64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

uint64_t ParseU64(std::string_view le8) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < le8.size(); ++i) {
    v |= uint64_t{static_cast<uint8_t>(le8[i])} << (8 * i);
  }
  return v;
}

std::string AddressBytes(const Hash32& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

}  // namespace chainaccel::exec::testing
