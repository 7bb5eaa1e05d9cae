// CpuEngine: runs every task type on the host CPU with the reference libraries.
//
// SHA-256 with OpenSSL, Keccak-256 with Crypto++, Ed25519 with libsodium, ECDSA,
// BIP-340 and recovery with libsecp256k1 (see docs/signatures.md for the acceptance
// rules), Groth16 proofs and their verification with our crypto/groth16 (docs/zk.md).
// Large batches are split across the engine's ThreadPool. Thread-safe.
#pragma once

#include <atomic>
#include <memory>

#include "core/thread_pool.h"
#include "engines/engine.h"

namespace chainaccel {

class CpuEngine final : public Engine {
 public:
  struct Options {
    // Worker threads; 0 means one per hardware thread.
    size_t threads = 0;
    // The workers' nice value (ThreadPool): the daemon lowers it while a GPU engine is in
    // service, so that CPU batches take only the cores that gRPC and the GPU's staging
    // leave idle.
    int nice = 0;
  };

  explicit CpuEngine(const Options& options);
  ~CpuEngine() override;

  const EngineInfo& info() const override { return info_; }
  bool Supports(TaskType type) const override;
  Status Run(Task& task) override;
  EngineStats stats() const override;

  // The engine's workers. The scheduler runs CPU tasks on them too.
  ThreadPool& pool() { return *pool_; }

 private:
  EngineInfo info_;
  std::unique_ptr<ThreadPool> pool_;
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> items_{0};
  std::atomic<uint64_t> busy_nanos_{0};
};

}  // namespace chainaccel
