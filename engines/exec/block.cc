#include "engines/exec/block.h"

#include "engines/cpu/hashes.h"

namespace chainaccel::exec {
namespace {

void PutU32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
ByteView Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::string TransactionPreimage(const Transaction& tx) {
  std::string m = "chainaccel-tx-v1";
  m.push_back(static_cast<char>(tx.scheme));
  PutU32(m, static_cast<uint32_t>(tx.public_key.size()));
  m += tx.public_key;
  m.append(reinterpret_cast<const char*>(tx.contract.data()), tx.contract.size());
  PutU32(m, static_cast<uint32_t>(tx.function.size()));
  m += tx.function;
  PutU32(m, static_cast<uint32_t>(tx.input.size()));
  m += tx.input;
  PutU64(m, tx.gas_limit);
  PutU64(m, tx.nonce);
  return m;
}

Hash32 TransactionDigest(const Transaction& tx) {
  const std::string m = TransactionPreimage(tx);
  Hash32 digest;
  Sha256(Bytes(m), digest.data());
  return digest;
}

Hash32 SenderAddress(std::string_view public_key) {
  Hash32 a;
  Sha256(Bytes(public_key), a.data());
  return a;
}

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
  return c;
}

}  // namespace chainaccel::exec
