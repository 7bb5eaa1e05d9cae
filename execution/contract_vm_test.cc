#include "execution/contract_vm.h"
#include "execution/gas.h"

#include <catch2/catch.hpp>

#include <map>

#include "tests/support/random.h"
#include "execution/testing/map_state.h"
#include "execution/testing/proof_contracts.h"
#include "execution/testing/transactions.h"
#include "execution/testing/wat.h"

namespace chainaccel::exec {
namespace {

using testing::ExampleContract;
using testing::kProofEchoWat;
using testing::ParseU64;
using testing::U64;
using testing::MapState;
using testing::WatToWasm;


std::shared_ptr<const PreparedContract> Prepare(const std::vector<uint8_t>& wasm,
                                                const VmLimits& limits = {}) {
  std::shared_ptr<const PreparedContract> p;
  Status s = PrepareContract(wasm, limits, &p);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return p;
}

Status PrepareStatus(std::string_view wat) {
  std::shared_ptr<const PreparedContract> p;
  return PrepareContract(WatToWasm(wat), VmLimits{}, &p);
}

CallContext Ctx(std::string_view function, uint64_t gas = 1'000'000,
                std::string_view input = {}) {
  CallContext c;
  c.function = function;
  c.gas_limit = gas;
  c.input = ByteView(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  return c;
}

constexpr std::string_view kLoopWat = R"(
(module
  (memory (export "memory") 1)
  (func (export "spin") (loop $l (br $l)))
  (func (export "count") (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (i32.const 100)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))
  (func $rec (param i32) (result i32) (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func (export "recurse") (drop (call $rec (i32.const 0))))
  (func (export "grow")
    (if (i32.ne (memory.grow (i32.const 100)) (i32.const -1)) (then unreachable)))
  (func (export "divzero") (drop (i32.div_u (i32.const 1) (i32.const 0)))))
)";

TEST_CASE("Counter contract counts and charges the same gas every time", "[vm]") {
  auto counter = Prepare(ExampleContract("counter"));
  ContractVm vm{VmLimits{}};
  MapState state;
  uint64_t first_gas = 0;
  for (uint64_t i = 1; i <= 5; ++i) {
    CallOutcome out = vm.Call(*counter, Ctx("increment"), state);
    REQUIRE(out.kind == CallOutcome::Kind::kOk);
    CHECK(ParseU64(out.return_data) == i);
    if (i == 1) first_gas = out.gas_used;
    if (i > 1) CHECK(out.gas_used == first_gas + 8 / 8 * 1);  // reads 8 bytes from i = 2 on
  }
  CallOutcome get = vm.Call(*counter, Ctx("get"), state);
  CHECK(ParseU64(get.return_data) == 5);
  CHECK(state.data.at("count") == U64(5));
}

TEST_CASE("Infinite loop runs out of gas and uses exactly its limit", "[vm]") {
  auto c = Prepare(WatToWasm(kLoopWat));
  ContractVm vm{VmLimits{}};
  MapState state;
  CallOutcome out = vm.Call(*c, Ctx("spin", 50'000), state);
  CHECK(out.kind == CallOutcome::Kind::kOutOfGas);
  CHECK(out.gas_used == 50'000);
}

TEST_CASE("Gas of a loop grows with its iterations, deterministically", "[vm]") {
  auto c = Prepare(WatToWasm(kLoopWat));
  ContractVm vm{VmLimits{}};
  MapState state;
  CallOutcome a = vm.Call(*c, Ctx("count"), state);
  CallOutcome b = vm.Call(*c, Ctx("count"), state);
  REQUIRE(a.kind == CallOutcome::Kind::kOk);
  CHECK(a.gas_used == b.gas_used);
  // 100 iterations of a 9-instruction loop body at least.
  CHECK(a.gas_used > 900);
  CallOutcome short_gas = vm.Call(*c, Ctx("count", a.gas_used - 1), state);
  CHECK(short_gas.kind == CallOutcome::Kind::kOutOfGas);
  CallOutcome exact = vm.Call(*c, Ctx("count", a.gas_used), state);
  CHECK(exact.kind == CallOutcome::Kind::kOk);
}

TEST_CASE("Deep recursion traps, memory cannot grow past the limit, traps are reported",
          "[vm]") {
  auto c = Prepare(WatToWasm(kLoopWat));
  ContractVm vm{VmLimits{}};
  MapState state;
  CallOutcome rec = vm.Call(*c, Ctx("recurse", 100'000'000), state);
  CHECK(rec.kind == CallOutcome::Kind::kTrapped);
  CHECK(rec.gas_used < 100'000'000);
  CHECK(vm.Call(*c, Ctx("grow"), state).kind == CallOutcome::Kind::kOk);
  CallOutcome div = vm.Call(*c, Ctx("divzero"), state);
  CHECK(div.kind == CallOutcome::Kind::kTrapped);
  CHECK_THAT(div.message, Catch::Contains("divide by zero"));
  CallOutcome none = vm.Call(*c, Ctx("nope"), state);
  CHECK(none.kind == CallOutcome::Kind::kTrapped);
  // The VM still works after traps.
  CHECK(vm.Call(*c, Ctx("count"), state).kind == CallOutcome::Kind::kOk);
}

// A ContractVm keeps each contract's instance between calls and puts it back into its
// fresh state: no call may see the memory, the globals or the memory size an earlier
// call left, whether that call returned, trapped, ran out of gas or grew the memory.
constexpr std::string_view kLeftoversWat = R"(
(module
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 1 4)
  (global $g (mut i64) (i64.const 7))
  (data (i32.const 0) "abcd")
  (func $dirty
    (global.set $g (i64.const 99))
    (i32.store (i32.const 0) (i32.const -1))
    (i32.store8 (i32.const 1000) (i32.const 5))
    (i32.store8 (i32.const 65535) (i32.const 6)))
  ;; The global, the memory size, the data segment's bytes, two bytes the others write.
  (func (export "observe")
    (i64.store (i32.const 2000) (global.get $g))
    (i32.store (i32.const 2008) (memory.size))
    (i32.store (i32.const 2012) (i32.load (i32.const 0)))
    (i32.store8 (i32.const 2016) (i32.load8_u (i32.const 1000)))
    (i32.store8 (i32.const 2017) (i32.load8_u (i32.const 65535)))
    (call $ret (i32.const 2000) (i32.const 18)))
  (func (export "dirty") (call $dirty))
  (func (export "dirty_grow")
    (call $dirty)
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (i32.const 70000) (i32.const 1)))
  (func (export "dirty_trap") (call $dirty) unreachable)
  (func (export "dirty_spin") (call $dirty) (loop $l (br $l))))
)";

TEST_CASE("Every call sees a fresh instance: nothing of an earlier call carries over",
          "[vm]") {
  auto c = Prepare(WatToWasm(kLeftoversWat));
  ContractVm vm{VmLimits{}};
  MapState state;
  const CallOutcome fresh = vm.Call(*c, Ctx("observe"), state);
  REQUIRE(fresh.kind == CallOutcome::Kind::kOk);
  REQUIRE(fresh.return_data.size() == 18);
  CHECK(ParseU64(fresh.return_data.substr(0, 8)) == 7);
  CHECK(fresh.return_data.substr(8, 4) == std::string("\x01\x00\x00\x00", 4));
  CHECK(fresh.return_data.substr(12, 4) == "abcd");
  CHECK(fresh.return_data.substr(16, 2) == std::string(2, '\0'));
  using Kind = CallOutcome::Kind;
  const std::pair<const char*, Kind> dirty_calls[] = {
      {"dirty", Kind::kOk},           {"dirty_grow", Kind::kOk},
      {"dirty_trap", Kind::kTrapped}, {"dirty_spin", Kind::kOutOfGas},
      {"dirty", Kind::kOk},
  };
  for (const auto& [function, kind] : dirty_calls) {
    INFO(function);
    CHECK(vm.Call(*c, Ctx(function, 100'000), state).kind == kind);
    const CallOutcome after = vm.Call(*c, Ctx("observe"), state);
    CHECK(after.kind == Kind::kOk);
    CHECK(after.return_data == fresh.return_data);
    CHECK(after.gas_used == fresh.gas_used);
  }
}

TEST_CASE("Instances dropped past the VM's budget are re-created fresh", "[vm]") {
  // Twelve 16-page contracts (2 MiB kept each: live memory and initial image) are more
  // than one VM keeps, so instances are dropped and re-created while the calls go round.
  std::vector<std::shared_ptr<const PreparedContract>> contracts;
  for (int i = 0; i < 12; ++i) {
    contracts.push_back(Prepare(WatToWasm(R"(
(module
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 16)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 0) ")" + std::string(1, static_cast<char>('a' + i)) + R"(")
  (func (export "f")
    (i32.store8 (i32.const 1) (i32.add (global.get $g) (i32.const 48)))
    (global.set $g (i32.const 1))
    (call $ret (i32.const 0) (i32.const 2))
    (i32.store8 (i32.const 0) (i32.const 0))
    (i32.store8 (i32.const 1048575) (i32.const 1))))
)")));
  }
  ContractVm vm{VmLimits{}};
  MapState state;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 12; ++i) {
      const CallOutcome out = vm.Call(*contracts[i], Ctx("f"), state);
      REQUIRE(out.kind == CallOutcome::Kind::kOk);
      CHECK(out.return_data == std::string(1, static_cast<char>('a' + i)) + "0");
    }
  }
}

TEST_CASE("A VM reused for thousands of calls answers each as a new VM would", "[vm]") {
  // Random calls of the example contracts (reverts, too little gas, traps included) on
  // one long-lived VM and, each, on a VM made for that call alone, over equal states:
  // the outcomes and the states must match. Whatever a kept instance or interpreter
  // thread carries from call to call would show here.
  auto rng = chainaccel::testing::MakeRng("vm reuse");
  const auto token = Prepare(ExampleContract("token"));
  const auto swap = Prepare(ExampleContract("swap"));
  const auto counter = Prepare(ExampleContract("counter"));
  ContractVm reused{VmLimits{}};
  MapState reused_state, fresh_state;
  for (int i = 0; i < 2000; ++i) {
    const PreparedContract* code = nullptr;
    std::string function, input;
    switch (rng() % 6) {
      case 0: code = token.get(); function = "mint"; input = U64(rng() % 1000); break;
      case 1:
        code = token.get();
        function = "transfer";
        input = std::string(32, static_cast<char>(rng() % 4)) + U64(rng() % 700);
        break;
      case 2: code = swap.get(); function = "add_liquidity"; input = U64(rng() % 900) + U64(rng() % 900); break;
      case 3:
        code = swap.get();
        function = rng() % 2 ? "swap_x_for_y" : "swap_y_for_x";
        input = U64(rng() % 400) + U64(0);
        break;
      case 4: code = counter.get(); function = rng() % 2 ? "increment" : "get"; break;
      default: code = token.get(); function = "balance"; input = std::string(rng() % 40, '\x01'); break;
    }
    CallContext c = Ctx(function, rng() % 5 == 0 ? 50 + rng() % 800 : 1'000'000, input);
    c.caller.fill(static_cast<uint8_t>(rng() % 4));
    ContractVm fresh{VmLimits{}};
    const CallOutcome a = reused.Call(*code, c, reused_state);
    const CallOutcome b = fresh.Call(*code, c, fresh_state);
    INFO("call " << i << " " << function);
    REQUIRE(a.kind == b.kind);
    REQUIRE(a.gas_used == b.gas_used);
    REQUIRE(a.return_data == b.return_data);
    REQUIRE(a.events == b.events);
    REQUIRE(a.message == b.message);
    REQUIRE(reused_state.data == fresh_state.data);
  }
}

TEST_CASE("Token contract: mint, transfer, revert on insufficient balance, events", "[vm]") {
  auto token = Prepare(ExampleContract("token"));
  ContractVm vm{VmLimits{}};
  MapState state;
  CallContext c = Ctx("mint", 1'000'000);
  c.caller.fill(1);
  const std::string amount = U64(100);
  c.input = ByteView(reinterpret_cast<const uint8_t*>(amount.data()), 8);
  REQUIRE(vm.Call(*token, c, state).kind == CallOutcome::Kind::kOk);

  Hash32 bob;
  bob.fill(2);
  std::string input = testing::AddressBytes(bob) + U64(30);
  c.function = "transfer";
  c.input = ByteView(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  CallOutcome t = vm.Call(*token, c, state);
  REQUIRE(t.kind == CallOutcome::Kind::kOk);
  REQUIRE(t.events.size() == 1);
  CHECK(t.events[0].topic == "transfer");
  CHECK(t.events[0].data.size() == 72);

  std::string big = testing::AddressBytes(bob) + U64(71);
  c.input = ByteView(reinterpret_cast<const uint8_t*>(big.data()), big.size());
  CallOutcome r = vm.Call(*token, c, state);
  CHECK(r.kind == CallOutcome::Kind::kReverted);
  CHECK(r.message == "insufficient balance");

  std::string who = testing::AddressBytes(bob);
  c.function = "balance";
  c.input = ByteView(reinterpret_cast<const uint8_t*>(who.data()), who.size());
  CHECK(ParseU64(vm.Call(*token, c, state).return_data) == 30);
}

TEST_CASE("Bad contracts are rejected at deploy with the rule they break", "[vm]") {
  std::shared_ptr<const PreparedContract> p;
  const std::vector<uint8_t> junk = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00};
  Status s = PrepareContract(junk, VmLimits{}, &p);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("malformed wasm"));

  s = PrepareStatus(R"((module (import "env" "exit" (func)) (memory (export "memory") 1)))");
  CHECK_THAT(s.message(), Catch::Contains("forbidden import env.exit"));
  s = PrepareStatus(R"((module (import "wasi" "fd_write" (func)) (memory (export "memory") 1)))");
  CHECK_THAT(s.message(), Catch::Contains("forbidden import"));
  s = PrepareStatus(R"((module (import "env" "caller" (func (param i64))) (memory (export "memory") 1)))");
  CHECK_THAT(s.message(), Catch::Contains("wrong signature"));
  s = PrepareStatus(R"((module (import "env" "memory" (memory 1))))");
  CHECK_THAT(s.message(), Catch::Contains("only host functions"));
  s = PrepareStatus(R"((module (memory (export "memory") 1)
      (func (export "f") (drop (f32.add (f32.const 1) (f32.const 2))))))");
  CHECK_THAT(s.message(), Catch::Contains("floating point"));
  s = PrepareStatus(R"((module (memory (export "memory") 1)
      (func (export "f") (local f64))))");
  CHECK_THAT(s.message(), Catch::Contains("floating point"));
  s = PrepareStatus(R"((module (memory (export "memory") 1)
      (func (export "f") (drop (i32.trunc_f32_s (f32.const 1))))))");
  CHECK_THAT(s.message(), Catch::Contains("floating point"));
  s = PrepareStatus(R"((module (memory (export "memory") 1000)))");
  CHECK_THAT(s.message(), Catch::Contains("initial memory"));
  s = PrepareStatus(R"((module (memory 1)))");
  CHECK_THAT(s.message(), Catch::Contains("export its memory"));
  s = PrepareStatus(R"((module (memory (export "memory") 1) (func $s) (start $s)))");
  CHECK_THAT(s.message(), Catch::Contains("start function"));
  s = PrepareStatus(R"((module (memory (export "memory") 1)
      (func (export "f") (memory.fill (i32.const 0) (i32.const 0) (i32.const 10)))))");
  CHECK(s.code() == Status::Code::kInvalidArgument);
  // Bulk memory's passive segments and reference types' declared ones.
  s = PrepareStatus(R"((module (memory (export "memory") 1) (data "passive")))");
  CHECK(s.code() == Status::Code::kInvalidArgument);
  s = PrepareStatus(R"((module (memory (export "memory") 1) (table 1 funcref) (func $f)
      (elem declare func $f)))");
  CHECK(s.code() == Status::Code::kInvalidArgument);
  // Regression (found by tests/fuzz/contract_vm_fuzz.cc): an active data segment with an
  // empty offset expression passed WABT's validator, then the instrumented module failed
  // to load and deploy answered INTERNAL. Memory, its export, and that segment:
  const std::vector<uint8_t> empty_offset = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                    // magic, version
      0x05, 0x03, 0x01, 0x00, 0x01,                                      // memory: 1 page
      0x07, 0x0a, 0x01, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,  // export "memory"
      0x0b, 0x05, 0x01, 0x00, 0x0b, 0x01, 'A'};  // data: active, offset `end`, 1 byte
  s = PrepareContract(empty_offset, VmLimits{}, &p);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("offset must be one i32.const"));

  VmLimits small;
  small.max_code_bytes = 16;
  s = PrepareContract(ExampleContract("token"), small, &p);
  CHECK_THAT(s.message(), Catch::Contains("over the limit"));
}

TEST_CASE("Oversized input and out-of-bounds host calls trap", "[vm]") {
  auto counter = Prepare(ExampleContract("counter"));
  ContractVm vm{VmLimits{}};
  MapState state;
  std::string huge(VmLimits{}.max_input_bytes + 1, 'x');
  CallOutcome out = vm.Call(*counter, Ctx("increment", 1'000'000, huge), state);
  CHECK(out.kind == CallOutcome::Kind::kTrapped);
  CHECK_THAT(out.message, Catch::Contains("input"));

  auto c = Prepare(WatToWasm(R"((module
      (import "env" "return_data" (func $r (param i32 i32)))
      (memory (export "memory") 1)
      (func (export "f") (call $r (i32.const 65530) (i32.const 100)))))"));
  CallOutcome oob = vm.Call(*c, Ctx("f"), state);
  CHECK(oob.kind == CallOutcome::Kind::kTrapped);
  CHECK_THAT(oob.message, Catch::Contains("out of bounds"));
}

TEST_CASE("Host calls that break a limit trap with their charge paid, one rule for all",
          "[vm][gas]") {
  // Regression: these traps used to come before the charge, so they cost nothing; the
  // rule (docs/execution.md) is charge first, then limits, then pointers.
  ContractVm vm{VmLimits{}};
  MapState state;
  auto c = Prepare(WatToWasm(R"((module
      (import "env" "storage_read" (func $read (param i32 i32 i32 i32) (result i32)))
      (import "env" "storage_write" (func $write (param i32 i32 i32 i32)))
      (import "env" "storage_delete" (func $delete (param i32 i32)))
      (import "env" "emit_event" (func $event (param i32 i32 i32 i32)))
      (import "env" "return_data" (func $return (param i32 i32)))
      (memory (export "memory") 2)
      (func (export "read_key") (drop (call $read (i32.const 0) (i32.const 300) (i32.const 0) (i32.const 0))))
      (func (export "write_key") (call $write (i32.const 0) (i32.const 300) (i32.const 0) (i32.const 10)))
      (func (export "write_value") (call $write (i32.const 0) (i32.const 10) (i32.const 0) (i32.const 20000)))
      (func (export "delete_key") (call $delete (i32.const 0) (i32.const 300)))
      (func (export "big_event") (call $event (i32.const 0) (i32.const 100) (i32.const 0) (i32.const 4000)))
      (func (export "many_events") (local $i i32)
        (loop $l
          (call $event (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 65)))))
      (func (export "big_return") (call $return (i32.const 0) (i32.const 70000)))
      (func (export "huge_write") (call $write (i32.const 0) (i32.const 10) (i32.const 0) (i32.const -1)))
      (func (export "oob_write") (call $write (i32.const 131070) (i32.const 10) (i32.const 0) (i32.const 10)))))"));
  struct Case {
    const char* function;
    uint64_t charge;  // the host call's table charge, at least in gas_used
    const char* message;
  };
  const Case cases[] = {
      {"read_key", gas::kStorageRead + 300, "storage key over the limit"},
      {"write_key", gas::kStorageWrite + 300 + 10, "storage key over the limit"},
      {"write_value", gas::kStorageWrite + 10 + 20000, "storage value over the limit"},
      {"delete_key", gas::kStorageWrite + 300, "storage key over the limit"},
      {"big_event", gas::kEvent + 4100, "event over the limit"},
      {"many_events", 65 * (gas::kEvent + 2), "too many events"},
      {"big_return", gas::kHostCall + 70000 / gas::kBytesPerUnit, "return data over the limit"},
      {"oob_write", gas::kStorageWrite + 20, "out of bounds"},
  };
  for (const Case& k : cases) {
    INFO(k.function);
    const CallOutcome out = vm.Call(*c, Ctx(k.function, 1'000'000), state);
    CHECK(out.kind == CallOutcome::Kind::kTrapped);
    CHECK_THAT(out.message, Catch::Contains(k.message));
    CHECK(out.gas_used >= k.charge);
    // plus the instructions around the call (the event loop's 65 rounds: ~10 each)
    CHECK(out.gas_used < k.charge + 1000);
  }
  // A charge above the gas left is OUT_OF_GAS, before any limit is looked at.
  const CallOutcome huge = vm.Call(*c, Ctx("huge_write", 1'000'000), state);
  CHECK(huge.kind == CallOutcome::Kind::kOutOfGas);
  CHECK(huge.gas_used == 1'000'000);
}

TEST_CASE("Deploy rules as docs/execution.md words them: imports count as functions, "
          "passive segments fail as invalid wasm", "[vm][deploy]") {
  // 4,095 functions of its own and one imported host function: 4,096, accepted; one more
  // own function: refused although it defines only 4,096 itself.
  const auto module = [](int own) {
    std::string wat = R"((module (import "env" "block_height" (func (result i64)))
        (memory (export "memory") 1))";
    for (int i = 0; i < own; ++i) wat += "(func)";
    return wat + ")";
  };
  CHECK(PrepareStatus(module(4095)).ok());
  const Status over = PrepareStatus(module(4096));
  CHECK(over.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(over.message(), Catch::StartsWith("too many functions"));
  // A passive data segment needs bulk memory, which the validity rule refuses first.
  std::shared_ptr<const PreparedContract> p;
  const std::vector<uint8_t> passive = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                    // magic, version
      0x05, 0x03, 0x01, 0x00, 0x01,                                      // memory: 1 page
      0x07, 0x0a, 0x01, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,  // export "memory"
      0x0b, 0x04, 0x01, 0x01, 0x01, 'A'};  // data: passive, 1 byte
  const Status s = PrepareContract(passive, VmLimits{}, &p);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  const bool validity = s.message().rfind("malformed wasm", 0) == 0 ||
                        s.message().rfind("invalid wasm", 0) == 0;
  INFO(s.message());
  CHECK(validity);
}

// A proof with n signals 0x0101.., 0x0202.., ... and key id 0xaa...
TransactionProof ProofWithSignals(size_t n) {
  TransactionProof p;
  p.verifying_key_id.fill(0xaa);
  for (size_t i = 0; i < n; ++i) {
    Hash32 signal;
    signal.fill(static_cast<uint8_t>(i + 1));
    p.public_signals.push_back(signal);
  }
  return p;
}

std::string I32Le(int32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(static_cast<uint32_t>(v) >> (8 * i));
  return out;
}

TEST_CASE("tx_proof and tx_proof_signals hand the contract the proof's key id and signals",
          "[vm][proof]") {
  auto c = Prepare(WatToWasm(kProofEchoWat));
  ContractVm vm{VmLimits{}};
  MapState state;
  const TransactionProof proof = ProofWithSignals(3);
  CallContext ctx = Ctx("echo");
  ctx.proof = &proof;
  const CallOutcome out = vm.Call(*c, ctx, state);
  REQUIRE(out.kind == CallOutcome::Kind::kOk);
  std::string expected = I32Le(3);
  expected.append(32, '\xaa');
  for (char b : {'\x01', '\x02', '\x03'}) expected.append(32, b);
  CHECK(out.return_data == expected);
  CHECK(state.data.at("echo") == expected);

  // No proof (a transaction without one, or a read-only call): -1, nothing written.
  const CallOutcome none = vm.Call(*c, Ctx("echo"), state);
  REQUIRE(none.kind == CallOutcome::Kind::kOk);
  CHECK(none.return_data == I32Le(-1));
  const CallOutcome trap = vm.Call(*c, Ctx("signals"), state);
  CHECK(trap.kind == CallOutcome::Kind::kTrapped);
  CHECK(trap.message == "no proof");
  CHECK(trap.gas_used >= gas::kHostCall);
}

TEST_CASE("tx_proof_signals charges 20 + bytes / 8: both calls check their memory bounds",
          "[vm][proof][gas]") {
  auto c = Prepare(WatToWasm(kProofEchoWat));
  ContractVm vm{VmLimits{}};
  MapState state;
  auto call = [&](std::string_view function, const TransactionProof* proof,
                  uint64_t gas = 1'000'000) {
    CallContext ctx = Ctx(function, gas);
    ctx.proof = proof;
    return vm.Call(*c, ctx, state);
  };
  const TransactionProof empty = ProofWithSignals(0), three = ProofWithSignals(3);
  const CallOutcome zero = call("signals", &empty);
  const CallOutcome with_three = call("signals", &three);
  REQUIRE(zero.kind == CallOutcome::Kind::kOk);
  REQUIRE(with_three.kind == CallOutcome::Kind::kOk);
  CHECK(with_three.gas_used - zero.gas_used == 3 * 32 / gas::kBytesPerUnit);
  // Out of gas at the charge: the limit is the call's instructions plus one short.
  const CallOutcome short_gas = call("signals", &three, with_three.gas_used - 1);
  CHECK(short_gas.kind == CallOutcome::Kind::kOutOfGas);
  CHECK(short_gas.gas_used == with_three.gas_used - 1);

  // Bounds: key_out is 32 bytes (checked with or without a proof), out is n * 32 bytes.
  for (const TransactionProof* p : {static_cast<const TransactionProof*>(nullptr), &three}) {
    const CallOutcome key = call("key_oob", p);
    CHECK(key.kind == CallOutcome::Kind::kTrapped);
    CHECK_THAT(key.message, Catch::Contains("out of bounds"));
  }
  CHECK(call("signals_oob", &empty).kind == CallOutcome::Kind::kOk);  // 0 bytes
  const TransactionProof one = ProofWithSignals(1);
  const CallOutcome oob = call("signals_oob", &one);  // 32 bytes at 65520: 16 too many
  CHECK(oob.kind == CallOutcome::Kind::kTrapped);
  CHECK_THAT(oob.message, Catch::Contains("out of bounds"));
  CHECK(oob.gas_used >= gas::kHostCall + 32 / gas::kBytesPerUnit);
}

TEST_CASE("tx_proof and tx_proof_signals are imported with their exact signatures",
          "[vm][proof][deploy]") {
  CHECK(PrepareStatus(R"((module (import "env" "tx_proof" (func (param i32) (result i32)))
      (import "env" "tx_proof_signals" (func (param i32))) (memory (export "memory") 1)))")
            .ok());
  const Status wrong = PrepareStatus(R"((module (import "env" "tx_proof" (func (param i32)))
      (memory (export "memory") 1)))");
  CHECK(wrong.message() == "import env.tx_proof has the wrong signature");
  const Status wrong_signals = PrepareStatus(
      R"((module (import "env" "tx_proof_signals" (func (param i32) (result i32)))
      (memory (export "memory") 1)))");
  CHECK(wrong_signals.message() == "import env.tx_proof_signals has the wrong signature");
}

}  // namespace
}  // namespace chainaccel::exec
