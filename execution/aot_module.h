// The ahead-of-time contract tier (docs/execution.md, "Contract tiers").
//
// A contract's instrumented module (PreparedContract::instrumented_module, the bytes the
// interpreter runs) is translated to C by WABT's wasm2c and compiled by the system C
// compiler into a shared object, together with a small runtime and glue written here:
// the glue binds the module's `env` imports to the shared host functions (host_abi.h),
// keeps one fresh-state image per instance and turns wasm2c's traps into codes.
//
// AotCompiler builds or loads these objects, cached by code hash in a directory that
// survives restarts, in a sandboxed worker process (time and resource limits), on a
// thread of its own; a finished module is attached to its PreparedContract, and
// ContractVm runs the contract on it from the next call on.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/status.h"
#include "execution/aot_sandbox.h"
#include "execution/contract_vm.h"

namespace chainaccel::exec {

class HostCalls;

// Why a compiled call stopped (wasm2c's wasm_rt_trap_t values).
enum class AotTrap : int {
  kNone = 0,
  kMemoryBounds = 1,
  kIntegerOverflow = 2,
  kDivideByZero = 3,
  kInvalidConversion = 4,
  kUnreachable = 5,
  kIndirectCall = 6,
  kUncaughtException = 7,
  kExhaustion = 8,
};

// Trap messages of both tiers (receipts carry them).
inline constexpr std::string_view kTrapUnreachable = "unreachable executed";
inline constexpr std::string_view kTrapDivideByZero = "integer divide by zero";
inline constexpr std::string_view kTrapIntegerOverflow = "integer overflow";
inline constexpr std::string_view kTrapMemoryBounds = "out of bounds memory access";
inline constexpr std::string_view kTrapIndirectCall =
    "indirect call of a missing table element or of the wrong type";
inline constexpr std::string_view kTrapStackExhausted = "call stack exhausted";
inline constexpr std::string_view kTrapInstantiation =
    "instantiation failed: a data or element segment does not fit";
std::string_view AotTrapMessage(AotTrap trap);

// A loaded shared object of one contract. Immutable, thread-safe; unloaded when the
// last reference goes.
class AotModule {
 public:
  // Loads `path` and checks that it was built by this ABI version from exactly
  // `module` (its SHA-256 is embedded) with `entry_count` entry points; INTERNAL naming
  // the reason otherwise (not there, not loadable, stale).
  static Status Load(const std::string& path, ByteView module, size_t entry_count,
                     std::shared_ptr<const AotModule>* out);
  ~AotModule();
  AotModule(const AotModule&) = delete;
  AotModule& operator=(const AotModule&) = delete;

 private:
  friend class AotInstance;
  AotModule() = default;
  struct Symbols;
  void* handle_ = nullptr;
  std::unique_ptr<Symbols> symbols_;
};

// One instance of a compiled contract. Not thread-safe: one per ContractVm.
class AotInstance {
 public:
  // Instantiates `module`; nullptr when instantiation traps (a segment that does not fit).
  static std::unique_ptr<AotInstance> New(std::shared_ptr<const AotModule> module);
  ~AotInstance();
  AotInstance(const AotInstance&) = delete;
  AotInstance& operator=(const AotInstance&) = delete;

  // Runs entry point `entry` with *gas in the gas counter; host calls go to `host`.
  // Returns the trap (kNone when it returned), *gas the counter after the call and
  // *stack_units the stack rule's counter (above the budget after exhaustion).
  AotTrap Call(uint32_t entry, HostCalls& host, int64_t* gas, uint32_t* stack_units);
  // Puts memory and globals back as instantiation left them; false when the memory grew
  // (the instance must then be dropped).
  bool Reset();
  // Memory held: the live memory and its fresh image.
  size_t bytes() const;

 private:
  AotInstance() = default;
  std::shared_ptr<const AotModule> module_;
  void* instance_ = nullptr;
};

struct AotOptions {
  std::string cache_dir;        // <data_dir>/aot in the daemon; created if missing
  std::string wasm2c = "wasm2c";  // looked up in PATH when not absolute
  std::string cc = "cc";
  double time_limit_seconds = 120;             // wall clock, per build
  uint64_t memory_limit_bytes = uint64_t{2} << 30;  // address space of each build process
  // Called after each build or load attempt (on the compiler's thread).
  std::function<void(const struct AotBuildReport&)> on_build;
};

struct AotBuildReport {
  Hash32 code_hash{};
  bool cached = false;  // loaded from the cache, not built
  bool ok = false;
  bool timed_out = false;  // the build ran past time_limit_seconds (then !ok)
  double seconds = 0;   // of the build (or the load)
  std::string error;    // when !ok
};

// Whether wasm2c, the C compiler and wasm-rt.h are there; *why names what is missing.
bool AotToolsPresent(const AotOptions& options, std::string* why);

// Builds and loads compiled modules. Thread-safe.
class AotCompiler {
 public:
  // Removes the build-* folders in the cache folder that no build holds (left by a
  // process that died), then starts the worker.
  explicit AotCompiler(AotOptions options);
  // Stops the worker: queued contracts are dropped, a running build is killed.
  ~AotCompiler();

  // Queues `contract`; returns at once. The worker loads its cached object or builds
  // it, then attaches it to the contract. A contract already attached or queued is
  // skipped.
  void Submit(std::shared_ptr<const PreparedContract> contract);
  // Loads or builds `contract`'s module now, on this thread, and attaches it.
  Status CompileNow(const PreparedContract& contract, AotBuildReport* report = nullptr);
  // Waits until the queue is empty and the worker idle (tests, benchmarks).
  void Drain();

 private:
  void Work();
  Status LoadOrBuild(const PreparedContract& contract, AotBuildReport* report);
  // Builds `contract`'s object in a fresh build-* folder of the cache, holding the
  // folder's lock (LockBuildFolder) while it exists, and moves it to `object`.
  Status BuildObject(const PreparedContract& contract, const std::string& header,
                     const std::string& wasm2c, const std::string& cc,
                     const std::string& object);

  const AotOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<const PreparedContract>> queue_;  // guarded by mu_
  bool busy_ = false;                                          // guarded by mu_
  bool stopping_ = false;                                      // guarded by mu_
  BuildSandbox sandbox_;  // runs the builds; stopped by the destructor
  std::thread worker_;
};

}  // namespace chainaccel::exec
