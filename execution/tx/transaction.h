// Transactions of ExecutionService: their fields, the digest a signature signs, and the
// sender's address (docs/execution.md, "Transactions").
//
// The small target chainaccel_execution_tx: what a client needs to make and sign a
// transaction, without the VM, the state store or the executors (no WABT, no RocksDB).
// Thread-safe: the functions share no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/task.h"

namespace chainaccel::exec {

// Values equal the proto's TxSignatureScheme.
enum class TxScheme : uint8_t { kEd25519 = 1, kSecp256k1 = 2 };

struct Transaction {
  TxScheme scheme = TxScheme::kEd25519;
  std::string public_key;  // Ed25519: 32 bytes; secp256k1: 33 (compressed) or 65 bytes
  std::string signature;   // 64 bytes (secp256k1: compact r || s, low S)
  Hash32 contract{};
  std::string function;
  std::string input;
  uint64_t gas_limit = 0;
  uint64_t nonce = 0;  // signed, not checked: lets a sender make equal calls distinct
};

// The 32-byte digest a transaction's signature signs (docs/execution.md, "Transactions"):
// SHA-256 of TransactionPreimage(tx).
Hash32 TransactionDigest(const Transaction& tx);
// The bytes whose SHA-256 is the digest (a block's signature batch hands these to the
// engine with pre-hash SHA-256, so that the hashing runs on its threads or its GPU).
std::string TransactionPreimage(const Transaction& tx);

// The address of a public key: SHA-256 of its bytes.
Hash32 SenderAddress(std::string_view public_key);

}  // namespace chainaccel::exec
