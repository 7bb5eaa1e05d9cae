// ScheduledEngine: an Engine over the daemon's scheduler.
#include "engines/scheduler/scheduled_engine.h"

#include <catch2/catch.hpp>

#include <vector>

#include "engines/cpu/cpu_engine.h"
#include "crypto/hashes.h"
#include "engines/scheduler/hybrid_scheduler.h"

namespace chainaccel {
namespace {

TEST_CASE("ScheduledEngine runs tasks through the scheduler and waits for them",
          "[scheduled_engine]") {
  CpuEngine cpu(CpuEngine::Options{2});
  HybridScheduler scheduler({&cpu}, HybridScheduler::Options{});
  ScheduledEngine engine(scheduler);
  CHECK(engine.Supports(TaskType::kSignatureVerify));

  std::vector<uint8_t> data = {'a', 'b', 'c', 'd', 'e', 'f'};
  std::vector<uint8_t> digests(2 * 32);
  HashTask hash;
  hash.algorithm = HashAlgorithm::kSha256;
  hash.messages = PackedItems::Fixed(data, 3);
  hash.digests = digests.data();
  Task task = hash;
  REQUIRE(engine.Run(task).ok());
  uint8_t expected[32];
  Sha256(ByteView(data.data(), 3), expected);
  CHECK(std::equal(expected, expected + 32, digests.begin()));
  Sha256(ByteView(data.data() + 3, 3), expected);
  CHECK(std::equal(expected, expected + 32, digests.begin() + 32));
  CHECK(engine.stats().batches == 1);
  CHECK(engine.stats().items == 2);
  CHECK(cpu.stats().batches == 1);

  // After the scheduler's shutdown the task fails instead of hanging.
  scheduler.Shutdown();
  Task again = hash;
  CHECK(engine.Run(again).code() == Status::Code::kUnavailable);
}

}  // namespace
}  // namespace chainaccel
