// RunTransaction (execution/executor.h): one transaction of a block, the same code for
// every executor: signature verdict, nonce check, proof verdict, contract, call, and the
// sender's next nonce (docs/execution.md, "Nonces").
#include <cstdint>
#include <limits>
#include <string>

#include "execution/executor.h"
#include "execution/tx/verifying_key.h"
#include "execution/verifying_key_registry.h"

namespace chainaccel::exec {

namespace {

std::string_view AddressKey(const Hash32& address) {
  return {reinterpret_cast<const char*>(address.data()), address.size()};
}

enum class NonceVerdict : uint8_t { kOk, kBad, kBlocked };

// Checks `nonce` against the sender's next nonce in `state` (absent: 0). kBad sets
// *problem to the receipt's message.
NonceVerdict CheckNonce(TransactionState& state, const Hash32& sender, uint64_t nonce,
                        std::string* problem) {
  std::string record;
  uint64_t next = 0;
  switch (state.ReadAt(NoncesAddress(), AddressKey(sender), &record)) {
    case ReadResult::kBlocked:
      return NonceVerdict::kBlocked;
    case ReadResult::kFound:
      if (!DecodeNextNonce(record, &next)) {
        *problem = "the sender's nonce record is " + std::to_string(record.size()) +
                   " bytes, not 8";
        return NonceVerdict::kBad;
      }
      break;
    case ReadResult::kAbsent:
      break;
  }
  if (nonce != next) {
    *problem = "expected nonce " + std::to_string(next) + ", got " + std::to_string(nonce);
    return NonceVerdict::kBad;
  }
  if (nonce == std::numeric_limits<uint64_t>::max()) {  // its next nonce would wrap to 0
    *problem = "nonce " + std::to_string(nonce) + " is the last one and cannot be used";
    return NonceVerdict::kBad;
  }
  return NonceVerdict::kOk;
}

// A transaction whose signature and nonce hold: a failed proof, then an unknown
// contract, else the call.
Receipt RunAfterNonce(ContractVm& vm, const BlockInput& block, size_t index,
                      const Hash32& sender, HostState& state, bool* blocked) {
  const Transaction& tx = block.transactions[index];
  if (!block.proof_errors.empty() && !block.proof_errors[index].empty()) {
    return Receipt{ReceiptStatus::kBadProof, 0, {}, {}, block.proof_errors[index]};
  }
  const bool registry = tx.contract == VerifyingKeyRegistryAddress();
  const PreparedContract* contract = block.contracts[index];
  if (contract == nullptr && !registry) {
    return Receipt{ReceiptStatus::kUnknownContract, 0, {}, {}, "no contract at that address"};
  }
  const CallContext context = ContextOf(block, tx, sender);
  CallOutcome outcome = registry ? RunVerifyingKeyRegistry(context, state)
                                 : vm.Call(*contract, context, state);
  if (outcome.kind == CallOutcome::Kind::kBlocked) *blocked = true;
  return ReceiptOf(std::move(outcome));
}

}  // namespace

Receipt RunTransaction(ContractVm& vm, const BlockInput& block, size_t index,
                       TransactionState& state, bool* blocked) {
  *blocked = false;
  const Transaction& tx = block.transactions[index];
  if (!block.signature_ok[index]) {
    return Receipt{ReceiptStatus::kBadSignature, 0, {}, {}, "signature does not verify"};
  }
  const Hash32 sender = SenderAddress(tx.public_key);
  std::string problem;
  switch (CheckNonce(state, sender, tx.nonce, &problem)) {
    case NonceVerdict::kBlocked:
      *blocked = true;
      return Receipt{};
    case NonceVerdict::kBad:
      return Receipt{ReceiptStatus::kBadNonce, 0, {}, {}, std::move(problem)};
    case NonceVerdict::kOk:
      break;
  }
  Receipt receipt = RunAfterNonce(vm, block, index, sender, state, blocked);
  if (!*blocked) {
    state.WriteKept(NoncesAddress(), AddressKey(sender), EncodeNextNonce(tx.nonce + 1));
  }
  return receipt;
}

}  // namespace chainaccel::exec
