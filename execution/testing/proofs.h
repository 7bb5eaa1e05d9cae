// Groth16 material for the exec tests and benchmarks of proof-carrying transactions: a
// verifying key whose trapdoor is known and proofs that verify under it (the simulator of
// crypto/groth16/testing/snark_files.h: real, valid Groth16 proofs for any signals, made
// without a circuit), and registration transactions.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "execution/testing/transactions.h"
#include "execution/tx/transaction.h"

namespace chainaccel::exec::testing {

// A key of n_public signals. Not thread-safe (one rng).
class TestVerifyingKey {
 public:
  TestVerifyingKey(uint32_t n_public, uint64_t seed);
  TestVerifyingKey(TestVerifyingKey&&) noexcept;
  TestVerifyingKey& operator=(TestVerifyingKey&&) noexcept;
  ~TestVerifyingKey();

  // The canonical encoding (execution/tx/verifying_key.h) and the key id.
  const std::string& encoding() const { return encoding_; }
  const Hash32& id() const { return id_; }
  uint32_t n_public() const { return n_public_; }

  // A proof that verifies for `signals` under this key. REQUIRES: signals.size() ==
  // n_public(), each < r.
  TransactionProof Prove(const std::vector<Hash32>& signals);

 private:
  struct Setup;
  std::unique_ptr<Setup> setup_;
  std::string encoding_;
  Hash32 id_{};
  uint32_t n_public_ = 0;
};

// 32 bytes big-endian of v (a public signal).
Hash32 Signal(uint64_t v);
// r itself, 32 bytes big-endian: the smallest signal that is not below r.
Hash32 FieldOrderSignal();

// An Ed25519-signed call that carries `proof`.
Transaction SignedProofCall(const Account& from, const Hash32& contract,
                            std::string_view function, std::string input, uint64_t gas_limit,
                            uint64_t nonce, TransactionProof proof);
// A signed call of the registry's "register" with `encoding`.
Transaction RegisterKey(const Account& from, const std::string& encoding, uint64_t nonce,
                        uint64_t gas_limit = 1'000'000);

}  // namespace chainaccel::exec::testing
