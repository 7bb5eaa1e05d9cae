// Tests of kernels/hash_launch.h: the argument checks, which need no GPU, and the kernels
// against the CPU engine (crypto/hashes.h) on the device, tagged [device]: ctest
// reports those as skipped where no GPU is present (testing/gpu_tests_main.cc).
//
// Every device run poisons its output, surrounds it with guard bytes, and compares every
// digest with the CPU's: an unwritten digest, a write out of bounds or a wrong one fails.
#include "kernels/hash_launch.h"

#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "crypto/hashes.h"
#include "tests/support/random.h"
#include "tests/support/vectors.h"
#include "kernels/testing/device_buffer.h"

namespace chainaccel::kernels {
namespace {

using testing::Bytes;
using testing::DeviceBuffer;
using testing::ToHex;

constexpr HashAlgorithm kAlgorithms[] = {HashAlgorithm::kSha256, HashAlgorithm::kSha256d,
                                         HashAlgorithm::kKeccak256};

// ---- Argument checks (no GPU: each returns before any CUDA call) ----------------------

uint8_t* const kSomeDevicePointer = reinterpret_cast<uint8_t*>(uintptr_t{1} << 40);

TEST_CASE("HashAlgorithmName names the API's enum values", "[hash_launch]") {
  CHECK(HashAlgorithmName(HashAlgorithm::kSha256) == "SHA256");
  CHECK(HashAlgorithmName(HashAlgorithm::kSha256d) == "SHA256D");
  CHECK(HashAlgorithmName(HashAlgorithm::kKeccak256) == "KECCAK256");
  CHECK(HashAlgorithmName(static_cast<HashAlgorithm>(0)).empty());
}

TEST_CASE("LaunchHash* reject an unknown algorithm", "[hash_launch]") {
  const auto bad = static_cast<HashAlgorithm>(7);
  CHECK(LaunchHashFixed(bad, kSomeDevicePointer, 64, 1, kSomeDevicePointer, nullptr).code() ==
        Status::Code::kInvalidArgument);
  CHECK(LaunchHashVariable(bad, kSomeDevicePointer, reinterpret_cast<uint64_t*>(
                                                        kSomeDevicePointer),
                           1, kSomeDevicePointer, nullptr)
            .code() == Status::Code::kInvalidArgument);
}

TEST_CASE("LaunchHash* of an empty batch enqueue nothing", "[hash_launch]") {
  CHECK(LaunchHashFixed(HashAlgorithm::kSha256, nullptr, 64, 0, nullptr, nullptr).ok());
  CHECK(LaunchHashVariable(HashAlgorithm::kKeccak256, nullptr, nullptr, 0, nullptr, nullptr)
            .ok());
}

TEST_CASE("LaunchHash* reject null pointers", "[hash_launch]") {
  CHECK(LaunchHashFixed(HashAlgorithm::kSha256, kSomeDevicePointer, 64, 1, nullptr, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchHashFixed(HashAlgorithm::kSha256, nullptr, 64, 1, kSomeDevicePointer, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchHashVariable(HashAlgorithm::kSha256, kSomeDevicePointer, nullptr, 1,
                           kSomeDevicePointer, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchHashVariable(HashAlgorithm::kSha256, kSomeDevicePointer,
                           reinterpret_cast<uint64_t*>(kSomeDevicePointer), 1, nullptr,
                           nullptr)
            .code() == Status::Code::kInvalidArgument);
}

TEST_CASE("LaunchHash* reject batches too large to index", "[hash_launch]") {
  const Status overflow = LaunchHashFixed(HashAlgorithm::kSha256, kSomeDevicePointer,
                                          size_t{1} << 40, size_t{1} << 30,
                                          kSomeDevicePointer, nullptr);
  CHECK(overflow.code() == Status::Code::kInvalidArgument);
  CHECK(overflow.message() == "LaunchHashFixed: count * item_size overflows");
  // 2^40 empty messages: more than 2^31 - 1 blocks of 256 threads.
  CHECK(LaunchHashFixed(HashAlgorithm::kSha256, nullptr, 0, size_t{1} << 40,
                        kSomeDevicePointer, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchHashVariable(HashAlgorithm::kSha256, nullptr,
                           reinterpret_cast<uint64_t*>(kSomeDevicePointer), size_t{1} << 40,
                           kSomeDevicePointer, nullptr)
            .code() == Status::Code::kInvalidArgument);
}

// ---- Device runs ------------------------------------------------------------------------

// CPU digests of every item, on all cores.
Bytes CpuDigests(HashAlgorithm algorithm, const PackedItems& items) {
  Bytes out(items.size() * 32);
  const size_t threads =
      std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                       std::max<size_t>(1, items.size() / 4096));
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < items.size(); i += threads) {
        HashMessage(algorithm, items[i], out.data() + 32 * i);
      }
    });
  }
  for (auto& w : workers) w.join();
  return out;
}

// Compares digest lists item by item; fails the test naming the first differing item.
void RequireSameDigests(const Bytes& gpu, const Bytes& cpu) {
  REQUIRE(gpu.size() == cpu.size());
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < cpu.size() / 32; ++i) {
    if (!std::equal(gpu.begin() + 32 * i, gpu.begin() + 32 * i + 32, cpu.begin() + 32 * i)) {
      if (mismatches++ == 0) first = i;
    }
  }
  INFO("first mismatch: item " << first << " of " << cpu.size() / 32 << ", gpu "
                               << ToHex({gpu.data() + 32 * first, 32}) << ", cpu "
                               << ToHex({cpu.data() + 32 * first, 32}));
  REQUIRE(mismatches == 0);
}

constexpr size_t kGuardBytes = 256;  // poisoned bytes on each side of the digests
constexpr int kPoison = 0xa5;

// Where the digests of `count` messages go: `shift` bytes past a 256-byte aligned
// address, between poisoned guards; all of it poisoned before the launch.
class DigestOutput {
 public:
  DigestOutput(size_t count, size_t shift)
      : count_(count), shift_(shift), buffer_(2 * kGuardBytes + shift + 32 * count) {
    buffer_.Fill(kPoison);
  }
  uint8_t* get() { return buffer_.get() + kGuardBytes + shift_; }

  // The digests, after REQUIRE-ing that the guards are untouched. Synchronizes.
  Bytes Collect() const {
    CHECK(cudaDeviceSynchronize() == cudaSuccess);
    const Bytes all = buffer_.Download();
    const size_t begin = kGuardBytes + shift_;
    const size_t end = begin + 32 * count_;
    const auto untouched = [](uint8_t b) { return b == kPoison; };
    REQUIRE(std::all_of(all.begin(), all.begin() + begin, untouched));
    REQUIRE(std::all_of(all.begin() + end, all.end(), untouched));
    return Bytes(all.begin() + begin, all.begin() + end);
  }

 private:
  size_t count_;
  size_t shift_;
  DeviceBuffer<uint8_t> buffer_;
};

// `data` copied to the device `shift` bytes past a 256-byte aligned address.
class DeviceInput {
 public:
  DeviceInput(const Bytes& data, size_t shift) : shift_(shift), buffer_(data.size() + shift) {
    buffer_.Upload(data.data(), data.size(), shift);
  }
  const uint8_t* get() const { return buffer_.get() + shift_; }

 private:
  size_t shift_;
  DeviceBuffer<uint8_t> buffer_;
};

Bytes GpuDigestsFixed(HashAlgorithm algorithm, const Bytes& data, size_t item_size,
                      size_t count, size_t data_shift, size_t out_shift,
                      cudaStream_t stream = nullptr) {
  const DeviceInput input(data, data_shift);
  DigestOutput output(count, out_shift);
  const Status status =
      LaunchHashFixed(algorithm, input.get(), item_size, count, output.get(), stream);
  INFO(status.ToString());
  REQUIRE(status.ok());
  return output.Collect();
}

Bytes GpuDigestsVariable(HashAlgorithm algorithm, const Bytes& data,
                         const std::vector<uint64_t>& offsets, size_t data_shift,
                         size_t out_shift) {
  const DeviceInput input(data, data_shift);
  DeviceBuffer<uint64_t> device_offsets(offsets.size());
  device_offsets.Upload(offsets.data(), offsets.size());
  const size_t count = offsets.size() - 1;
  DigestOutput output(count, out_shift);
  const Status status = LaunchHashVariable(algorithm, input.get(), device_offsets.get(),
                                           count, output.get(), nullptr);
  INFO(status.ToString());
  REQUIRE(status.ok());
  return output.Collect();
}

// Offsets of messages of the given lengths laid end to end.
std::vector<uint64_t> OffsetsOf(const std::vector<size_t>& lengths) {
  std::vector<uint64_t> offsets(lengths.size() + 1, 0);
  for (size_t i = 0; i < lengths.size(); ++i) offsets[i + 1] = offsets[i] + lengths[i];
  return offsets;
}

TEST_CASE("Fixed layout: every item size 0..1000 matches the CPU", "[device][fixed]") {
  auto rng = testing::MakeRng("kernels fixed item sizes 0..1000");
  constexpr size_t kCount = 7;
  for (size_t item_size = 0; item_size <= 1000; ++item_size) {
    const Bytes data = testing::RandomBytes(rng, item_size * kCount);
    for (HashAlgorithm algorithm : kAlgorithms) {
      Bytes cpu(32 * kCount);
      for (size_t i = 0; i < kCount; ++i) {
        HashMessage(algorithm, ByteView(data).subspan(i * item_size, item_size),
                    cpu.data() + 32 * i);
      }
      // Shift 0: 16-byte aligned (the specialized kernels for 32 and 64); 4: word loads;
      // 1: byte loads. Digests aligned, then not.
      for (size_t data_shift : {0, 4, 1}) {
        const size_t out_shift = data_shift == 1 ? 3 : 0;
        INFO(HashAlgorithmName(algorithm) << " item size " << item_size << " data shift " << data_shift);
        RequireSameDigests(
            GpuDigestsFixed(algorithm, data, item_size, kCount, data_shift, out_shift), cpu);
      }
    }
  }
}

TEST_CASE("Fixed layout: empty messages need no message pointer", "[device][fixed]") {
  for (HashAlgorithm algorithm : kAlgorithms) {
    DigestOutput output(3, 0);
    REQUIRE(LaunchHashFixed(algorithm, nullptr, 0, 3, output.get(), nullptr).ok());
    Hash32 empty;
    HashMessage(algorithm, {}, empty.data());
    Bytes cpu;
    for (int i = 0; i < 3; ++i) cpu.insert(cpu.end(), empty.begin(), empty.end());
    INFO(HashAlgorithmName(algorithm));
    RequireSameDigests(output.Collect(), cpu);
  }
}

TEST_CASE("Variable layout: every length 0..1000 in one batch matches the CPU",
          "[device][variable]") {
  auto rng = testing::MakeRng("kernels variable lengths 0..1000");
  std::vector<size_t> lengths(1001);
  std::iota(lengths.begin(), lengths.end(), 0);
  std::shuffle(lengths.begin(), lengths.end(), rng);
  const auto offsets = OffsetsOf(lengths);
  const Bytes data = testing::RandomBytes(rng, offsets.back());
  const auto items = PackedItems::Variable(data, offsets);
  for (HashAlgorithm algorithm : kAlgorithms) {
    const Bytes cpu = CpuDigests(algorithm, items);
    for (size_t data_shift : {0, 3}) {
      INFO(HashAlgorithmName(algorithm) << " data shift " << data_shift);
      RequireSameDigests(GpuDigestsVariable(algorithm, data, offsets, data_shift,
                                            data_shift == 0 ? 0 : 4),
                         cpu);
    }
  }
}

TEST_CASE("Fixed layout: batch sizes 1..2^22 of 32- and 64-byte items match the CPU",
          "[device][fixed][batch]") {
  auto rng = testing::MakeRng("kernels fixed batch sizes");
  for (size_t count : {size_t{1}, size_t{2}, size_t{255}, size_t{256}, size_t{257},
                       size_t{65537}, size_t{1} << 22}) {
    for (size_t item_size : {32, 64}) {
      const Bytes data = testing::RandomBytes(rng, item_size * count);
      const auto items = PackedItems::Fixed(data, item_size);
      for (HashAlgorithm algorithm : kAlgorithms) {
        INFO(HashAlgorithmName(algorithm) << " count " << count << " item size " << item_size);
        RequireSameDigests(GpuDigestsFixed(algorithm, data, item_size, count, 0, 0),
                           CpuDigests(algorithm, items));
      }
    }
  }
}

TEST_CASE("Variable layout: batch sizes 1..2^22 of random lengths match the CPU",
          "[device][variable][batch]") {
  auto rng = testing::MakeRng("kernels variable batch sizes");
  for (size_t count : {size_t{1}, size_t{33}, size_t{65537}, size_t{1} << 22}) {
    std::vector<size_t> lengths(count);
    for (auto& len : lengths) len = testing::RandomSize(rng, 0, 300);
    const auto offsets = OffsetsOf(lengths);
    const Bytes data = testing::RandomBytes(rng, offsets.back());
    const auto items = PackedItems::Variable(data, offsets);
    for (HashAlgorithm algorithm : kAlgorithms) {
      INFO(HashAlgorithmName(algorithm) << " count " << count);
      RequireSameDigests(GpuDigestsVariable(algorithm, data, offsets, 0, 0),
                         CpuDigests(algorithm, items));
    }
  }
}

TEST_CASE("Variable layout: long messages match the CPU", "[device][variable][long]") {
  auto rng = testing::MakeRng("kernels long messages");
  const std::vector<size_t> lengths = {(size_t{1} << 20) + 7, 0, 136 * 1000, 64 * 1000 - 1,
                                       100000, 135, 56};
  const auto offsets = OffsetsOf(lengths);
  const Bytes data = testing::RandomBytes(rng, offsets.back());
  const auto items = PackedItems::Variable(data, offsets);
  for (HashAlgorithm algorithm : kAlgorithms) {
    INFO(HashAlgorithmName(algorithm));
    RequireSameDigests(GpuDigestsVariable(algorithm, data, offsets, 1, 0),
                       CpuDigests(algorithm, items));
  }
}

// The vectors of one Len / Msg / MD file as one variable batch: digests must equal MD.
void CheckVectorFileOnGpu(HashAlgorithm algorithm, std::string_view file,
                          size_t expected_count) {
  const auto vectors = testing::ReadDigestVectors(file);
  REQUIRE(vectors.size() == expected_count);
  Bytes data, expected;
  std::vector<size_t> lengths;
  for (const auto& v : vectors) {
    data.insert(data.end(), v.message.begin(), v.message.end());
    expected.insert(expected.end(), v.digest.begin(), v.digest.end());
    lengths.push_back(v.message.size());
  }
  INFO(file);
  RequireSameDigests(GpuDigestsVariable(algorithm, data, OffsetsOf(lengths), 0, 0), expected);
}

TEST_CASE("SHA-256 kernels match the NIST CAVP short and long messages",
          "[device][vectors]") {
  CheckVectorFileOnGpu(HashAlgorithm::kSha256, "nist-cavp-sha256/SHA256ShortMsg.rsp", 65);
  CheckVectorFileOnGpu(HashAlgorithm::kSha256, "nist-cavp-sha256/SHA256LongMsg.rsp", 64);
}

TEST_CASE("Keccak-256 kernels match the Keccak team short and long message KATs",
          "[device][vectors]") {
  CheckVectorFileOnGpu(HashAlgorithm::kKeccak256, "keccak256/ShortMsgKAT_256.txt", 256);
  CheckVectorFileOnGpu(HashAlgorithm::kKeccak256, "keccak256/LongMsgKAT_256.txt", 65);
}

TEST_CASE("Kernels run on a caller's stream and under CHAINACCEL_CUDA_SYNC=1",
          "[device][stream]") {
  auto rng = testing::MakeRng("kernels stream and sync switch");
  cudaStream_t stream = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess);
  REQUIRE(setenv("CHAINACCEL_CUDA_SYNC", "1", 1) == 0);
  constexpr size_t kCount = 1000;
  const Bytes data = testing::RandomBytes(rng, 64 * kCount);
  for (HashAlgorithm algorithm : kAlgorithms) {
    INFO(HashAlgorithmName(algorithm));
    RequireSameDigests(GpuDigestsFixed(algorithm, data, 64, kCount, 0, 0, stream),
                       CpuDigests(algorithm, PackedItems::Fixed(data, 64)));
  }
  REQUIRE(unsetenv("CHAINACCEL_CUDA_SYNC") == 0);
  CHECK(cudaStreamDestroy(stream) == cudaSuccess);
}

}  // namespace
}  // namespace chainaccel::kernels
