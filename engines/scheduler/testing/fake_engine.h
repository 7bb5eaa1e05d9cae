// Test doubles for the scheduler: a clock the test moves, and an engine whose batches
// the test can hold, fail and inspect. No GPU needed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "engines/engine.h"
#include "engines/scheduler/clock.h"

namespace chainaccel::testing {

class FakeClock final : public Clock {
 public:
  SchedulerClock::time_point Now() const override {
    return SchedulerClock::time_point(std::chrono::nanoseconds(nanos_.load()));
  }
  void Advance(std::chrono::nanoseconds d) { nanos_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> nanos_{1'000'000'000};
};

// Runs every task type with outputs that are a pure function of each item (so a test can
// check that results reach the right request in the right order):
//   hash            digest = SHA-256 of the message (the real one);
//   signature verify  kOk when the message's first byte is even, else kInvalid
//                   (kMalformedMessage for an empty message);
//   recovery        public key = the hash twice, address = its first 20 bytes, kOk;
//   Merkle verify   kOk when the leaf's first byte is even, else kInvalid;
//   Merkle build    root = SHA-256 of all leaf bytes.
// Thread-safe.
class FakeEngine final : public Engine {
 public:
  FakeEngine(std::string name, EngineKind kind, std::set<TaskType> types = AllTypes());

  static std::set<TaskType> AllTypes();

  const EngineInfo& info() const override { return info_; }
  bool Supports(TaskType type) const override { return types_.count(type) != 0; }
  Status Run(Task& task) override CHAINACCEL_EXCLUDES(mu_);
  EngineStats stats() const override;
  bool healthy() const override { return healthy_.load(); }

  // Batches block in Run until Release (Hold before they start).
  void Hold() CHAINACCEL_EXCLUDES(mu_);
  void Release() CHAINACCEL_EXCLUDES(mu_);
  // Lets the batches held now go on while the engine keeps holding later ones (so a test
  // can step batch by batch).
  void ReleaseHeld() CHAINACCEL_EXCLUDES(mu_);
  // Waits until `n` batches are blocked in Run.
  void WaitHeld(size_t n) CHAINACCEL_EXCLUDES(mu_);
  // Waits until `n` batches have finished.
  void WaitBatches(size_t n) CHAINACCEL_EXCLUDES(mu_);
  // The next batch fails with INTERNAL after scribbling on its outputs, and the engine
  // turns unhealthy.
  void FailNext() { fail_next_ = true; }
  void SetHealthy(bool healthy) { healthy_ = healthy; }
  // Each batch moves `clock` by fixed + items x per_item (its "run time").
  void SetCost(FakeClock* clock, std::chrono::nanoseconds fixed, std::chrono::nanoseconds per_item);

  // Item counts of the batches run so far, in order of completion.
  std::vector<size_t> batch_sizes() const CHAINACCEL_EXCLUDES(mu_);
  // Batches waiting in Run for Release now.
  size_t held() const CHAINACCEL_EXCLUDES(mu_);
  size_t batches() const CHAINACCEL_EXCLUDES(mu_);

 private:
  EngineInfo info_;
  const std::set<TaskType> types_;
  std::atomic<bool> fail_next_{false};
  std::atomic<bool> healthy_{true};
  FakeClock* clock_ = nullptr;
  std::chrono::nanoseconds fixed_{0};
  std::chrono::nanoseconds per_item_{0};

  mutable Mutex mu_;
  CondVar changed_;  // waited on with mu_: held_, holding_ or batch_sizes_ changed
  bool holding_ CHAINACCEL_GUARDED_BY(mu_) = false;
  size_t held_ CHAINACCEL_GUARDED_BY(mu_) = 0;
  uint64_t released_ CHAINACCEL_GUARDED_BY(mu_) = 0;  // ReleaseHeld calls so far
  std::vector<size_t> batch_sizes_ CHAINACCEL_GUARDED_BY(mu_);
};

// The FakeEngine outputs of one item, for checks: what a correct scatter must deliver.
ItemStatus FakeVerdict(ByteView message);

}  // namespace chainaccel::testing
