#include "execution/tx/snarkjs_proof.h"

#include "crypto/bn254/bigint.h"
#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/snarkjs_json.h"

namespace chainaccel::exec {

Status TransactionProofFromSnarkjs(std::string_view proof_json, std::string_view public_json,
                                   const Hash32& verifying_key_id, TransactionProof* out) {
  groth16::Proof proof;
  if (Status s = groth16::ParseProofJson(proof_json, &proof); !s.ok()) return s;
  std::vector<bn254::U256> signals;
  if (Status s = groth16::ParsePublicSignalsJson(public_json, &signals); !s.ok()) return s;
  TransactionProof p;
  p.verifying_key_id = verifying_key_id;
  groth16::EncodeProofEip197(proof, p.proof);
  for (const bn254::U256& v : signals) p.public_signals.push_back(bn254::bigint::ToBytesBE(v));
  *out = std::move(p);
  return Status::Ok();
}

}  // namespace chainaccel::exec
