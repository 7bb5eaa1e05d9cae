// RoutingScheduler with fake GPU engines: placement rules, size threshold, CPU fallback
// after a device fault, cancellation and shutdown. Runs everywhere (no GPU needed).
#define CATCH_CONFIG_MAIN
#include "engines/scheduler/routing_scheduler.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "crypto/hashes.h"

namespace chainaccel {
namespace {

// A GPU stand-in: runs hash tasks with the CPU functions, or fails after scribbling on
// the outputs (as a device fault mid-batch would leave them) and turns unhealthy. With
// `takes_signatures` it also accepts signature batches, for routing tests only: it
// counts them and leaves their outputs as they are.
class FakeGpu final : public Engine {
 public:
  explicit FakeGpu(std::string name, bool takes_signatures = false)
      : takes_signatures_(takes_signatures) {
    info_.name = std::move(name);
    info_.kind = EngineKind::kGpu;
  }

  const EngineInfo& info() const override { return info_; }
  bool Supports(TaskType type) const override {
    return type == TaskType::kHash ||
           (takes_signatures_ &&
            (type == TaskType::kSignatureVerify || type == TaskType::kSignatureRecover));
  }
  Status Run(Task& task) override {
    runs_.fetch_add(1);
    if (!std::holds_alternative<HashTask>(task)) return Status::Ok();
    auto& hash = std::get<HashTask>(task);
    if (fail_next_.exchange(false)) {
      std::memset(hash.digests, 0xEE, hash.messages.size() * 32);
      healthy_ = false;
      return Status::Internal("injected device fault");
    }
    for (size_t i = 0; i < hash.messages.size(); ++i) Sha256(hash.messages[i], hash.digests + 32 * i);
    return Status::Ok();
  }
  EngineStats stats() const override {
    EngineStats s;
    s.healthy = healthy_;
    s.batches = runs_.load();
    return s;
  }

  std::atomic<bool> fail_next_{false};
  std::atomic<bool> healthy_{true};
  std::atomic<uint64_t> runs_{0};

 private:
  const bool takes_signatures_;
  EngineInfo info_;
};

struct Outcome {
  Status status;
  std::string engine;
};

// A hash task over n 8-byte messages, with its buffers.
struct HashJob {
  explicit HashJob(size_t n) : messages(n * 8), digests(n * 32) {
    for (size_t i = 0; i < messages.size(); ++i) messages[i] = static_cast<uint8_t>(i * 7);
    task = HashTask{HashAlgorithm::kSha256, PackedItems::Fixed(messages, 8), digests.data()};
  }
  bool Correct() const {
    const auto& hash = std::get<HashTask>(task);
    for (size_t i = 0; i < hash.messages.size(); ++i) {
      uint8_t expected[32];
      Sha256(hash.messages[i], expected);
      if (std::memcmp(expected, digests.data() + 32 * i, 32) != 0) return false;
    }
    return true;
  }
  std::vector<uint8_t> messages, digests;
  Task task;
};

Outcome Run(Scheduler& scheduler, Task& task, Placement placement,
            Scheduler::Cancelled cancelled = nullptr) {
  std::promise<Outcome> promise;
  scheduler.Submit(
      &task, placement,
      [&](const Status& s, const std::string& engine) { promise.set_value({s, engine}); },
      std::move(cancelled));
  return promise.get_future().get();
}

TEST_CASE("Placement and size pick the engine", "[scheduler]") {
  CpuEngine cpu(CpuEngine::Options{2});
  FakeGpu gpu("gpu:0");
  RoutingScheduler scheduler(&cpu, {&gpu}, RoutingScheduler::Options{100});

  HashJob small(99), large(100);
  Outcome o = Run(scheduler, small.task, Placement::kAuto);
  CHECK(o.status.ok());
  CHECK(o.engine == "cpu");
  CHECK(small.Correct());
  o = Run(scheduler, large.task, Placement::kAuto);
  CHECK(o.engine == "gpu:0");
  CHECK(large.Correct());
  o = Run(scheduler, large.task, Placement::kCpu);
  CHECK(o.engine == "cpu");
  o = Run(scheduler, small.task, Placement::kGpu);
  CHECK(o.engine == "gpu:0");
  CHECK(gpu.runs_ == 2);

  // Tasks the GPU does not run stay on the CPU under AUTO and are refused under GPU.
  std::vector<uint8_t> hashes(32 * 200), signatures(65 * 200), keys(64 * 200), addresses(20 * 200);
  std::vector<ItemStatus> statuses(200);
  Task recover = SignatureRecoverTask{200, hashes.data(), signatures.data(), false,
                                      keys.data(), addresses.data(), statuses.data()};
  o = Run(scheduler, recover, Placement::kAuto);
  CHECK(o.engine == "cpu");
  CHECK(o.status.ok());
  o = Run(scheduler, recover, Placement::kGpu);
  CHECK(o.status.code() == Status::Code::kFailedPrecondition);
}

TEST_CASE("Signature batches go to a GPU from a size of their own", "[scheduler]") {
  CpuEngine cpu(CpuEngine::Options{2});
  FakeGpu gpu("gpu:0", /*takes_signatures=*/true);
  RoutingScheduler::Options options;
  options.gpu_min_batch_items = 100;
  options.gpu_min_signature_items = 10;
  RoutingScheduler scheduler(&cpu, {&gpu}, options);

  auto recover_task = [](size_t n, std::vector<uint8_t>* buffer, std::vector<ItemStatus>* statuses) {
    buffer->assign(n * (32 + 65 + 64 + 20), 0);
    statuses->assign(n, ItemStatus::kOk);
    uint8_t* b = buffer->data();
    return Task{SignatureRecoverTask{n, b, b + 32 * n, false, b + 97 * n, b + 161 * n,
                                     statuses->data()}};
  };
  std::vector<uint8_t> small_buffer, large_buffer;
  std::vector<ItemStatus> small_statuses, large_statuses;
  Task small = recover_task(9, &small_buffer, &small_statuses);
  Task large = recover_task(10, &large_buffer, &large_statuses);
  CHECK(Run(scheduler, small, Placement::kAuto).engine == "cpu");
  CHECK(Run(scheduler, large, Placement::kAuto).engine == "gpu:0");
  // A hash batch of the same size stays under its own, larger threshold.
  HashJob hashes(10);
  CHECK(Run(scheduler, hashes.task, Placement::kAuto).engine == "cpu");
  CHECK(gpu.runs_ == 1);
  // The defaults: hashes from 16,384 items, signatures from 1,024.
  CHECK(RoutingScheduler::Options{}.gpu_min_batch_items == 16384);
  CHECK(RoutingScheduler::Options{}.gpu_min_signature_items == 1024);
}

TEST_CASE("A GPU fault re-runs the batch on the CPU and retires the GPU", "[scheduler]") {
  CpuEngine cpu(CpuEngine::Options{2});
  FakeGpu gpu("gpu:0");
  RoutingScheduler scheduler(&cpu, {&gpu}, RoutingScheduler::Options{10});
  HashJob job(1000);
  gpu.fail_next_ = true;
  Outcome o = Run(scheduler, job.task, Placement::kAuto);
  CHECK(o.status.ok());
  CHECK(o.engine == "cpu");
  CHECK(job.Correct());  // the scribbled outputs were all rewritten
  CHECK(scheduler.gpu_fallbacks() == 1);
  // The unhealthy GPU gets no more work.
  HashJob next(1000);
  o = Run(scheduler, next.task, Placement::kAuto);
  CHECK(o.engine == "cpu");
  CHECK(gpu.runs_ == 1);
  o = Run(scheduler, next.task, Placement::kGpu);
  CHECK(o.status.code() == Status::Code::kFailedPrecondition);
}

TEST_CASE("Without GPUs every placement but GPU runs on the CPU", "[scheduler]") {
  CpuEngine cpu(CpuEngine::Options{1});
  RoutingScheduler scheduler(&cpu, {}, RoutingScheduler::Options{});
  HashJob job(50000);
  CHECK(Run(scheduler, job.task, Placement::kAuto).engine == "cpu");
  CHECK(job.Correct());
  CHECK(Run(scheduler, job.task, Placement::kGpu).status.code() ==
        Status::Code::kFailedPrecondition);
  CHECK(scheduler.engines().size() == 1);
}

TEST_CASE("A cancelled task completes CANCELLED without running", "[scheduler]") {
  CpuEngine cpu(CpuEngine::Options{1});
  FakeGpu gpu("gpu:0");
  RoutingScheduler scheduler(&cpu, {&gpu}, RoutingScheduler::Options{10});
  HashJob job(100);
  for (Placement p : {Placement::kCpu, Placement::kGpu}) {
    Outcome o = Run(scheduler, job.task, p, [] { return true; });
    CHECK(o.status.code() == Status::Code::kCancelled);
  }
  CHECK(gpu.runs_ == 0);
  CHECK(cpu.stats().batches == 0);
}

TEST_CASE("Shutdown waits for submitted tasks, then refuses new ones", "[scheduler]") {
  CpuEngine cpu(CpuEngine::Options{2});
  FakeGpu gpu("gpu:0");
  RoutingScheduler scheduler(&cpu, {&gpu}, RoutingScheduler::Options{10});
  std::vector<std::unique_ptr<HashJob>> jobs;
  std::atomic<int> done{0};
  for (int i = 0; i < 50; ++i) {
    jobs.push_back(std::make_unique<HashJob>(5000));
    scheduler.Submit(&jobs.back()->task, i % 2 ? Placement::kAuto : Placement::kCpu,
                     [&](const Status& s, const std::string&) {
                       if (s.ok()) done.fetch_add(1);
                     });
  }
  scheduler.Shutdown();
  CHECK(done == 50);
  for (const auto& job : jobs) CHECK(job->Correct());
  HashJob late(10);
  CHECK(Run(scheduler, late.task, Placement::kAuto).status.code() ==
        Status::Code::kUnavailable);
}

}  // namespace
}  // namespace chainaccel
