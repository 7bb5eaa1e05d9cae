#include "execution/testing/proofs.h"

#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/testing/snark_files.h"
#include "execution/tx/verifying_key.h"

namespace chainaccel::exec::testing {

struct TestVerifyingKey::Setup {
  std::mt19937_64 rng;
  groth16::testing::SimulatedSetup simulated;
};

TestVerifyingKey::TestVerifyingKey(uint32_t n_public, uint64_t seed)
    : setup_(std::make_unique<Setup>()), n_public_(n_public) {
  setup_->rng.seed(seed);
  setup_->simulated = groth16::testing::MakeSimulatedSetup(n_public, setup_->rng);
  encoding_ = groth16::EncodeVerifyingKeyEip197(setup_->simulated.vk);
  id_ = VerifyingKeyId(encoding_);
}

TestVerifyingKey::TestVerifyingKey(TestVerifyingKey&&) noexcept = default;
TestVerifyingKey& TestVerifyingKey::operator=(TestVerifyingKey&&) noexcept = default;
TestVerifyingKey::~TestVerifyingKey() = default;

TransactionProof TestVerifyingKey::Prove(const std::vector<Hash32>& signals) {
  std::vector<groth16::Fr> values;
  for (const Hash32& s : signals) values.push_back(*groth16::Fr::FromBytesBE(s));
  const groth16::Proof proof = groth16::testing::SimulateProof(setup_->simulated, values,
                                                               setup_->rng);
  TransactionProof out;
  out.verifying_key_id = id_;
  groth16::EncodeProofEip197(proof, out.proof);
  out.public_signals = signals;
  return out;
}

Hash32 Signal(uint64_t v) { return bn254::bigint::ToBytesBE(bn254::U256{v, 0, 0, 0}); }

Hash32 FieldOrderSignal() { return bn254::bigint::ToBytesBE(groth16::Fr::kModulus); }

Transaction SignedProofCall(const Account& from, const Hash32& contract,
                            std::string_view function, std::string input, uint64_t gas_limit,
                            uint64_t nonce, TransactionProof proof) {
  Transaction tx = SignedCall(from, contract, function, std::move(input), gas_limit, nonce);
  tx.proof = std::move(proof);
  Sign(from, &tx);
  return tx;
}

Transaction RegisterKey(const Account& from, const std::string& encoding, uint64_t nonce,
                        uint64_t gas_limit) {
  return SignedCall(from, VerifyingKeyRegistryAddress(), "register", encoding, gas_limit, nonce);
}

}  // namespace chainaccel::exec::testing
