#include "server/execution_decode.h"

#include <cstring>

#include "core/utf8.h"

namespace chainaccel::server {
namespace {

// Receipt messages are cut here (the VM already cuts revert data at this size).
constexpr size_t kMaxReceiptMessageBytes = 64 * 1024;

// transactions[i].proof (`where` names it): sizes only; what the bytes mean is the block
// pipeline's to check.
Status DecodeProof(const v1::TransactionProof& in, const std::string& where,
                   exec::TransactionProof* out) {
  Status s = ReadHash(in.verifying_key_id(), where + ".verifying_key_id", &out->verifying_key_id);
  if (!s.ok()) return s;
  if (in.proof().size() != exec::kTxProofBytes) {
    return Status::InvalidArgument(where + ".proof must be " +
                                   std::to_string(exec::kTxProofBytes) + " bytes, not " +
                                   std::to_string(in.proof().size()));
  }
  std::memcpy(out->proof.data(), in.proof().data(), exec::kTxProofBytes);
  out->public_signals.resize(in.public_signals_size());
  for (int k = 0; k < in.public_signals_size(); ++k) {
    s = ReadHash(in.public_signals(k), where + ".public_signals[" + std::to_string(k) + "]",
                 &out->public_signals[k]);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status ReadHash(const std::string& field, std::string_view name, Hash32* out) {
  if (field.size() != 32) {
    return Status::InvalidArgument(std::string(name) + " must be 32 bytes, not " +
                                   std::to_string(field.size()));
  }
  std::memcpy(out->data(), field.data(), 32);
  return Status::Ok();
}

Status DecodeTransaction(const v1::Transaction& in, size_t i, exec::Transaction* out) {
  const std::string where = "transactions[" + std::to_string(i) + "]";
  if (in.scheme() != v1::TX_SIGNATURE_SCHEME_ED25519 &&
      in.scheme() != v1::TX_SIGNATURE_SCHEME_SECP256K1) {
    return Status::InvalidArgument(where + ".scheme must be ED25519 or SECP256K1");
  }
  out->scheme = static_cast<exec::TxScheme>(in.scheme());
  Status s = ReadHash(in.contract(), where + ".contract", &out->contract);
  if (!s.ok()) return s;
  if (!IsValidUtf8(in.function())) {
    return Status::InvalidArgument(where + ".function is not valid UTF-8");
  }
  out->public_key = in.public_key();
  out->signature = in.signature();
  out->function = in.function();
  out->input = in.input();
  out->gas_limit = in.gas_limit();
  out->nonce = in.nonce();
  if (!in.has_proof()) return Status::Ok();
  return DecodeProof(in.proof(), where + ".proof", &out->proof.emplace());
}

Status DecodeExecuteBlockRequest(const v1::ExecuteBlockRequest& request, BlockArgs* out) {
  if (!request.parent_state_root().empty()) {
    out->parent_state_root.emplace();
    Status s = ReadHash(request.parent_state_root(), "parent_state_root", &*out->parent_state_root);
    if (!s.ok()) return s;
  }
  out->transactions.resize(request.transactions_size());
  for (int i = 0; i < request.transactions_size(); ++i) {
    Status s = DecodeTransaction(request.transactions(i), i, &out->transactions[i]);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status DecodeCallRequest(const v1::CallRequest& request, CallArgs* out) {
  if (!IsValidUtf8(request.function())) {
    return Status::InvalidArgument("function is not valid UTF-8");
  }
  Status s = ReadHash(request.contract(), "contract", &out->contract);
  if (s.ok() && !request.caller().empty()) s = ReadHash(request.caller(), "caller", &out->caller);
  if (!s.ok()) return s;
  out->gas_limit = request.gas_limit() == 0 ? kDefaultCallGas : request.gas_limit();
  return Status::Ok();
}

std::optional<uint64_t> DecodeStateHeight(const v1::GetStateRequest& request) {
  if (request.height() == 0) return std::nullopt;
  return request.height();
}

void EncodeReceipt(const exec::Receipt& receipt, v1::Receipt* out) {
  out->set_status(static_cast<v1::ReceiptStatus>(receipt.status));
  out->set_gas_used(receipt.gas_used);
  out->set_return_data(receipt.return_data);
  for (const exec::Event& e : receipt.events) {
    v1::Event* event = out->add_events();
    event->set_topic(e.topic);
    event->set_data(e.data);
  }
  // `message` is a proto string: valid UTF-8 for every client; a revert's exact bytes
  // travel in revert_data.
  out->set_message(ToValidUtf8(receipt.message, kMaxReceiptMessageBytes));
  if (receipt.status == exec::ReceiptStatus::kReverted) out->set_revert_data(receipt.message);
}

void EncodeDeployContractResponse(const Hash32& address, const Hash32& code_hash,
                                  const std::vector<std::string>& entry_points,
                                  v1::DeployContractResponse* out) {
  out->set_address(address.data(), address.size());
  out->set_code_hash(code_hash.data(), code_hash.size());
  for (const std::string& e : entry_points) out->add_entry_points(ToValidUtf8(e));
}

void EncodeExecuteBlockResponse(uint64_t height, const exec::BlockResult& result,
                                v1::ExecuteBlockResponse* out) {
  for (const exec::Receipt& r : result.receipts) EncodeReceipt(r, out->add_receipts());
  out->set_state_root(result.state_root.data(), result.state_root.size());
  out->set_height(height);
  out->set_gas_used(result.gas_used);
  out->set_executor(result.executor);
}

void EncodeGetStateResponse(const std::optional<std::string>& value, uint64_t height,
                            v1::GetStateResponse* out) {
  out->set_found(value.has_value());
  if (value) out->set_value(*value);
  out->set_height(height);
}

void EncodeStateProof(const Hash32& root, const exec::StateProof& proof,
                      v1::GetStateResponse* out) {
  out->set_state_root(root.data(), root.size());
  v1::StateProof* p = out->mutable_proof();
  for (const Hash32& s : proof.siblings) p->add_siblings(s.data(), s.size());
  if (proof.leaf) {
    p->set_leaf_key_path(proof.leaf->key_path.data(), 32);
    p->set_leaf_value_hash(proof.leaf->value_hash.data(), 32);
  }
}

std::string_view ReceiptStatusName(exec::ReceiptStatus status) {
  switch (status) {
    case exec::ReceiptStatus::kOk: return "ok";
    case exec::ReceiptStatus::kReverted: return "reverted";
    case exec::ReceiptStatus::kOutOfGas: return "out_of_gas";
    case exec::ReceiptStatus::kTrapped: return "trapped";
    case exec::ReceiptStatus::kBadSignature: return "bad_signature";
    case exec::ReceiptStatus::kUnknownContract: return "unknown_contract";
    case exec::ReceiptStatus::kBadProof: return "bad_proof";
    case exec::ReceiptStatus::kBadNonce: return "bad_nonce";
  }
  return "unspecified";
}

}  // namespace chainaccel::server
