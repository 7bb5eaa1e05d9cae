// The hybrid scheduler under load: 500 concurrent clients with mixed task types, options,
// sizes, placements, priorities, random deadlines and cancellations, over the CPU engine
// and two "GPU" engines (CPU engines behind a GPU face, one failing now and then). Every
// answer is checked against a reference CPU engine; every refusal must be a documented
// status; every request completes exactly once. CI also runs it under TSan.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "engines/cpu/cpu_engine.h"
#include "engines/scheduler/hybrid_scheduler.h"
#include "tests/support/outcome.h"
#include "tests/support/random.h"
#include "tests/support/signature_batch.h"
#include "tests/support/signature_cases.h"

namespace chainaccel {
namespace {

using testing::RandomBytes;
using testing::RandomSize;
using namespace std::chrono_literals;

// A GPU stand-in over a CPU engine: it runs no Merkle proofs, and fails one batch in
// `fail_one_in` (a device fault the scheduler must absorb by re-running on the CPU).
class ProxyGpu final : public Engine {
 public:
  ProxyGpu(std::string name, size_t fail_one_in) : inner_(CpuEngine::Options{1}), fail_one_in_(fail_one_in) {
    info_.name = std::move(name);
    info_.kind = EngineKind::kGpu;
  }
  const EngineInfo& info() const override { return info_; }
  bool Supports(TaskType type) const override { return type != TaskType::kMerkleVerify; }
  Status Run(Task& task) override {
    if (fail_one_in_ != 0 && runs_.fetch_add(1) % fail_one_in_ == fail_one_in_ - 1) {
      return Status::Internal("injected device fault");
    }
    return inner_.Run(task);
  }
  EngineStats stats() const override { return inner_.stats(); }

 private:
  EngineInfo info_;
  CpuEngine inner_;
  const size_t fail_one_in_;
  std::atomic<uint64_t> runs_{0};
};

// One client request: inputs, the task, its outputs, and the reference outputs.
struct Call {
  std::vector<uint8_t> a, b;
  std::vector<uint64_t> offsets{0};
  testing::SignatureBatch signatures;
  std::vector<uint8_t> out_a, out_b, ref_a, ref_b;
  std::vector<ItemStatus> status, ref_status;
  Hash32 ref_root{};
  Task task;

  bool Matches() const {
    if (const auto* t = std::get_if<MerkleBuildTask>(&task)) return t->root == ref_root;
    return out_a == ref_a && out_b == ref_b && status == ref_status;
  }
};

// nullptr when the reference engine refuses the task (a test bug, reported by the caller).
std::unique_ptr<Call> MakeCall(std::mt19937_64& rng, CpuEngine& reference, Status* refusal) {
  auto c = std::make_unique<Call>();
  const size_t kind = rng() % 5;
  if (kind == 0 || kind == 4) {  // hashes of variable-size messages
    const size_t n = RandomSize(rng, 1, 400);
    for (size_t i = 0; i < n; ++i) {
      const auto m = RandomBytes(rng, RandomSize(rng, 0, 100));
      c->a.insert(c->a.end(), m.begin(), m.end());
      c->offsets.push_back(c->a.size());
    }
    c->out_a.resize(32 * n);
    const auto algorithm = static_cast<HashAlgorithm>(1 + rng() % 3);
    c->task = HashTask{algorithm, PackedItems::Variable(c->a, c->offsets), c->out_a.data()};
  } else if (kind == 1) {  // signatures, valid and corrupted, in several configurations
    testing::SignatureConfig config;
    config.scheme = static_cast<SignatureScheme>(1 + rng() % 3);
    if (config.scheme == SignatureScheme::kEcdsaSecp256k1) {
      config.encoding = rng() % 2 ? SignatureEncoding::kDer : SignatureEncoding::kCompact;
      config.allow_high_s = rng() % 2;
      config.pre_hash = PreHash::kSha256;
    }
    const size_t n = RandomSize(rng, 1, 24);
    for (const auto& s : testing::MakeSignatureCases(rng, config, n)) {
      c->signatures.Add(s.message, s.public_key, s.signature, s.what);
    }
    c->status.resize(n);
    c->task = c->signatures.Task(config, c->status.data());
  } else if (kind == 2) {  // recovery of random signatures (most fail to recover)
    const size_t n = RandomSize(rng, 1, 24);
    c->a = RandomBytes(rng, 32 * n);
    c->b = RandomBytes(rng, 65 * n);
    for (size_t i = 0; i < n; ++i) c->b[65 * i + 64] = static_cast<uint8_t>(rng() % 2 ? 27 : rng() % 4);
    c->out_a.resize(64 * n);
    c->out_b.resize(20 * n);
    c->status.resize(n);
    c->task = SignatureRecoverTask{n, c->a.data(), c->b.data(), rng() % 2 == 0, c->out_a.data(),
                                   c->out_b.data(), c->status.data()};
  } else {  // a Merkle tree
    const size_t n = RandomSize(rng, 1, 300);
    c->a = RandomBytes(rng, 32 * n);
    MerkleBuildTask t;
    t.scheme = static_cast<MerkleScheme>(1 + rng() % 3);
    t.leaves = PackedItems::Fixed(c->a, 32);
    c->task = std::move(t);
  }
  // The reference: the same inputs on a separate CPU engine, outputs copied aside.
  *refusal = reference.Run(c->task);
  if (!refusal->ok()) return nullptr;
  if (auto* t = std::get_if<MerkleBuildTask>(&c->task)) c->ref_root = t->root;
  c->ref_a = c->out_a;
  c->ref_b = c->out_b;
  c->ref_status = c->status;
  std::fill(c->out_a.begin(), c->out_a.end(), 0);
  std::fill(c->out_b.begin(), c->out_b.end(), 0);
  std::fill(c->status.begin(), c->status.end(), ItemStatus::kUnspecified);
  if (auto* t = std::get_if<MerkleBuildTask>(&c->task)) t->root = Hash32{};
  return c;
}

TEST_CASE("500 concurrent clients: every answer right, every refusal documented") {
  const uint64_t seed = testing::TestSeed();
  CpuEngine cpu(CpuEngine::Options{2});
  ProxyGpu gpu0("gpu:0", 0), gpu1("gpu:1", 7);
  CpuEngine reference(CpuEngine::Options{1});
  HybridScheduler::Options options;
  options.max_queued_items = 6000;  // small enough that some requests are refused
  options.min_split_items = 50;
  options.max_batch_items.fill(256);
  HybridScheduler scheduler({&cpu, &gpu0, &gpu1}, options);

  constexpr size_t kClients = 500;
  constexpr size_t kCallsPerClient = 2;
  std::atomic<size_t> ok{0}, refused{0}, deadline{0}, cancelled{0}, wrong{0}, undocumented{0};
  std::mutex notes_mu;
  std::vector<std::string> notes;  // Catch2 assertions are not thread-safe: collected here
  std::vector<std::thread> clients;
  for (size_t k = 0; k < kClients; ++k) {
    clients.emplace_back([&, k] {
      std::mt19937_64 rng(seed + k);
      for (size_t call = 0; call < kCallsPerClient; ++call) {
        Status made;
        const auto c = MakeCall(rng, reference, &made);
        if (!c) {
          ++undocumented;
          std::lock_guard<std::mutex> lock(notes_mu);
          notes.push_back("reference refused a task: " + made.ToString());
          continue;
        }
        Scheduler::SubmitOptions o;
        o.placement = static_cast<Placement>(rng() % 4);
        o.priority = rng() % 4 == 0 ? Priority::kHigh : Priority::kNormal;
        if (rng() % 3 == 0) o.deadline = SchedulerClock::now() + std::chrono::microseconds(rng() % 20000);
        auto gone = std::make_shared<std::atomic<bool>>(false);
        if (rng() % 20 == 0) o.cancelled = [gone] { return gone->load(); };
        testing::Outcome<Status> done;
        scheduler.Submit(&c->task, std::move(o),
                         [set = done.Setter()](const Status& s, const std::string&) { set(s); });
        if (rng() % 40 == 0) gone->store(true);
        const Status s = done.Wait();
        switch (s.code()) {
          case Status::Code::kOk:
            ++ok;
            if (!c->Matches()) ++wrong;
            break;
          case Status::Code::kResourceExhausted: ++refused; break;
          case Status::Code::kDeadlineExceeded: ++deadline; break;
          case Status::Code::kCancelled: ++cancelled; break;
          case Status::Code::kFailedPrecondition: {
            // PLACEMENT_GPU for Merkle proofs, which no GPU here runs.
            if (!std::holds_alternative<MerkleVerifyTask>(c->task)) ++undocumented;
            break;
          }
          default: ++undocumented;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  for (const std::string& note : notes) UNSCOPED_INFO(note);
  INFO("seed " << seed << ": ok " << ok << ", refused " << refused << ", deadline " << deadline
               << ", cancelled " << cancelled);
  CHECK(ok + refused + deadline + cancelled == kClients * kCallsPerClient);
  CHECK(wrong == 0);
  CHECK(undocumented == 0);
  // Some ran (the rest met the queue bounds or short deadlines; fewer run under TSan).
  CHECK(ok >= kClients / 10);
  // Every queue drained.
  for (const auto& row : scheduler.Snapshot()) {
    CHECK(row.queued_items == 0);
    CHECK(row.queued_requests == 0);
  }
}

}  // namespace
}  // namespace chainaccel
