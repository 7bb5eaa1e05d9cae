// Tests of GpuEngine: every digest against the CpuEngine's on random input (printed,
// replayable seed: CHAINACCEL_TEST_SEED), every message length 0..300 (which covers the
// SHA-256 block boundaries at 55/56/64/119/120/128 and Keccak's at 135/136/271/272),
// batches that cross chunk boundaries, messages longer than a chunk, the self-test, and
// an injected mid-batch fault. Needs a GPU: with --require-gpu (as ctest runs it) the
// binary skips without one.
#include "engines/gpu/gpu_engine.h"
#include "kernels/hash_launch.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "engines/cpu/cpu_engine.h"
#include "engines/gpu/gpu_device.h"
#include "tests/support/random.h"
#include "tests/support/reference_hashes.h"
#include "engines/gpu/gpu_test_engines.h"

namespace chainaccel {
namespace {

using testing::MakeRng;
using testing::RandomBytes;
using testing::RandomSize;

constexpr HashAlgorithm kAlgorithms[] = {HashAlgorithm::kSha256, HashAlgorithm::kSha256d,
                                         HashAlgorithm::kKeccak256};


CpuEngine& Cpu() { return testing::ReferenceCpu(); }
GpuEngine& Gpu() { return testing::SharedGpu(); }
using testing::MakeGpu;

// A packed batch owning its bytes; the view points into it, so keep it put.
struct Batch {
  std::vector<uint8_t> data;
  std::vector<uint64_t> offsets;  // empty for the fixed layout
  size_t item_size = 0;

  PackedItems View() const {
    return item_size != 0 ? PackedItems::Fixed(data, item_size)
                          : PackedItems::Variable(data, offsets);
  }
  size_t size() const { return item_size != 0 ? data.size() / item_size : offsets.size() - 1; }
};

Batch RandomFixed(std::mt19937_64& rng, size_t count, size_t item_size) {
  Batch b;
  b.item_size = item_size;
  b.data = RandomBytes(rng, count * item_size);
  return b;
}

Batch RandomVariable(std::mt19937_64& rng, const std::vector<size_t>& lengths) {
  Batch b;
  const size_t total = std::accumulate(lengths.begin(), lengths.end(), size_t{0});
  b.data = RandomBytes(rng, total);
  b.offsets.reserve(lengths.size() + 1);
  b.offsets.push_back(0);
  for (size_t length : lengths) b.offsets.push_back(b.offsets.back() + length);
  return b;
}

// Runs `batch` on the GPU (into poisoned memory) and on the CPU, and compares every
// digest; reports the first difference.
void CheckAgainstCpu(GpuEngine& gpu, HashAlgorithm algorithm, const Batch& batch) {
  const size_t n = batch.size();
  std::vector<uint8_t> from_gpu(n * 32, 0xA5);
  std::vector<uint8_t> from_cpu(n * 32, 0x5A);
  Task gpu_task = HashTask{algorithm, batch.View(), from_gpu.data()};
  Task cpu_task = HashTask{algorithm, batch.View(), from_cpu.data()};
  const Status gpu_status = gpu.Run(gpu_task);
  INFO(gpu_status.ToString());
  REQUIRE(gpu_status.ok());
  REQUIRE(Cpu().Run(cpu_task).ok());
  if (from_gpu == from_cpu) return;
  const PackedItems view = batch.View();
  for (size_t i = 0; i < n; ++i) {
    if (std::memcmp(from_gpu.data() + 32 * i, from_cpu.data() + 32 * i, 32) != 0) {
      FAIL(kernels::HashAlgorithmName(algorithm)
           << (batch.item_size ? " fixed" : " variable") << " batch of " << n << ": digest "
           << i << " of a " << view[i].size() << "-byte message differs from the CPU's");
    }
  }
}

TEST_CASE("GpuEngine describes its device and passes its self-test", "[gpu_engine]") {
  GpuEngine& gpu = Gpu();
  const EngineInfo& info = gpu.info();
  CHECK(info.name == "gpu:0");
  CHECK(info.kind == EngineKind::kGpu);
  CHECK(!info.model.empty());
  CHECK(info.memory_bytes > 0);
  CHECK(info.multiprocessors > 0);
  CHECK(info.compute_capability.find('.') != std::string::npos);
  UNSCOPED_INFO(info.model << ", " << info.multiprocessors << " SMs, "
                           << (info.memory_bytes >> 20) << " MiB, compute "
                           << info.compute_capability);
  const Status self_test = gpu.SelfTest();
  INFO(self_test.ToString());
  CHECK(self_test.ok());
  CHECK(gpu.stats().healthy);
  CHECK(gpu.faults() == 0);
}

TEST_CASE("GpuEngine runs every task but MERKLE_VERIFY and checks its input", "[gpu_engine]") {
  GpuEngine& gpu = Gpu();
  CHECK(gpu.Supports(TaskType::kHash));
  CHECK(gpu.Supports(TaskType::kMerkleBuild));
  CHECK_FALSE(gpu.Supports(TaskType::kMerkleVerify));
  CHECK(gpu.Supports(TaskType::kSignatureVerify));  // ECDSA only (gpu_signatures_test.cc)
  CHECK(gpu.Supports(TaskType::kSignatureRecover));
  Task verify = MerkleVerifyTask{};
  CHECK(gpu.Run(verify).code() == Status::Code::kUnimplemented);
  Task no_leaves = MerkleBuildTask{};  // BITCOIN needs a leaf
  CHECK(gpu.Run(no_leaves).code() == Status::Code::kInvalidArgument);

  const std::vector<uint8_t> data(64, 1);
  std::vector<uint8_t> digest(32);
  Task bad = HashTask{static_cast<HashAlgorithm>(9), PackedItems::Fixed(data, 64), digest.data()};
  CHECK(gpu.Run(bad).code() == Status::Code::kInvalidArgument);
  Task empty = HashTask{HashAlgorithm::kSha256, PackedItems::Fixed({}, 64), nullptr};
  CHECK(gpu.Run(empty).ok());
  CHECK(gpu.stats().healthy);
}

TEST_CASE("GpuEngine matches the CPU for every length 0..300, fixed layout",
          "[gpu_engine]") {
  auto rng = MakeRng("gpu_engine fixed lengths");
  for (HashAlgorithm algorithm : kAlgorithms) {
    for (size_t length = 1; length <= 300; ++length) {
      CheckAgainstCpu(Gpu(), algorithm, RandomFixed(rng, 37, length));
    }
  }
}

TEST_CASE("GpuEngine matches the CPU for every length 0..300, variable layout",
          "[gpu_engine]") {
  auto rng = MakeRng("gpu_engine variable lengths");
  std::vector<size_t> lengths;
  for (size_t round = 0; round < 3; ++round) {
    for (size_t length = 0; length <= 300; ++length) lengths.push_back(length);
  }
  // The block boundaries once more, each with its neighbours.
  for (size_t boundary : {55, 56, 64, 119, 120, 128, 135, 136, 271, 272}) {
    for (size_t length = boundary - 2; length <= boundary + 2; ++length) lengths.push_back(length);
  }
  std::shuffle(lengths.begin(), lengths.end(), rng);
  for (HashAlgorithm algorithm : kAlgorithms) {
    CheckAgainstCpu(Gpu(), algorithm, RandomVariable(rng, lengths));
  }
}

TEST_CASE("GpuEngine matches the CPU on batches of 1 and 1000", "[gpu_engine]") {
  auto rng = MakeRng("gpu_engine small batches");
  for (HashAlgorithm algorithm : kAlgorithms) {
    for (size_t length : {0, 1, 31, 32, 55, 56, 64, 119, 120, 128, 135, 136, 300}) {
      if (length > 0) CheckAgainstCpu(Gpu(), algorithm, RandomFixed(rng, 1, length));
      CheckAgainstCpu(Gpu(), algorithm, RandomVariable(rng, {length}));
    }
    for (size_t item_size : {32, 64, 80, 136}) {
      CheckAgainstCpu(Gpu(), algorithm, RandomFixed(rng, 1000, item_size));
    }
    std::vector<size_t> lengths(1000);
    for (size_t& length : lengths) length = RandomSize(rng, 0, 300);
    CheckAgainstCpu(Gpu(), algorithm, RandomVariable(rng, lengths));
  }
}

TEST_CASE("GpuEngine matches the CPU on 2^20 + 3 messages (across chunks)", "[gpu_engine]") {
  auto rng = MakeRng("gpu_engine 2^20+3");
  constexpr size_t kCount = (size_t{1} << 20) + 3;
  // 32-byte items: 2 chunks by the item limit; 100-byte items: 4 by the byte limit;
  // 0..300 bytes: ~5 chunks by the byte limit, cut at uneven places.
  const Batch fixed32 = RandomFixed(rng, kCount, 32);
  const Batch fixed100 = RandomFixed(rng, kCount, 100);
  std::vector<size_t> lengths(kCount);
  for (size_t& length : lengths) length = RandomSize(rng, 0, 300);
  const Batch variable = RandomVariable(rng, lengths);
  for (HashAlgorithm algorithm : kAlgorithms) {
    CheckAgainstCpu(Gpu(), algorithm, fixed32);
    CheckAgainstCpu(Gpu(), algorithm, fixed100);
    CheckAgainstCpu(Gpu(), algorithm, variable);
  }
}

TEST_CASE("GpuEngine matches the CPU on 2^22 64-byte messages", "[gpu_engine]") {
  auto rng = MakeRng("gpu_engine 2^22 x 64");
  const Batch batch = RandomFixed(rng, size_t{1} << 22, 64);
  for (HashAlgorithm algorithm : kAlgorithms) CheckAgainstCpu(Gpu(), algorithm, batch);
}

TEST_CASE("GpuEngine with tiny chunks: many chunks and messages longer than a chunk",
          "[gpu_engine]") {
  auto rng = MakeRng("gpu_engine tiny chunks");
  GpuEngine::Options options;
  options.chunk_bytes = 4096;
  options.chunk_items = 100;
  std::unique_ptr<GpuEngine> gpu = MakeGpu(options);
  std::vector<size_t> lengths(5000);
  for (size_t& length : lengths) length = RandomSize(rng, 0, 300);
  // Longer than a chunk: alone in their chunks, through a pool-allocated temporary.
  lengths[0] = 4097;
  lengths[1234] = 10000;
  lengths[1235] = 4096;
  lengths[4999] = 70000;
  const Batch variable = RandomVariable(rng, lengths);
  const Batch fixed_oversize = RandomFixed(rng, 7, 5000);
  const Batch fixed64 = RandomFixed(rng, 1000, 64);  // 64 items a chunk by bytes
  for (HashAlgorithm algorithm : kAlgorithms) {
    CheckAgainstCpu(*gpu, algorithm, variable);
    CheckAgainstCpu(*gpu, algorithm, fixed_oversize);
    CheckAgainstCpu(*gpu, algorithm, fixed64);
  }
  CHECK(gpu->stats().healthy);
  CHECK(gpu->stats().batches == 9);
}

// What the caller of a failed SHA-256 batch does: the same task on the CPU engine, whose
// digests (into `digests`, the task's output) are checked against the reference.
void CheckCpuRerun(Task& task, const Batch& batch, const std::vector<uint8_t>& digests) {
  REQUIRE(Cpu().Run(task).ok());
  const PackedItems view = batch.View();
  const auto check = [&](size_t i) {
    const Hash32 expected = testing::ReferenceSha256(view[i]);
    REQUIRE(std::memcmp(digests.data() + 32 * i, expected.data(), 32) == 0);
  };
  for (size_t i = 0; i < batch.size(); i += 997) check(i);
  check(batch.size() - 1);
}

TEST_CASE("GpuEngine fault mid-batch: unhealthy, counted, the CPU re-run is right",
          "[gpu_engine][fault]") {
  auto rng = MakeRng("gpu_engine fault");
  testing::FailAfterChunks fail(1);  // the second chunk of the first batch fails
  std::unique_ptr<GpuEngine> gpu = MakeGpu({}, &fail);
  REQUIRE(gpu->stats().healthy);

  // 2^20 + 3 32-byte messages: two chunks.
  const Batch batch = RandomFixed(rng, (size_t{1} << 20) + 3, 32);
  std::vector<uint8_t> digests(batch.size() * 32, 0xA5);
  Task task = HashTask{HashAlgorithm::kSha256, batch.View(), digests.data()};
  const Status fault = gpu->Run(task);
  INFO(fault.ToString());
  CHECK_FALSE(fault.ok());
  CHECK((fault.code() == Status::Code::kInternal || fault.code() == Status::Code::kUnavailable));
  CHECK_FALSE(gpu->stats().healthy);
  CHECK(gpu->faults() == 1);
  CHECK(gpu->stats().batches == 0);
  // An unhealthy engine refuses work at once.
  CHECK(gpu->Run(task).code() == Status::Code::kUnavailable);

  CheckCpuRerun(task, batch, digests);

  // The injected fault left the device sound: a self-test brings the engine back.
  REQUIRE(gpu->SelfTest().ok());
  CHECK(gpu->stats().healthy);
  CheckAgainstCpu(*gpu, HashAlgorithm::kSha256, batch);
  CHECK(gpu->faults() == 1);
}

TEST_CASE("GpuEngine fault on the first chunk of a one-chunk batch", "[gpu_engine][fault]") {
  auto rng = MakeRng("gpu_engine first-chunk fault");
  testing::FailAfterChunks fail(0);
  std::unique_ptr<GpuEngine> gpu = MakeGpu({}, &fail);
  const Batch batch = RandomVariable(rng, {0, 3, 56, 136, 300});
  std::vector<uint8_t> digests(batch.size() * 32);
  Task task = HashTask{HashAlgorithm::kKeccak256, batch.View(), digests.data()};
  CHECK_FALSE(gpu->Run(task).ok());
  CHECK_FALSE(gpu->stats().healthy);
  CHECK(gpu->faults() == 1);
}

TEST_CASE("GpuEngine hang: a chunk outlasting hang_seconds fails the batch and retires its "
          "lane pair, and the other pairs go on",
          "[gpu_engine][fault][hang]") {
  auto rng = MakeRng("gpu_engine hang");
  GpuEngine::Options options;
  options.hang_seconds = 0.25;
  options.concurrent_batches = 2;
  testing::HangAfterChunks hang(1, 2.0);  // the second chunk of the first batch
  std::unique_ptr<GpuEngine> gpu = MakeGpu(options, &hang);

  // 2^20 + 3 32-byte messages: two chunks.
  const Batch batch = RandomFixed(rng, (size_t{1} << 20) + 3, 32);
  std::vector<uint8_t> digests(batch.size() * 32, 0xA5);
  Task task = HashTask{HashAlgorithm::kSha256, batch.View(), digests.data()};
  testing::CheckHangFault(gpu->Run(task), *gpu);
  CHECK(gpu->Run(task).code() == Status::Code::kUnavailable);

  CheckCpuRerun(task, batch, digests);

  // The hung pair is retired; the other one passes the self-test (while the hung kernel
  // may still spin) and serves batches, again and again, right.
  REQUIRE(gpu->SelfTest().ok());
  CHECK(gpu->stats().healthy);
  for (int round = 0; round < 3; ++round) CheckAgainstCpu(*gpu, HashAlgorithm::kSha256, batch);
  CHECK(gpu->faults() == 1);
}

TEST_CASE("GpuEngine hang with one lane pair: nothing left, every batch UNAVAILABLE",
          "[gpu_engine][fault][hang]") {
  auto rng = MakeRng("gpu_engine hang, one pair");
  GpuEngine::Options options;
  options.hang_seconds = 0.25;
  options.concurrent_batches = 1;
  testing::HangAfterChunks hang(0, 2.0);
  std::unique_ptr<GpuEngine> gpu = MakeGpu(options, &hang);
  const Batch batch = RandomFixed(rng, 1000, 64);
  std::vector<uint8_t> digests(batch.size() * 32);
  Task task = HashTask{HashAlgorithm::kKeccak256, batch.View(), digests.data()};
  CHECK(gpu->Run(task).code() == Status::Code::kInternal);
  CHECK(gpu->faults() == 1);
  // No pair to run on: refused at once, and no self-test can bring it back.
  const Status refused = gpu->Run(task);
  INFO(refused.ToString());
  CHECK(refused.code() == Status::Code::kUnavailable);
  CHECK(refused.message().find("no lane pair left") != std::string::npos);
  CHECK(gpu->SelfTest().code() == Status::Code::kUnavailable);
  CHECK_FALSE(gpu->stats().healthy);
}

// The Ed25519 layout rule reads chunk_items_in_flight (signature_operator.cc): chunks
// count from staging until drained, over both lanes, and nothing stays counted after a
// batch, one whose chunk failed to stage included.
TEST_CASE("GpuDevice counts the items of chunks in flight and uncounts them after a failure",
          "[gpu_engine][gpu_device]") {
  std::unique_ptr<GpuDevice> device;
  REQUIRE(GpuDevice::Create(0, GpuOptions{}, GpuDeviceHooks::Default(), &device).ok());
  const auto plan = [](size_t first) { return first < 8 ? size_t{4} : size_t{2}; };
  const auto drain = [](GpuDevice::Lane&, size_t, size_t) {};
  {
    GpuDevice::Batch batch(*device, GpuDevice::BatchKind::kTask);
    REQUIRE(batch.ok());
    std::vector<uint64_t> seen;
    const auto stage = [&](GpuDevice::Lane&, size_t, size_t) {
      seen.push_back(device->chunk_items_in_flight());
      return Status::Ok();
    };
    REQUIRE(batch.RunChunks(10, "counting chunk", plan, stage, drain).ok());
    // Chunk 0 (4 items) alone; chunk 1 (4) beside it; chunk 2 (2) after chunk 0's lane
    // was drained, beside chunk 1.
    CHECK(seen == std::vector<uint64_t>{4, 8, 6});
    CHECK(device->chunk_items_in_flight() == 0);
  }
  {
    GpuDevice::Batch batch(*device, GpuDevice::BatchKind::kTask);
    REQUIRE(batch.ok());
    const auto failing_stage = [](GpuDevice::Lane&, size_t first, size_t) {
      return first == 4 ? Status::Internal("injected staging failure") : Status::Ok();
    };
    CHECK(batch.RunChunks(10, "failing chunk", plan, failing_stage, drain).code() ==
          Status::Code::kInternal);
    CHECK(device->chunk_items_in_flight() == 0);
  }
  CHECK(device->batches_held() == 0);
}

// Not a test (hidden: run with `gpu_engine_tests "[.bench]"`): end-to-end throughput of
// Run, host memory in and out, next to the CPU engine on every core of the machine.
TEST_CASE("GpuEngine end-to-end throughput", "[.bench]") {
  auto rng = MakeRng("gpu_engine throughput");
  CpuEngine all_cores(CpuEngine::Options{});
  for (size_t item_size : {64, 1024}) {
    const size_t count = (size_t{1} << 30) / item_size;  // 1 GiB of messages
    const Batch batch = RandomFixed(rng, count, item_size);
    std::vector<uint8_t> digests(count * 32);
    for (HashAlgorithm algorithm : kAlgorithms) {
      for (Engine* engine : {static_cast<Engine*>(&Gpu()), static_cast<Engine*>(&all_cores)}) {
        Task task = HashTask{algorithm, batch.View(), digests.data()};
        REQUIRE(engine->Run(task).ok());  // warm-up
        constexpr int kRepeats = 3;
        const auto start = std::chrono::steady_clock::now();
        for (int r = 0; r < kRepeats; ++r) REQUIRE(engine->Run(task).ok());
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
            kRepeats;
        std::printf("%-10s %-9s %5zu-byte x %9zu: %8.2f ms  %7.3f G hashes/s  %6.2f GB/s in\n",
                    engine->info().name.c_str(),
                    std::string(kernels::HashAlgorithmName(algorithm)).c_str(), item_size, count,
                    seconds * 1e3, count / seconds * 1e-9,
                    static_cast<double>(batch.data.size()) / seconds * 1e-9);
      }
    }
  }
  std::printf("(CPU engine: %u threads)\n", all_cores.info().threads);
}

}  // namespace
}  // namespace chainaccel
