#include "execution/tx/snarkjs_proof.h"

#include <catch2/catch.hpp>

#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/snarkjs_json.h"
#include "execution/testing/proofs.h"

namespace chainaccel::exec {
namespace {

TEST_CASE("A transaction proof from snarkjs's proof.json and public.json", "[tx][proof]") {
  testing::TestVerifyingKey key(3, 21);
  const TransactionProof expected =
      key.Prove({testing::Signal(1), testing::Signal(2), testing::Signal(~uint64_t{0})});
  const groth16::Proof proof = *groth16::DecodeProofEip197(expected.proof);
  std::vector<bn254::U256> signals;
  for (uint64_t v : {uint64_t{1}, uint64_t{2}, ~uint64_t{0}}) signals.push_back({v, 0, 0, 0});
  const std::string proof_json = groth16::ProofToJson(proof);
  const std::string public_json = groth16::PublicSignalsToJson(signals);
  TransactionProof got;
  REQUIRE(TransactionProofFromSnarkjs(proof_json, public_json, key.id(), &got).ok());
  CHECK(got == expected);

  // Signals >= r pass (the block refuses them); what does not parse is refused here.
  REQUIRE(TransactionProofFromSnarkjs(proof_json, "[\"" + groth16::ToDecimal(
                                                             groth16::Fr::kModulus) + "\"]",
                                      key.id(), &got)
              .ok());
  CHECK(got.public_signals[0] == testing::FieldOrderSignal());
  CHECK_THAT(TransactionProofFromSnarkjs("{}", public_json, key.id(), &got).message(),
             Catch::StartsWith("proof: "));
  CHECK_THAT(TransactionProofFromSnarkjs(proof_json, "[1]", key.id(), &got).message(),
             Catch::StartsWith("public signals: [0]"));
}

}  // namespace
}  // namespace chainaccel::exec
