// The ahead-of-time tier for the contract-VM and executor fuzzers (scripts/fuzz.sh): the
// module of an input, compiled by the daemon's AotCompiler (wasm2c and cc in the build
// sandbox), so that a fuzzer can run the same calls on both tiers and require identical
// results.
//
// A build takes 0.5 to 1 s, thousands of fuzz iterations. Two things keep the fuzzers
// fast: compiled contracts are kept by code hash, in memory (at most kMaxKept) and in a
// cache folder that outlives the run, so that the many inputs that mutate only the calls
// reuse the module's object; and new modules are built only while the builds' total
// time stays within a share of the run's wall time (plus a first allowance, so that the
// seeds and a replayed crash input are always compiled). Inputs whose module is not
// compiled run on the interpreter only.
//
// Environment, read at first use:
//   CHAINACCEL_FUZZ_AOT_SHARE  the most of the run's time spent building (default 0.25;
//                              0 turns the tier off)
//   CHAINACCEL_FUZZ_AOT_CACHE  the cache folder (default <temp>/chainaccel-fuzz-aot)
// At exit it prints how many modules it built and loaded, and how many calls of
// compiled modules it handed out.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "execution/aot_module.h"
#include "execution/contract_vm.h"

namespace chainaccel::fuzz {

class FuzzAotTier {
 public:
  // Compiled contracts kept in memory (each holds a loaded shared object).
  static constexpr size_t kMaxKept = 256;
  // Build time always allowed, whatever the share: the seeds' three modules (0.4 to
  // 0.6 s each here) and a replayed input.
  static constexpr double kAllowanceSeconds = 2;

  // The process's tier. Not thread-safe (libFuzzer runs one input at a time).
  static FuzzAotTier& Get();

  // `wasm`'s contract, prepared anew with `limits`, with its compiled module attached;
  // nullptr when the tier is off or its tools are missing, when `wasm` does not
  // prepare, when a new build would exceed the share, or when the build failed (printed
  // to stderr once per module: the interpreter keeps serving such a contract, as in the
  // daemon).
  std::shared_ptr<const exec::PreparedContract> Compiled(ByteView wasm,
                                                         const exec::VmLimits& limits);

 private:
  FuzzAotTier();
  bool WithinShare() const;
  bool InCacheFolder(const Hash32& code_hash) const;
  void PrintStats() const;

  double share_ = 0.25;
  std::string cache_dir_;
  std::unique_ptr<exec::AotCompiler> compiler_;  // null when the tier is off
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double build_seconds_ = 0;
  std::map<Hash32, std::shared_ptr<const exec::PreparedContract>> kept_;
  std::set<Hash32> failed_;
  uint64_t builds_ = 0, loads_ = 0, handed_out_ = 0, over_share_ = 0;
};

}  // namespace chainaccel::fuzz
