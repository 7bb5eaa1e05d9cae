// The sequential executor: the reference every parallel result is checked against.
#include <memory>
#include <string>

#include "execution/executor.h"
#include "execution/tx/verifying_key.h"
#include "execution/verifying_key_registry.h"

namespace chainaccel::exec {

Receipt RunTransaction(ContractVm& vm, const BlockInput& block, size_t index,
                       HostState& state, bool* blocked) {
  *blocked = false;
  const Transaction& tx = block.transactions[index];
  if (!block.signature_ok[index]) {
    return Receipt{ReceiptStatus::kBadSignature, 0, {}, {}, "signature does not verify"};
  }
  if (!block.proof_errors.empty() && !block.proof_errors[index].empty()) {
    return Receipt{ReceiptStatus::kBadProof, 0, {}, {}, block.proof_errors[index]};
  }
  const bool registry = tx.contract == VerifyingKeyRegistryAddress();
  const PreparedContract* contract = block.contracts[index];
  if (contract == nullptr && !registry) {
    return Receipt{ReceiptStatus::kUnknownContract, 0, {}, {}, "no contract at that address"};
  }
  const CallContext context = ContextOf(block, tx, SenderAddress(tx.public_key));
  CallOutcome outcome = registry ? RunVerifyingKeyRegistry(context, state)
                                 : vm.Call(*contract, context, state);
  if (outcome.kind == CallOutcome::Kind::kBlocked) *blocked = true;
  return ReceiptOf(std::move(outcome));
}

namespace {

// A transaction's view: its own writes, then the block's earlier writes, then committed
// state.
class SequentialView final : public HostState {
 public:
  SequentialView(const Hash32& contract, const WriteMap& block_writes, const StateReader& base)
      : contract_(contract), block_writes_(block_writes), base_(base) {}

  ReadResult Read(std::string_view key, std::string* value) override {
    const std::string k = StateKey(contract_, key);
    const std::optional<std::string>* found = nullptr;
    if (auto it = writes_.find(k); it != writes_.end()) {
      found = &it->second;
    } else if (auto jt = block_writes_.find(k); jt != block_writes_.end()) {
      found = &jt->second;
    }
    if (found != nullptr) {
      if (!found->has_value()) return ReadResult::kAbsent;
      *value = **found;
      return ReadResult::kFound;
    }
    return base_.Get(k, value) ? ReadResult::kFound : ReadResult::kAbsent;
  }

  void Write(std::string_view key, const std::string* value) override {
    writes_[StateKey(contract_, key)] =
        value ? std::optional<std::string>(*value) : std::nullopt;
  }

  WriteMap& writes() { return writes_; }

 private:
  const Hash32& contract_;
  const WriteMap& block_writes_;
  const StateReader& base_;
  WriteMap writes_;
};

class SequentialExecutor final : public BlockExecutor {
 public:
  explicit SequentialExecutor(const VmLimits& limits) : vm_(limits) {}

  BlockOutput Execute(const BlockInput& input) override {
    BlockOutput out;
    out.receipts.reserve(input.transactions.size());
    stats_ = ExecutorStats{input.transactions.size(), 0, 0, 0};
    WriteMap block_writes;
    for (size_t i = 0; i < input.transactions.size(); ++i) {
      SequentialView view(input.transactions[i].contract, block_writes, *input.state);
      bool blocked = false;
      Receipt r = RunTransaction(vm_, input, i, view, &blocked);
      if (r.status == ReceiptStatus::kOk) {
        for (auto& [k, v] : view.writes()) block_writes[k] = std::move(v);
      }
      out.receipts.push_back(std::move(r));
    }
    out.writes = ToWriteSet(std::move(block_writes));
    return out;
  }

  std::string name() const override { return "sequential"; }
  ExecutorStats last_stats() const override { return stats_; }

 private:
  ContractVm vm_;
  ExecutorStats stats_;
};

}  // namespace

std::unique_ptr<BlockExecutor> NewSequentialExecutor(const VmLimits& limits) {
  return std::make_unique<SequentialExecutor>(limits);
}

}  // namespace chainaccel::exec
