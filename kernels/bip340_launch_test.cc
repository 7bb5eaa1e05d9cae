// Tests of kernels/bip340_launch.h: the argument checks (no GPU), and on the device,
// tagged [device], every status of the kernel against the CPU engine's
// VerifySchnorrBip340 (crypto/signatures.h, i.e. libsecp256k1's
// secp256k1_schnorrsig_verify): BIP-340's vectors (each also against its expected
// verdict), adversarial encodings, random valid signatures over messages of 0 to 300
// bytes and ones with a bit flipped in r, s, P or m, in batches of 1, 2, 31, 32, 33, 1023,
// 1024 and 1025 items; the pre-hash path (digests computed on the host); and a soak of
// 2^16 items (CHAINACCEL_BIP340_SOAK_ITEMS overrides the count). Replayable seed:
// CHAINACCEL_TEST_SEED, printed by each test.
#include "kernels/bip340_launch.h"

#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "crypto/signatures.h"
#include "kernels/bip340.cuh"
#include "kernels/bip340_records.h"
#include "kernels/testing/device_buffer.h"
#include "kernels/testing/layout_runs.h"
#include "kernels/testing/device_generator_table.h"
#include "tests/support/bip340_cases.h"
#include "tests/support/random.h"
#include "tests/support/signature_batch.h"
#include "tests/support/signature_cases.h"
#include "tests/support/vectors.h"

namespace chainaccel::kernels {
namespace {

using testing::Bytes;

const AffinePoint* kSomeTable = reinterpret_cast<const AffinePoint*>(uintptr_t{1} << 40);
uint8_t* const kSomeDevicePointer = reinterpret_cast<uint8_t*>(uintptr_t{1} << 40);
const uint64_t* kSomeOffsets = reinterpret_cast<const uint64_t*>(uintptr_t{1} << 40);

TEST_CASE("LaunchBip340Verify rejects null buffers and enqueues nothing for no items",
          "[bip340_launch]") {
  constexpr SignatureLayout kAuto = SignatureLayout::kAuto;
  CHECK(LaunchBip340Verify(nullptr, nullptr, nullptr, nullptr, 0, nullptr, nullptr, kAuto,
                           nullptr)
            .ok());
  CHECK(LaunchBip340Verify(nullptr, kSomeDevicePointer, kSomeOffsets, nullptr, 1, kSomeTable,
                           kSomeDevicePointer, kAuto, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchBip340Verify(kSomeDevicePointer, kSomeDevicePointer, kSomeOffsets, nullptr, 1,
                           nullptr, kSomeDevicePointer, kAuto, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchBip340Verify(kSomeDevicePointer, kSomeDevicePointer, kSomeOffsets, nullptr, 1,
                           kSomeTable, nullptr, kAuto, nullptr)
            .code() == Status::Code::kInvalidArgument);
  // Neither offsets nor digests: no way to find a message.
  CHECK(LaunchBip340Verify(kSomeDevicePointer, kSomeDevicePointer, nullptr, nullptr, 1,
                           kSomeTable, kSomeDevicePointer, kAuto, nullptr)
            .code() == Status::Code::kInvalidArgument);
}

using testing::DeviceGeneratorTable;

// Stages the batch, runs the kernel in every layout on its packed messages (or, with a
// pre-hash, on the digests computed here) and returns the statuses; checks each against
// the CPU engine's.
std::vector<ItemStatus> CheckOnDevice(const testing::SignatureBatch& batch,
                                      PreHash pre_hash = PreHash::kNone) {
  const SignatureVerifyTask task = batch.Task({SignatureScheme::kSchnorrBip340, pre_hash});
  const size_t n = batch.size();
  std::vector<uint8_t> records(n * kBip340RecordBytes), digests(n * 32);
  std::vector<ItemStatus> expected(n);
  for (size_t i = 0; i < n; ++i) {
    StageBip340Record(task, i, records.data() + kBip340RecordBytes * i);
    Hash32 digest;
    const ByteView message = ApplyPreHash(pre_hash, task.messages[i], digest);
    if (pre_hash != PreHash::kNone) std::memcpy(&digests[32 * i], digest.data(), 32);
    expected[i] = VerifySchnorrBip340(message, task.public_keys[i], task.signatures[i]);
  }
  testing::DeviceBuffer<uint8_t> device_records(records.size()),
      device_messages(batch.messages.size()), device_digests(digests.size()), statuses(n);
  testing::DeviceBuffer<uint64_t> device_offsets(batch.message_offsets.size());
  device_records.Upload(records.data(), records.size());
  device_messages.Upload(batch.messages.data(), batch.messages.size());
  device_offsets.Upload(batch.message_offsets.data(), batch.message_offsets.size());
  device_digests.Upload(digests.data(), digests.size());
  std::vector<ItemStatus> out(n);
  testing::RunInEveryLayout(
      statuses,
      [&](SignatureLayout layout) {
        return LaunchBip340Verify(device_records.get(), device_messages.get(),
                                  device_offsets.get(),
                                  pre_hash != PreHash::kNone ? device_digests.get() : nullptr, n,
                                  DeviceGeneratorTable(), statuses.get(), layout, nullptr);
      },
      [&](SignatureLayout layout, const std::vector<uint8_t>& got) {
        for (size_t i = 0; i < n; ++i) {
          INFO("item " << i << " of " << n << ": " << batch.what[i] << "; pre-hash "
                       << int(pre_hash) << " layout " << int(layout));
          REQUIRE(int(got[i]) == int(expected[i]));
          out[i] = static_cast<ItemStatus>(got[i]);
        }
      });
  return out;
}

TEST_CASE("BIP-340 kernel honours every BIP-340 vector and equals the CPU",
          "[device][bip340]") {
  const auto vectors = testing::ReadBip340Vectors();
  REQUIRE(vectors.size() == 19);
  testing::SignatureBatch batch;
  for (const auto& v : vectors) {
    batch.Add(v.message, v.public_key, v.signature,
              "vector " + std::to_string(v.index) + " (" + std::to_string(v.message.size()) +
                  "-byte message) " + v.comment);
  }
  const std::vector<ItemStatus> got = CheckOnDevice(batch);
  for (size_t i = 0; i < vectors.size(); ++i) {
    INFO(batch.what[i]);
    CHECK((got[i] == ItemStatus::kOk) == vectors[i].valid);
  }
  // Each vector alone too: a batch of one.
  for (const auto& v : vectors) {
    testing::SignatureBatch one;
    one.Add(v.message, v.public_key, v.signature, "vector " + std::to_string(v.index) + " alone");
    CHECK((CheckOnDevice(one)[0] == ItemStatus::kOk) == v.valid);
  }
}

TEST_CASE("BIP-340 kernel: adversarial encodings get the CPU's statuses",
          "[device][bip340]") {
  auto rng = testing::MakeRng("bip340 kernel adversarial");
  testing::SignatureBatch batch;
  testing::AddBip340AdversarialCases(rng, &batch);
  CheckOnDevice(batch);
}

TEST_CASE("BIP-340 kernel: valid and corrupted signatures in batches of 1 to 1025",
          "[device][bip340]") {
  auto rng = testing::MakeRng("bip340 kernel batch sizes");
  // Around the warp (32 threads) and a few blocks of the kernel's 128 threads.
  constexpr size_t kBatchSizes[] = {1, 2, 31, 32, 33, 1023, 1024, 1025};
  for (size_t count : kBatchSizes) {
    INFO("batch of " << count);
    CheckOnDevice(testing::MixedBip340Batch(rng, count));
  }
}

TEST_CASE("BIP-340 kernel: pre-hashed messages (digests given) get the CPU's statuses",
          "[device][bip340]") {
  auto rng = testing::MakeRng("bip340 kernel pre-hash");
  for (const testing::SignatureConfig& config : testing::AllSignatureConfigs()) {
    if (config.scheme != SignatureScheme::kSchnorrBip340 || config.pre_hash == PreHash::kNone) {
      continue;
    }
    testing::SignatureBatch batch;
    for (const auto& c : testing::MakeSignatureCases(rng, config, 3000)) {
      batch.Add(c.message, c.public_key, c.signature, c.what);
    }
    CheckOnDevice(batch, config.pre_hash);
  }
}

TEST_CASE("BIP-340 kernel soak: 2^16 mixed items (CHAINACCEL_BIP340_SOAK_ITEMS)",
          "[device][bip340][soak]") {
  auto rng = testing::MakeRng("bip340 kernel soak");
  size_t count = size_t{1} << 16;
  if (const char* items = std::getenv("CHAINACCEL_BIP340_SOAK_ITEMS");
      items != nullptr && *items != '\0') {
    count = std::strtoull(items, nullptr, 0);
  }
  REQUIRE(count > 0);
  std::printf("bip340 kernel soak: %zu items\n", count);
  CheckOnDevice(testing::MixedBip340Batch(rng, count));
}

}  // namespace
}  // namespace chainaccel::kernels
