// ContractVm: runs WebAssembly contracts on WABT's interpreter with deterministic gas.
//
// A contract is prepared once per code hash (PrepareContract): parsed, validated against
// the rules of docs/execution.md (imports only from the host ABI, no floating point, no
// SIMD / threads / bulk memory / reference types, limits on code size, memory pages and
// tables), instrumented with gas metering, and compiled to the interpreter's internal
// form. A PreparedContract is immutable and shared by every thread.
//
// A ContractVm is one thread's interpreter: it owns a WABT store, keeps one loaded
// module and one instance per contract it has run (so a transaction never re-parses,
// re-compiles or re-instantiates its contract), and gives every call the state of a
// fresh instance: memory and globals are restored to their values right after
// instantiation (contract state lives only in storage). Not thread-safe: use one
// ContractVm per thread.
//
// Gas (docs/execution.md, "Gas"): each straight-line run of instructions is charged on
// entry, one unit per instruction, by code injected at preparation time; host calls are
// charged by the host. Out of gas traps the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/packed_items.h"
#include "core/status.h"
#include "core/task.h"
#include "execution/tx/transaction.h"

namespace chainaccel::exec {

// Limits checked at deploy time and during calls. The defaults are the daemon's.
struct VmLimits {
  uint32_t max_code_bytes = 256 * 1024;
  // Linear memory: the module's maximum is clamped to this many 64 KiB pages and its
  // initial size must not exceed it.
  uint32_t max_memory_pages = 16;
  uint32_t max_table_elements = 1024;
  uint32_t max_functions = 4096;
  uint32_t max_input_bytes = 64 * 1024;
  uint32_t max_return_bytes = 64 * 1024;
  uint32_t max_key_bytes = 256;
  uint32_t max_value_bytes = 16 * 1024;
  uint32_t max_events = 64;
  uint32_t max_event_bytes = 4096;  // topic + data of one event
};

class AotModule;

// A validated, instrumented contract. Immutable but for its ahead-of-time module, which
// is attached once; shared between threads.
class PreparedContract {
 public:
  virtual ~PreparedContract() = default;
  virtual const Hash32& code_hash() const = 0;
  // Names of the exported functions of type () -> (), the contract's entry points.
  virtual const std::vector<std::string>& entry_points() const = 0;
  // The module both tiers run: the contract with the gas metering and the stack rule
  // injected (docs/execution.md, "Gas" and "Contract tiers").
  virtual ByteView instrumented_module() const = 0;
  // Index of the injected i64 gas counter among the module's globals; the stack rule's
  // i32 counter is the next one.
  virtual uint32_t gas_global_index() const = 0;
  // How many host functions the module imports (all from "env", as the validation
  // requires); wasm2c's instantiate takes the host environment only when it is not 0.
  virtual size_t import_count() const = 0;
  // The compiled module of the ahead-of-time tier, or nullptr until one is attached.
  // Thread-safe; once non-null it never changes.
  virtual const std::shared_ptr<const AotModule>* aot() const = 0;
  // Attaches the compiled module (built from instrumented_module()); false, and nothing
  // changes, when one is attached already. Thread-safe.
  virtual bool AttachAot(std::shared_ptr<const AotModule> module) const = 0;
};

// Which tier a ContractVm runs a contract on.
enum class VmTier : uint8_t {
  kAuto,         // the compiled module once attached, else the interpreter
  kInterpreter,  // always WABT's interpreter
};

// Calls run so far by every ContractVm of the process, per tier. Thread-safe.
struct TierCallCounts {
  uint64_t interpreter = 0;
  uint64_t aot = 0;
};
TierCallCounts TierCalls();

// Validates and prepares `wasm`. Returns INVALID_ARGUMENT naming the rule a module
// breaks (malformed binary, forbidden import, floating point, a limit, no exported
// memory), or the prepared contract.
Status PrepareContract(ByteView wasm, const VmLimits& limits,
                       std::shared_ptr<const PreparedContract>* out);

// SHA-256 of the contract's bytes: its code hash.
Hash32 CodeHash(ByteView wasm);

// What a storage read found.
enum class ReadResult : uint8_t {
  kFound,
  kAbsent,
  // The value depends on a transaction that has not finished (Block-STM's ESTIMATE):
  // the call stops at once with CallOutcome::Kind::kBlocked.
  kBlocked,
};

// The state a call reads and writes, provided by the executor. Keys are the contract's
// own keys; the executor prefixes them with the contract address.
class HostState {
 public:
  virtual ~HostState() = default;
  virtual ReadResult Read(std::string_view key, std::string* value) = 0;
  // value == nullptr deletes.
  virtual void Write(std::string_view key, const std::string* value) = 0;
};

struct Event {
  std::string topic;
  std::string data;
  bool operator==(const Event&) const = default;
};

// Everything a call sees besides storage.
struct CallContext {
  Hash32 caller{};    // SHA-256 of the sender's public key
  Hash32 contract{};  // the contract's address
  uint64_t block_height = 0;
  uint64_t block_time = 0;
  std::string_view function;  // exported entry point
  ByteView input;
  uint64_t gas_limit = 0;
  // The transaction's proof, verified before the block ran (tx_proof, tx_proof_signals);
  // null when it carries none and in read-only calls. Not owned.
  const TransactionProof* proof = nullptr;
};

struct CallOutcome {
  enum class Kind : uint8_t {
    kOk,         // returned normally
    kReverted,   // the contract called revert; message holds its text
    kOutOfGas,   // gas ran out
    kTrapped,    // a WebAssembly trap or a broken host-call rule; message says which
    kBlocked,    // a read hit an unfinished transaction (Block-STM only); nothing holds
  };
  Kind kind = Kind::kOk;
  uint64_t gas_used = 0;  // == gas_limit for kOutOfGas
  std::string return_data;
  std::vector<Event> events;  // only kept for kOk
  std::string message;
};

class ContractVm {
 public:
  explicit ContractVm(const VmLimits& limits, VmTier tier = VmTier::kAuto);
  ~ContractVm();
  ContractVm(const ContractVm&) = delete;
  ContractVm& operator=(const ContractVm&) = delete;

  // Runs context.function of `contract`. Storage writes go to `state` as they happen;
  // on any outcome but kOk the caller discards them (the executor buffers writes).
  // An unknown entry point is kTrapped. Never fails as a whole.
  CallOutcome Call(const PreparedContract& contract, const CallContext& context,
                   HostState& state);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chainaccel::exec
