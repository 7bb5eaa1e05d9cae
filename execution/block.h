// The data of block execution: transactions, receipts, write sets, and the read-only
// view of committed state that executors run over.
//
// State keys are full keys: the 32-byte contract address followed by the contract's own
// key (docs/execution.md, "State").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.h"
#include "execution/contract_vm.h"
#include "execution/tx/transaction.h"

namespace chainaccel::exec {

// Values equal the proto's ReceiptStatus.
enum class ReceiptStatus : uint8_t {
  kOk = 1,
  kReverted = 2,
  kOutOfGas = 3,
  kTrapped = 4,
  kBadSignature = 5,
  kUnknownContract = 6,
  kBadProof = 7,
  kBadNonce = 8,
};

struct Receipt {
  ReceiptStatus status = ReceiptStatus::kOk;
  uint64_t gas_used = 0;
  std::string return_data;  // kOk and kReverted only
  std::vector<Event> events;  // kOk only
  std::string message;        // why it failed
  bool operator==(const Receipt&) const = default;
};

// A block's net writes, sorted by key, each key once: the key's new value, or nullopt for
// a delete. (A sorted array: Block-STM's workers fill it in parallel; its users only
// walk it in order.)
using WriteSet = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Writes being gathered key by key (one call's, the sequential executor's block so far).
using WriteMap = std::map<std::string, std::optional<std::string>>;

// The writes of `map` as a WriteSet (moved out; `map` is left empty).
WriteSet ToWriteSet(WriteMap&& map);

// Committed state as the executors read it. Get must be safe to call from many threads
// at once while no block commits.
class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual bool Get(std::string_view key, std::string* value) const = 0;
};

// The state after a block that is not committed yet: that block's `writes` (a WriteSet:
// sorted, each key once), else `base`, the state below it. Both must outlive the overlay
// and stay unchanged; thread-safe as `base` is.
class WriteSetOverlay final : public StateReader {
 public:
  WriteSetOverlay(const WriteSet& writes, const StateReader& base)
      : writes_(writes), base_(base) {}
  bool Get(std::string_view key, std::string* value) const override;

 private:
  const WriteSet& writes_;
  const StateReader& base_;
};

// Everything an executor needs; owned by the caller for the duration of Execute.
struct BlockInput {
  uint64_t height = 0;
  uint64_t time = 0;
  std::span<const Transaction> transactions;
  // Per transaction: its contract, or nullptr when no contract lives at that address.
  std::span<const PreparedContract* const> contracts;
  // Per transaction: whether its signature verified.
  std::span<const uint8_t> signature_ok;
  // Per transaction: empty when it carries no proof or its proof verified, else why its
  // proof failed (the receipt is then BAD_PROOF with this message). May be empty as a
  // whole: no transaction's proof failed.
  std::span<const std::string> proof_errors;
  const StateReader* state = nullptr;
};

struct BlockOutput {
  std::vector<Receipt> receipts;
  WriteSet writes;
  bool operator==(const BlockOutput&) const = default;
};

// Turns a call outcome into the transaction's receipt.
Receipt ReceiptOf(CallOutcome&& outcome);

// The state key of a contract's own key.
std::string StateKey(const Hash32& contract, std::string_view key);

// The CallContext of transaction `tx` of `block`. The context points into both.
CallContext ContextOf(const BlockInput& block, const Transaction& tx, const Hash32& caller);

}  // namespace chainaccel::exec
