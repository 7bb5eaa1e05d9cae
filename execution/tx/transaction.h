// Transactions of ExecutionService: their fields, the digest a signature signs, the
// sender's address and where the sender's next nonce lives (docs/execution.md,
// "Transactions", "Nonces" and "Proof-carrying transactions").
//
// The small target chainaccel_execution_tx: what a client needs to make and sign a
// transaction, without the VM, the state store or the executors (no WABT, no RocksDB).
// Thread-safe: the functions share no state.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.h"

namespace chainaccel::exec {

// Values equal the proto's TxSignatureScheme.
enum class TxScheme : uint8_t { kEd25519 = 1, kSecp256k1 = 2 };

// A Groth16 proof (BN254) a transaction carries (the proto's TransactionProof). The
// sizes are fixed here; what the bytes mean (points on the curve, signals below r, the
// key registered) is checked when the block runs.
inline constexpr size_t kTxProofBytes = 256;
struct TransactionProof {
  Hash32 verifying_key_id{};  // a key of the on-chain registry
  // A || B || C in the EIP-196/197 encodings (ProofVerifyTask's layout).
  std::array<uint8_t, kTxProofBytes> proof{};
  std::vector<Hash32> public_signals;  // 32 bytes big-endian each
  bool operator==(const TransactionProof&) const = default;
};

struct Transaction {
  TxScheme scheme = TxScheme::kEd25519;
  std::string public_key;  // Ed25519: 32 bytes; secp256k1: 33 (compressed) or 65 bytes
  std::string signature;   // 64 bytes (secp256k1: compact r || s, low S)
  Hash32 contract{};
  std::string function;
  std::string input;
  uint64_t gas_limit = 0;
  // Must equal the sender's next nonce (docs/execution.md, "Nonces"), else BAD_NONCE.
  uint64_t nonce = 0;
  std::optional<TransactionProof> proof;  // absent: the transaction carries none
};

// The 32-byte digest a transaction's signature signs (docs/execution.md, "Transactions"):
// SHA-256 of TransactionPreimage(tx).
Hash32 TransactionDigest(const Transaction& tx);
// The bytes whose SHA-256 is the digest (a block's signature batch hands these to the
// engine with pre-hash SHA-256, so that the hashing runs on its threads or its GPU).
// Without a proof: "chainaccel-tx-v1" || scheme || the length-prefixed fields. With one,
// followed by 0x01 || verifying_key_id || proof || u32be(n) || the n signals, so that
// the signature covers the proof and its signals.
std::string TransactionPreimage(const Transaction& tx);

// The address of a public key: SHA-256 of its bytes.
Hash32 SenderAddress(std::string_view public_key);

// NONCES = SHA-256("chainaccel-nonces-v1"): the reserved address under which the
// executors keep every sender's next nonce (docs/execution.md, "Nonces"). No contract
// lives there (a contract's address is SHA-256("chainaccel-contract-v1" || ...)), so no
// contract can read or write these keys.
const Hash32& NoncesAddress();

// The state key of a sender's next nonce: NONCES || sender address (64 bytes). Its value
// is u64be(next nonce); absent means 0 (no transaction of the sender has run yet).
std::string NonceStateKey(const Hash32& sender);

// The 8-byte value of a next-nonce record: u64be(next).
std::string EncodeNextNonce(uint64_t next);
// The next nonce a record holds; false when `value` is not 8 bytes.
bool DecodeNextNonce(std::string_view value, uint64_t* next);

}  // namespace chainaccel::exec
