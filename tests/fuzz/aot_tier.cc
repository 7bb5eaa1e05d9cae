#include "tests/fuzz/aot_tier.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/hex.h"

// LeakSanitizer's tracer can crash ("Tracer caught signal 11", a known runtime bug,
// google/sanitizers#1170) walking the dynamic TLS of threads that ran a dlopen'd
// compiled module: once in 7 runs of executor_fuzz here, none in 6 runs with this
// option. The modules' thread-locals hold no heap pointers (a call depth and a pointer
// to a jmp_buf on the stack), so they need not be tracked as roots. ASAN_OPTIONS in the
// environment still override it.
extern "C" const char* __asan_default_options() { return "intercept_tls_get_addr=0"; }

namespace chainaccel::fuzz {

FuzzAotTier& FuzzAotTier::Get() {
  static FuzzAotTier* const tier = [] {
    auto* t = new FuzzAotTier();
    std::atexit([] { Get().PrintStats(); });
    return t;
  }();
  return *tier;
}

FuzzAotTier::FuzzAotTier() {
  if (const char* share = std::getenv("CHAINACCEL_FUZZ_AOT_SHARE")) share_ = std::atof(share);
  const char* dir = std::getenv("CHAINACCEL_FUZZ_AOT_CACHE");
  cache_dir_ = dir != nullptr && *dir != 0
                   ? std::string(dir)
                   : (std::filesystem::temp_directory_path() / "chainaccel-fuzz-aot").string();
  exec::AotOptions options;
  options.cache_dir = cache_dir_;
  std::string why;
  if (share_ <= 0) {
    std::fprintf(stderr, "aot tier: off (CHAINACCEL_FUZZ_AOT_SHARE=0)\n");
  } else if (!exec::AotToolsPresent(options, &why)) {
    std::fprintf(stderr, "aot tier: off: %s\n", why.c_str());
  } else {
    compiler_ = std::make_unique<exec::AotCompiler>(options);
  }
}

bool FuzzAotTier::WithinShare() const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return build_seconds_ <= kAllowanceSeconds + share_ * elapsed;
}

bool FuzzAotTier::InCacheFolder(const Hash32& code_hash) const {
  std::error_code ec;
  return std::filesystem::exists(
      std::filesystem::path(cache_dir_) / (HexEncode(code_hash) + ".so"), ec);
}

std::shared_ptr<const exec::PreparedContract> FuzzAotTier::Compiled(
    ByteView wasm, const exec::VmLimits& limits) {
  if (compiler_ == nullptr) return nullptr;
  const Hash32 code_hash = exec::CodeHash(wasm);
  if (auto it = kept_.find(code_hash); it != kept_.end()) {
    ++handed_out_;
    return it->second;
  }
  if (failed_.count(code_hash) != 0) return nullptr;
  if (!InCacheFolder(code_hash) && !WithinShare()) {
    ++over_share_;
    return nullptr;
  }
  std::shared_ptr<const exec::PreparedContract> contract;
  if (!exec::PrepareContract(wasm, limits, &contract).ok()) return nullptr;
  exec::AotBuildReport report;
  const Status s = compiler_->CompileNow(*contract, &report);
  (report.cached ? loads_ : builds_) += 1;
  if (!report.cached) build_seconds_ += report.seconds;
  if (!s.ok()) {
    failed_.insert(code_hash);
    std::fprintf(stderr, "aot tier: module %s not compiled: %s\n",
                 HexEncode(code_hash).c_str(), s.ToString().c_str());
    return nullptr;
  }
  if (kept_.size() >= kMaxKept) kept_.clear();
  kept_.emplace(code_hash, contract);
  ++handed_out_;
  return contract;
}

void FuzzAotTier::PrintStats() const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr,
               "aot tier: %llu builds (%.1f s of %.1f s), %llu loaded from %s, %llu inputs "
               "given a compiled module, %llu left to the interpreter over the share, %zu "
               "failed builds\n",
               static_cast<unsigned long long>(builds_), build_seconds_, elapsed,
               static_cast<unsigned long long>(loads_), cache_dir_.c_str(),
               static_cast<unsigned long long>(handed_out_),
               static_cast<unsigned long long>(over_share_), failed_.size());
}

}  // namespace chainaccel::fuzz
