// libFuzzer target (scripts/fuzz.sh): the contract VM on arbitrary modules.
//
// Input: byte 0 picks the entry point (modulo their count), byte 1 the call input's
// length (the bytes after the module are not used: the input is the module's own first
// bytes, so mutations reach both), the rest is the WebAssembly module. Checked:
//   * PrepareContract never crashes and answers OK or INVALID_ARGUMENT;
//   * a prepared contract's call ends in one of the outcome kinds, never uses more gas
//     than its limit, and keeps events only on OK;
//   * the call is deterministic: a second VM over a copy of the same state gives the same
//     outcome, gas, return data, events and storage writes (consensus depends on it);
//   * the first VM, called again, behaves as a fresh one (instance reuse keeps nothing);
//   * the ahead-of-time tier, where the module is compiled (tests/fuzz/aot_tier.h: kept
//     by code hash, built for a bounded share of the run), gives the interpreter's
//     outcome, gas, return data, events, message and storage writes, fresh and reused.
// The corpus starts from the example contracts (scripts/fuzz.sh seeds it).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "execution/contract_vm.h"
#include "execution/testing/map_state.h"
#include "tests/fuzz/aot_tier.h"

namespace {

using chainaccel::ByteView;
using chainaccel::Status;
using chainaccel::exec::CallContext;
using chainaccel::exec::CallOutcome;
using chainaccel::exec::ContractVm;
using chainaccel::exec::PreparedContract;
using chainaccel::exec::VmLimits;
using chainaccel::exec::VmTier;
using chainaccel::exec::testing::MapState;

// The fuzzer stops at the first failed check, with the input saved.
void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "contract_vm_fuzz: %s\n", what);
    std::abort();
  }
}

bool SameOutcome(const CallOutcome& a, const CallOutcome& b) {
  const bool same = a.kind == b.kind && a.gas_used == b.gas_used &&
                    a.return_data == b.return_data && a.events == b.events &&
                    a.message == b.message;
  if (!same) {
    std::fprintf(stderr, "kind %d / %d, gas %llu / %llu, message \"%s\" / \"%s\"\n",
                 static_cast<int>(a.kind), static_cast<int>(b.kind),
                 static_cast<unsigned long long>(a.gas_used),
                 static_cast<unsigned long long>(b.gas_used), a.message.c_str(),
                 b.message.c_str());
  }
  return same;
}

// The call on the compiled module, fresh and again on the reused instance, against the
// interpreter's `expected` outcome and `expected_state` (the state after it).
void CompareWithAot(const PreparedContract& compiled, const CallContext& context,
                    const CallOutcome& expected, const MapState& expected_state,
                    const VmLimits& limits) {
  ContractVm vm{limits};
  for (const char* round : {"fresh", "reused"}) {
    MapState state;
    state.data = {{"k", "v"}, {"count", std::string(8, '\1')}};
    const CallOutcome outcome = vm.Call(compiled, context, state);
    if (!SameOutcome(expected, outcome) || !(state.data == expected_state.data)) {
      std::fprintf(stderr, "contract_vm_fuzz: the AOT tier (%s instance) differs from the "
                   "interpreter\n", round);
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t pick = data[0];
  const size_t input_length = data[1];
  const ByteView wasm(data + 2, size - 2);
  const VmLimits limits;
  std::shared_ptr<const PreparedContract> contract;
  const Status s = chainaccel::exec::PrepareContract(wasm, limits, &contract);
  if (!s.ok()) {
    if (s.code() != Status::Code::kInvalidArgument) {
      std::fprintf(stderr, "PrepareContract: code %d: %s\n", static_cast<int>(s.code()),
                   s.message().c_str());
    }
    Require(s.code() == Status::Code::kInvalidArgument,
            "deploy failed with a code other than INVALID_ARGUMENT");
    return 0;
  }
  Require(contract != nullptr, "PrepareContract said OK without a contract");
  const auto& entries = contract->entry_points();
  if (entries.empty()) return 0;

  CallContext context;
  context.caller.fill(0x11);
  context.contract.fill(0x22);
  context.block_height = 7;
  context.block_time = 1700000000;
  context.function = entries[pick % entries.size()];
  context.input = ByteView(wasm.data(), std::min(input_length, wasm.size()));
  // Enough for loops to run a while, small enough that an endless one ends quickly.
  context.gas_limit = 200000;

  ContractVm vm{limits, VmTier::kInterpreter}, other{limits, VmTier::kInterpreter};
  MapState state, state_again, state_other;
  for (MapState* m : {&state, &state_again, &state_other}) {
    m->data = {{"k", "v"}, {"count", std::string(8, '\1')}};
  }
  const CallOutcome first = vm.Call(*contract, context, state);
  Require(first.gas_used <= context.gas_limit, "used more gas than the limit");
  Require(first.kind != CallOutcome::Kind::kBlocked, "blocked outside Block-STM");
  if (first.kind != CallOutcome::Kind::kOk) Require(first.events.empty(), "events kept on failure");
  if (first.kind == CallOutcome::Kind::kOutOfGas) {
    Require(first.gas_used == context.gas_limit, "out of gas without using the limit");
  }

  const CallOutcome again = vm.Call(*contract, context, state_again);
  Require(SameOutcome(first, again), "a reused VM answered differently from a fresh one");
  Require(state.data == state_again.data, "a reused VM wrote differently");
  const CallOutcome fresh = other.Call(*contract, context, state_other);
  Require(SameOutcome(first, fresh), "two VMs answered differently");
  Require(state.data == state_other.data, "two VMs wrote differently");

  const auto compiled = chainaccel::fuzz::FuzzAotTier::Get().Compiled(wasm, limits);
  if (compiled != nullptr) CompareWithAot(*compiled, context, first, state, limits);
  return 0;
}
