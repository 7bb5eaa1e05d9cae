#include "client/cli/transaction_proto.h"

namespace chainaccel::cli {

void TransactionToProto(const exec::Transaction& tx, v1::Transaction* out) {
  out->set_scheme(static_cast<v1::TxSignatureScheme>(tx.scheme));
  out->set_public_key(tx.public_key);
  out->set_signature(tx.signature);
  out->set_contract(tx.contract.data(), tx.contract.size());
  out->set_function(tx.function);
  out->set_input(tx.input);
  out->set_gas_limit(tx.gas_limit);
  out->set_nonce(tx.nonce);
  if (!tx.proof) return;
  v1::TransactionProof* p = out->mutable_proof();
  p->set_verifying_key_id(tx.proof->verifying_key_id.data(), tx.proof->verifying_key_id.size());
  p->set_proof(tx.proof->proof.data(), tx.proof->proof.size());
  for (const Hash32& s : tx.proof->public_signals) p->add_public_signals(s.data(), s.size());
}

v1::GetStateRequest NextNonceRequest(const Hash32& sender) {
  v1::GetStateRequest request;
  request.set_key(exec::NonceStateKey(sender));
  return request;  // height 0: the latest
}

bool NextNonceFromResponse(const v1::GetStateResponse& response, uint64_t* next) {
  if (!response.found()) {
    *next = 0;
    return true;
  }
  return exec::DecodeNextNonce(response.value(), next);
}

}  // namespace chainaccel::cli
