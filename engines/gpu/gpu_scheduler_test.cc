// Two GPU engines over one device under the hybrid scheduler (gpu_engines_per_device):
// the multi-GPU logic on a one-GPU host. A LOAD_BALANCE batch is split over the CPU and
// both engines and every digest equals the CPU library's; concurrent AUTO requests of
// every size come back right. Device-only, like every test of this binary.
#include <catch2/catch.hpp>

#include <future>
#include <memory>
#include <random>
#include <vector>

#include "crypto/hashes.h"
#include "engines/gpu/gpu_test_engines.h"
#include "engines/scheduler/hybrid_scheduler.h"
#include "tests/support/outcome.h"
#include "tests/support/random.h"

namespace chainaccel {
namespace {

// `n` random 64-byte messages and room for their digests.
struct HashRequest {
  std::vector<uint8_t> data;
  std::vector<uint8_t> digests;
  Task task;

  HashRequest(std::mt19937_64& rng, size_t n)
      : data(testing::RandomBytes(rng, 64 * n)), digests(32 * n) {
    task = HashTask{HashAlgorithm::kSha256, PackedItems::Fixed(data, 64), digests.data()};
  }

  bool Correct() const {
    for (size_t i = 0; i < digests.size() / 32; ++i) {
      uint8_t want[32];
      Sha256(ByteView(data.data() + 64 * i, 64), want);
      if (!std::equal(want, want + 32, digests.begin() + static_cast<std::ptrdiff_t>(32 * i))) {
        return false;
      }
    }
    return true;
  }
};

std::pair<Status, std::string> RunThrough(HybridScheduler& scheduler, Task* task,
                                          Placement placement) {
  testing::Outcome<std::pair<Status, std::string>> done;
  scheduler.Submit(task, placement, [set = done.Setter()](const Status& s, const std::string& engine) {
    set({s, engine});
  });
  return done.Wait();
}

TEST_CASE("Two engines over one device share a LOAD_BALANCE batch and AUTO requests",
          "[gpu_engine][scheduler]") {
  auto rng = testing::MakeRng("two engines over one device");
  GpuEngine::Options second;
  second.instance = 1;
  std::unique_ptr<GpuEngine> a = testing::MakeGpu();
  std::unique_ptr<GpuEngine> b = testing::MakeGpu(second);
  CHECK(a->info().name == "gpu:0");
  CHECK(b->info().name == "gpu:0.1");
  HybridScheduler::Options options;
  options.min_split_items = 1024;
  HybridScheduler scheduler({&testing::ReferenceCpu(), a.get(), b.get()}, options);

  HashRequest big(rng, size_t{1} << 20);
  const auto [status, engines] = RunThrough(scheduler, &big.task, Placement::kLoadBalance);
  REQUIRE(status.ok());
  CHECK(big.Correct());
  CHECK(engines.find("gpu:0.1") != std::string::npos);
  CHECK(a->stats().batches >= 1);
  CHECK(b->stats().batches >= 1);

  // 64 concurrent AUTO requests of 1 .. 65,536 items.
  std::vector<std::unique_ptr<HashRequest>> requests;
  std::vector<std::future<std::pair<Status, std::string>>> results;
  std::vector<std::promise<std::pair<Status, std::string>>> promises(64);
  for (size_t i = 0; i < 64; ++i) {
    requests.push_back(std::make_unique<HashRequest>(rng, testing::RandomSize(rng, 1, 65536)));
    results.push_back(promises[i].get_future());
    scheduler.Submit(&requests[i]->task, Placement::kAuto,
                     [&promises, i](const Status& s, const std::string& engine) {
                       promises[i].set_value({s, engine});
                     });
  }
  for (size_t i = 0; i < 64; ++i) {
    const auto [s, engine] = results[i].get();
    INFO("request " << i << " on " << engine);
    CHECK(s.ok());
    CHECK(requests[i]->Correct());
  }
  scheduler.Shutdown();
}

}  // namespace
}  // namespace chainaccel
