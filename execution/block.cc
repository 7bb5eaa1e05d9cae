#include "execution/block.h"

#include <algorithm>

namespace chainaccel::exec {
namespace {

ByteView Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

Receipt ReceiptOf(CallOutcome&& outcome) {
  Receipt r;
  r.gas_used = outcome.gas_used;
  r.message = std::move(outcome.message);
  switch (outcome.kind) {
    case CallOutcome::Kind::kOk:
      r.status = ReceiptStatus::kOk;
      r.return_data = std::move(outcome.return_data);
      r.events = std::move(outcome.events);
      break;
    case CallOutcome::Kind::kReverted:
      r.status = ReceiptStatus::kReverted;
      r.return_data = std::move(outcome.return_data);
      break;
    case CallOutcome::Kind::kOutOfGas:
      r.status = ReceiptStatus::kOutOfGas;
      break;
    case CallOutcome::Kind::kTrapped:
    case CallOutcome::Kind::kBlocked:
      r.status = ReceiptStatus::kTrapped;
      break;
  }
  return r;
}

WriteSet ToWriteSet(WriteMap&& map) {
  WriteSet out;
  out.reserve(map.size());
  while (!map.empty()) {
    auto node = map.extract(map.begin());  // a node's key can be moved, a pair's cannot
    out.emplace_back(std::move(node.key()), std::move(node.mapped()));
  }
  return out;
}

bool WriteSetOverlay::Get(std::string_view key, std::string* value) const {
  auto it = std::lower_bound(writes_.begin(), writes_.end(), key,
                             [](const auto& write, std::string_view k) { return write.first < k; });
  if (it == writes_.end() || it->first != key) return base_.Get(key, value);
  if (!it->second) return false;
  *value = *it->second;
  return true;
}

std::string StateKey(const Hash32& contract, std::string_view key) {
  std::string k(reinterpret_cast<const char*>(contract.data()), contract.size());
  k += key;
  return k;
}

CallContext ContextOf(const BlockInput& block, const Transaction& tx, const Hash32& caller) {
  CallContext c;
  c.caller = caller;
  c.contract = tx.contract;
  c.block_height = block.height;
  c.block_time = block.time;
  c.function = tx.function;
  c.input = Bytes(tx.input);
  c.gas_limit = tx.gas_limit;
  c.proof = tx.proof ? &*tx.proof : nullptr;
  return c;
}

}  // namespace chainaccel::exec
