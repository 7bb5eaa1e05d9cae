// The ahead-of-time tier against the interpreter: the same contract, the same calls,
// the same state on both tiers must give identical outcomes (kind, gas, return data,
// events, message) and identical writes. Also the cache (reuse, corrupt and stale
// entries) and the build's time limit.
#include "execution/aot_module.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "execution/testing/map_state.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/transactions.h"
#include "execution/testing/wat.h"
#include "tests/support/random.h"

namespace chainaccel::exec {
namespace {

using testing::ExampleContract;
using testing::MapState;
using testing::U64;
using testing::WatToWasm;

std::shared_ptr<const PreparedContract> Prepare(const std::vector<uint8_t>& wasm) {
  std::shared_ptr<const PreparedContract> p;
  Status s = PrepareContract(wasm, VmLimits{}, &p);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return p;
}

bool ToolsPresent() {
  std::string why;
  if (AotToolsPresent(AotOptions{}, &why)) return true;
  WARN("AOT tier not tested: " << why);
  return false;
}

// Compiles `contract` into `dir` now; REQUIREs success.
void Compile(const std::string& dir, const PreparedContract& contract,
             AotBuildReport* report = nullptr) {
  AotOptions options;
  options.cache_dir = dir;
  AotCompiler compiler(options);
  Status s = compiler.CompileNow(contract, report);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(contract.aot() != nullptr);
}

CallContext Ctx(std::string_view function, uint64_t gas, std::string_view input) {
  CallContext c;
  c.function = function;
  c.gas_limit = gas;
  c.input = ByteView(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  c.block_height = 7;
  c.block_time = 1700000000;
  return c;
}

// Runs `c` on both tiers over two equal states and requires equal results.
void Same(ContractVm& interpreter, ContractVm& compiled, const PreparedContract& code,
          const CallContext& c, MapState& a_state, MapState& b_state) {
  const CallOutcome a = interpreter.Call(code, c, a_state);
  const CallOutcome b = compiled.Call(code, c, b_state);
  INFO(c.function << ": " << a.message << " | " << b.message);
  REQUIRE(static_cast<int>(a.kind) == static_cast<int>(b.kind));
  REQUIRE(a.gas_used == b.gas_used);
  REQUIRE(a.return_data == b.return_data);
  REQUIRE(a.events == b.events);
  REQUIRE(a.message == b.message);
  REQUIRE(a_state.data == b_state.data);
}

constexpr std::string_view kTrapsWat = R"(
(module
  (import "env" "storage_write" (func $sw (param i32 i32 i32 i32)))
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 5))
  (type $v (func))
  (type $i (func (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $ok $bad_type)
  (data (i32.const 16) "hello")
  (func $ok)
  (func $bad_type (result i32) (i32.const 1))
  (func $rec (param i32) (result i32) (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func $rec_wide (param i64 i64 i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64)
    (i64.add (call $rec_wide (local.get 0) (local.get 1) (local.get 2)) (local.get 3)))
  (func $depth (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))))
  (func $multi (result i32 i32) (i32.const 1) (return (i32.const 2) (i32.const 3)))
  (func (export "recurse") (drop (call $rec (i32.const 0))))
  (func (export "recurse_wide") (drop (call $rec_wide (i64.const 0) (i64.const 0) (i64.const 0))))
  (func (export "depth_ok")
    (i32.store (i32.const 0) (call $depth (i32.const 200)))
    (call $ret (i32.const 0) (i32.const 4)))
  (func (export "multi") (call $multi) (drop) (drop))
  (func (export "divzero") (drop (i32.div_u (i32.const 1) (i32.const 0))))
  (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func (export "oob") (drop (i32.load (i32.const 65534))))
  (func (export "unreachable") unreachable)
  (func (export "indirect_ok") (call_indirect (type $v) (i32.const 0)))
  (func (export "indirect_type") (call_indirect (type $v) (i32.const 1)))
  (func (export "indirect_null") (call_indirect (type $v) (i32.const 2)))
  (func (export "indirect_range") (call_indirect (type $v) (i32.const 9)))
  (func (export "dirty")
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (global.get $g)))
    (call $sw (i32.const 16) (i32.const 5) (i32.const 16) (i32.const 5))
    (call $ret (i32.const 16) (i32.const 5)))
  (func (export "grow")
    (drop (memory.grow (i32.const 2)))
    (i32.store (i32.const 131072) (i32.const 9))
    (call $ret (i32.const 131072) (i32.const 4)))
  (func (export "host_oob") (call $sw (i32.const 65530) (i32.const 10) (i32.const 0) (i32.const 1)))
  (func (export "ret_early") (block (block (return))) unreachable)
  (func (export "Zeta_name") (call $ret (i32.const 16) (i32.const 2))))
)";

TEST_CASE("AOT tier: traps, recursion, fresh state and gas equal the interpreter's", "[aot]") {
  if (!ToolsPresent()) return;
  testing::TempDir dir;
  const auto code = Prepare(WatToWasm(kTrapsWat));
  Compile(dir.Sub("aot"), *code);
  ContractVm interpreter{VmLimits{}, VmTier::kInterpreter}, compiled{VmLimits{}};
  MapState a, b;
  for (const char* f : {"recurse", "recurse_wide", "depth_ok", "multi", "divzero", "overflow",
                        "oob", "unreachable", "indirect_ok", "indirect_type", "indirect_null",
                        "indirect_range", "dirty", "dirty", "grow", "grow", "dirty",
                        "host_oob", "ret_early", "Zeta_name", "nope"}) {
    for (uint64_t gas : {uint64_t{100'000'000}, uint64_t{1'000}, uint64_t{40}}) {
      Same(interpreter, compiled, *code, Ctx(f, gas, {}), a, b);
    }
  }
  const CallOutcome rec = compiled.Call(*code, Ctx("recurse", 100'000'000, {}), b);
  CHECK(rec.kind == CallOutcome::Kind::kTrapped);
  CHECK(rec.message == "call stack exhausted");
  CHECK(compiled.Call(*code, Ctx("divzero", 1000, {}), b).message == "integer divide by zero");
  CHECK(compiled.Call(*code, Ctx("oob", 1000, {}), b).message == "out of bounds memory access");
  CHECK(compiled.Call(*code, Ctx("dirty", 100000, {}), b).return_data ==
        interpreter.Call(*code, Ctx("dirty", 100000, {}), a).return_data);
  const uint64_t before = TierCalls().aot;
  {
    ContractVm vm{VmLimits{}};
    for (int i = 0; i < 300; ++i) (void)vm.Call(*code, Ctx("dirty", 100000, {}), b);
  }
  CHECK(TierCalls().aot >= before + 300);
}

// A module that imports nothing: wasm2c's instantiate then takes the instance alone, and
// the glue used to pass the host environment too, so the build failed and such a
// contract stayed on the interpreter (found by the fuzzing helper).
constexpr std::string_view kNoImportsWat = R"(
(module
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (func (export "spin") (local i32)
    (loop $l
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (i32.store (i32.const 8) (local.get 0))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 500)))))
  (func (export "count") (global.set $n (i32.add (global.get $n) (i32.const 1))))
  (func (export "trap") unreachable)
  (func (export "oob") (drop (i32.load (i32.const 65536)))))
)";

TEST_CASE("AOT tier: a module without imports compiles and equals the interpreter", "[aot]") {
  if (!ToolsPresent()) return;
  testing::TempDir dir;
  const auto code = Prepare(WatToWasm(kNoImportsWat));
  Compile(dir.Sub("aot"), *code);
  const uint64_t before = TierCalls().aot;
  {
    // A VM adds its tier counts when it goes (or every 256 calls).
    ContractVm interpreter{VmLimits{}, VmTier::kInterpreter}, compiled{VmLimits{}};
    MapState a, b;
    for (const char* f : {"spin", "count", "count", "trap", "oob", "nope"}) {
      for (uint64_t gas : {uint64_t{10'000'000}, uint64_t{1'000}, uint64_t{20}}) {
        Same(interpreter, compiled, *code, Ctx(f, gas, {}), a, b);
      }
    }
    CHECK(compiled.Call(*code, Ctx("trap", 1000, {}), b).kind == CallOutcome::Kind::kTrapped);
  }
  CHECK(TierCalls().aot > before);  // the calls ran on the compiled module
}

// Found by contract_vm_fuzz on both tiers: the glue freed a compiled instance whose
// instantiation trapped but not the memory instantiation had allocated, so every call
// of such a contract leaked a page (LeakSanitizer, as in the nightly sanitizer run).
TEST_CASE("AOT tier: an instantiation that traps frees its memory and traps like the "
          "interpreter", "[aot]") {
  if (!ToolsPresent()) return;
  testing::TempDir dir;
  const auto code = Prepare(WatToWasm(R"(
(module
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "fits")
  (data (i32.const -4736) "does not fit")
  (func (export "f")))
)"));
  Compile(dir.Sub("aot"), *code);
  ContractVm interpreter{VmLimits{}, VmTier::kInterpreter}, compiled{VmLimits{}};
  MapState a, b;
  for (int i = 0; i < 20; ++i) Same(interpreter, compiled, *code, Ctx("f", 100'000, {}), a, b);
  const CallOutcome out = compiled.Call(*code, Ctx("f", 100'000, {}), b);
  CHECK(out.kind == CallOutcome::Kind::kTrapped);
  CHECK(out.message == kTrapInstantiation);
}

TEST_CASE("AOT tier: random calls of the example contracts equal the interpreter's", "[aot]") {
  if (!ToolsPresent()) return;
  testing::TempDir dir;
  auto rng = chainaccel::testing::MakeRng("aot examples");
  const auto token = Prepare(ExampleContract("token"));
  const auto swap = Prepare(ExampleContract("swap"));
  const auto counter = Prepare(ExampleContract("counter"));
  for (const auto& c : {token, swap, counter}) Compile(dir.Sub("aot"), *c);
  ContractVm interpreter{VmLimits{}, VmTier::kInterpreter}, compiled{VmLimits{}};
  MapState a, b;
  for (int i = 0; i < 3000; ++i) {
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
    INFO("call " << i);
    Same(interpreter, compiled, *code, c, a, b);
  }
}

TEST_CASE("AOT cache: reused across compilers, corrupt and stale entries rebuilt", "[aot]") {
  if (!ToolsPresent()) return;
  testing::TempDir dir;
  const std::string cache = dir.Sub("aot");
  const auto wasm = ExampleContract("counter");
  AotBuildReport first, second, corrupt;
  Compile(cache, *Prepare(wasm), &first);
  CHECK_FALSE(first.cached);
  Compile(cache, *Prepare(wasm), &second);
  CHECK(second.cached);
  // A torn object: not loadable, so rebuilt.
  for (const auto& e : std::filesystem::directory_iterator(cache)) {
    std::filesystem::resize_file(e.path(), 100);
  }
  Compile(cache, *Prepare(wasm), &corrupt);
  CHECK_FALSE(corrupt.cached);
  // An object of other bytes under this code hash (stale): refused, rebuilt.
  const auto counter = Prepare(wasm);
  const auto other = Prepare(ExampleContract("token"));
  Compile(dir.Sub("other"), *other);
  const std::string name = std::filesystem::directory_iterator(cache)->path().string();
  std::filesystem::copy_file(std::filesystem::directory_iterator(dir.Sub("other"))->path(),
                             name, std::filesystem::copy_options::overwrite_existing);
  AotBuildReport stale;
  Compile(cache, *counter, &stale);
  CHECK_FALSE(stale.cached);
}

TEST_CASE("AOT build: past the time limit the build is killed and the call stays interpreted",
          "[aot]") {
  if (!ToolsPresent()) return;
  testing::TempDir dir;
  AotOptions options;
  options.cache_dir = dir.Sub("aot");
  options.time_limit_seconds = 0.01;
  const auto code = Prepare(ExampleContract("token"));
  AotCompiler compiler(options);
  const Status s = compiler.CompileNow(*code);
  CHECK(s.code() == Status::Code::kDeadlineExceeded);
  CHECK(code->aot() == nullptr);
  ContractVm vm{VmLimits{}};
  MapState state;
  CHECK(vm.Call(*code, Ctx("balance", 100000, std::string(32, '\1')), state).kind ==
        CallOutcome::Kind::kOk);
}

TEST_CASE("AOT compiler: Submit builds in the background and attaches", "[aot]") {
  if (!ToolsPresent()) return;
  testing::TempDir dir;
  AotOptions options;
  options.cache_dir = dir.Sub("aot");
  int builds = 0;
  options.on_build = [&](const AotBuildReport& r) { builds += r.ok ? 1 : 0; };
  const auto code = Prepare(ExampleContract("swap"));
  AotCompiler compiler(options);
  compiler.Submit(code);
  compiler.Submit(code);
  compiler.Drain();
  CHECK(code->aot() != nullptr);
  CHECK(builds == 1);
}

}  // namespace
}  // namespace chainaccel::exec

namespace chainaccel::exec {
namespace {

// Compute-heavy contracts for the tier comparison (bench/EXEC_RESULTS.md, "Contract
// tiers"): an FNV-1a-style hash loop over 64 KiB and an insertion sort of 1024 words.
constexpr std::string_view kComputeWat = R"(
(module
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "hash") (local $i i32) (local $h i64) (local $r i32)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (loop $rounds
      (local.set $i (i32.const 0))
      (loop $l
        (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load8_u (local.get $i)))
                               (i64.const 0x100000001b3)))
        (i64.store8 (local.get $i) (local.get $h))
        (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                            (i32.const 65536))))
      (br_if $rounds (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1)))
                               (i32.const 4))))
    (i64.store (i32.const 0) (local.get $h))
    (call $ret (i32.const 0) (i32.const 8)))
  (func (export "sort") (local $i i32) (local $j i32) (local $x i32) (local $s i32)
    (local.set $s (i32.const 12345))
    (loop $fill
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $s))
      (br_if $fill (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1024))))
    (local.set $i (i32.const 1))
    (loop $outer
      (local.set $x (i32.load (i32.shl (local.get $i) (i32.const 2))))
      (local.set $j (local.get $i))
      (block $done
        (loop $inner
          (br_if $done (i32.eqz (local.get $j)))
          (br_if $done (i32.le_u (i32.load (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2)))
                                 (local.get $x)))
          (i32.store (i32.shl (local.get $j) (i32.const 2))
                     (i32.load (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2))))
          (local.set $j (i32.sub (local.get $j) (i32.const 1)))
          (br $inner)))
      (i32.store (i32.shl (local.get $j) (i32.const 2)) (local.get $x))
      (br_if $outer (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1024))))
    (call $ret (i32.const 0) (i32.const 16))))
)";

double SecondsPerCall(ContractVm& vm, const PreparedContract& code, const CallContext& c,
                      MapState& state, int calls) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    const CallOutcome out = vm.Call(code, c, state);
    REQUIRE(out.kind == CallOutcome::Kind::kOk);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls;
}

// Run with: exec_aot_tests "[.aot-bench]" (one thread; prints per-call times).
TEST_CASE("AOT tier against the interpreter: per-call time", "[.aot-bench]") {
  if (!ToolsPresent()) return;
  testing::TempDir dir;
  const auto compute = Prepare(WatToWasm(kComputeWat));
  const auto token = Prepare(ExampleContract("token"));
  Compile(dir.Sub("aot"), *compute);
  Compile(dir.Sub("aot"), *token);
  ContractVm interpreter{VmLimits{}, VmTier::kInterpreter}, compiled{VmLimits{}};
  MapState a, b;
  const std::string mint = U64(1'000'000'000);
  const std::string transfer = std::string(32, '\2') + U64(1);
  struct Case { const char* name; const PreparedContract* code; const char* fn; std::string input; int calls; };
  for (const Case& k : {Case{"hash loop (256 Ki rounds)", compute.get(), "hash", "", 20},
                        Case{"insertion sort (1024 words)", compute.get(), "sort", "", 20},
                        Case{"token mint", token.get(), "mint", mint, 20000},
                        Case{"token transfer", token.get(), "transfer", transfer, 20000}}) {
    CallContext c = Ctx(k.fn, uint64_t{1} << 40, k.input);
    c.caller.fill(1);
    Same(interpreter, compiled, *k.code, c, a, b);
    const double ti = SecondsPerCall(interpreter, *k.code, c, a, k.calls);
    const double tc = SecondsPerCall(compiled, *k.code, c, b, k.calls);
    WARN(k.name << ": interpreter " << ti * 1e6 << " us, aot " << tc * 1e6 << " us, "
                << ti / tc << "x");
  }
}

}  // namespace
}  // namespace chainaccel::exec
