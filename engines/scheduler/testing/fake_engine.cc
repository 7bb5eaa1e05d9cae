#include "engines/scheduler/testing/fake_engine.h"

#include <cstring>
#include <variant>

#include "crypto/hashes.h"

namespace chainaccel::testing {
namespace {

void Compute(Task& task) {
  if (auto* hash = std::get_if<HashTask>(&task)) {
    for (size_t i = 0; i < hash->messages.size(); ++i) Sha256(hash->messages[i], hash->digests + 32 * i);
  } else if (auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    for (size_t i = 0; i < verify->messages.size(); ++i) verify->status[i] = FakeVerdict(verify->messages[i]);
  } else if (auto* recover = std::get_if<SignatureRecoverTask>(&task)) {
    for (size_t i = 0; i < recover->count; ++i) {
      std::memcpy(recover->public_keys + 64 * i, recover->hashes + 32 * i, 32);
      std::memcpy(recover->public_keys + 64 * i + 32, recover->hashes + 32 * i, 32);
      std::memcpy(recover->addresses + 20 * i, recover->hashes + 32 * i, 20);
      recover->status[i] = ItemStatus::kOk;
    }
  } else if (auto* proofs = std::get_if<MerkleVerifyTask>(&task)) {
    for (size_t i = 0; i < proofs->leaves.size(); ++i) proofs->status[i] = FakeVerdict(proofs->leaves[i]);
  } else if (auto* build = std::get_if<MerkleBuildTask>(&task)) {
    Sha256(build->leaves.data(), build->root.data());
  }
}

void Scribble(Task& task) {
  if (auto* hash = std::get_if<HashTask>(&task)) {
    std::memset(hash->digests, 0xEE, 32 * hash->messages.size());
  } else if (auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    for (size_t i = 0; i < verify->messages.size(); ++i) verify->status[i] = ItemStatus::kHighS;
  }
}

}  // namespace

ItemStatus FakeVerdict(ByteView message) {
  if (message.empty()) return ItemStatus::kMalformedMessage;
  return message[0] % 2 == 0 ? ItemStatus::kOk : ItemStatus::kInvalid;
}

std::set<TaskType> FakeEngine::AllTypes() {
  return {TaskType::kHash, TaskType::kMerkleBuild, TaskType::kMerkleVerify,
          TaskType::kSignatureVerify, TaskType::kSignatureRecover};
}

FakeEngine::FakeEngine(std::string name, EngineKind kind, std::set<TaskType> types)
    : types_(std::move(types)) {
  info_.name = std::move(name);
  info_.kind = kind;
  info_.threads = 1;
}

void FakeEngine::SetCost(FakeClock* clock, std::chrono::nanoseconds fixed,
                         std::chrono::nanoseconds per_item) {
  clock_ = clock;
  fixed_ = fixed;
  per_item_ = per_item;
}

Status FakeEngine::Run(Task& task) {
  {
    MutexLock lock(mu_);
    ++held_;
    changed_.NotifyAll();
    const uint64_t released = released_;
    while (holding_ && released_ == released) changed_.Wait(mu_);
    --held_;
  }
  const size_t items = TaskItemCount(task);
  if (clock_ != nullptr) clock_->Advance(fixed_ + per_item_ * static_cast<int64_t>(items));
  Status status;
  if (fail_next_.exchange(false)) {
    Scribble(task);
    healthy_ = false;
    status = Status::Internal("injected device fault");
  } else {
    Compute(task);
  }
  MutexLock lock(mu_);
  batch_sizes_.push_back(items);
  changed_.NotifyAll();
  return status;
}

EngineStats FakeEngine::stats() const {
  EngineStats s;
  s.healthy = healthy_.load();
  s.batches = batches();
  return s;
}

void FakeEngine::Hold() {
  MutexLock lock(mu_);
  holding_ = true;
}

void FakeEngine::Release() {
  MutexLock lock(mu_);
  holding_ = false;
  changed_.NotifyAll();
}

void FakeEngine::ReleaseHeld() {
  MutexLock lock(mu_);
  ++released_;
  changed_.NotifyAll();
}

void FakeEngine::WaitHeld(size_t n) {
  MutexLock lock(mu_);
  while (held_ < n) changed_.Wait(mu_);
}

void FakeEngine::WaitBatches(size_t n) {
  MutexLock lock(mu_);
  while (batch_sizes_.size() < n) changed_.Wait(mu_);
}

size_t FakeEngine::held() const {
  MutexLock lock(mu_);
  return held_;
}

std::vector<size_t> FakeEngine::batch_sizes() const {
  MutexLock lock(mu_);
  return batch_sizes_;
}

size_t FakeEngine::batches() const {
  MutexLock lock(mu_);
  return batch_sizes_.size();
}

}  // namespace chainaccel::testing
