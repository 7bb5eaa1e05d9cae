// Tests of kernels/ed25519_launch.h: the argument checks (no GPU), and on the device,
// tagged [device], every status of the kernels in every layout (one thread a signature,
// split over three, split with the ladder on a quad) against the CPU engine's
// VerifyEd25519 (libsodium) on every Wycheproof Ed25519 case, on random valid and
// corrupted signatures of every Ed25519 configuration (pre-hashes computed on the host and
// passed as digests), and in batches of 1 to 16,385 items.
#include "kernels/ed25519_launch.h"

#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <cstring>
#include <vector>

#include "crypto/signatures.h"
#include "tests/support/random.h"
#include "tests/support/signature_batch.h"
#include "tests/support/signature_cases.h"
#include "tests/support/vectors.h"
#include "kernels/testing/device_buffer.h"
#include "kernels/testing/layout_runs.h"

namespace chainaccel::kernels {
namespace {

TEST_CASE("LaunchEd25519Verify rejects null buffers, enqueues nothing for no items",
          "[ed25519_launch]") {
  constexpr SignatureLayout kAuto = SignatureLayout::kAuto;
  CHECK(LaunchEd25519Verify(nullptr, nullptr, nullptr, nullptr, 0, nullptr, nullptr, kAuto,
                            nullptr)
            .ok());
  uint8_t* some = reinterpret_cast<uint8_t*>(uintptr_t{1} << 40);
  CHECK(LaunchEd25519Verify(some, some, nullptr, nullptr, 1,
                            reinterpret_cast<const EdPrecomputed*>(some), some, kAuto, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchEd25519Verify(some, some, reinterpret_cast<const uint64_t*>(some), nullptr, 1,
                            nullptr, some, kAuto, nullptr)
            .code() == Status::Code::kInvalidArgument);
}

const EdPrecomputed* DeviceBaseTable() {
  static testing::DeviceBuffer<EdPrecomputed>* table = [] {
    const std::vector<EdPrecomputed>& host = Ed25519BaseTable();
    auto* t = new testing::DeviceBuffer<EdPrecomputed>(host.size());
    t->Upload(host.data(), host.size());
    return t;
  }();
  return table->get();
}

void CheckOnDevice(const testing::SignatureBatch& batch, PreHash pre_hash) {
  const SignatureVerifyTask task =
      batch.Task({SignatureScheme::kEd25519, pre_hash, SignatureEncoding::kCompact, false});
  const size_t n = batch.size();
  std::vector<uint8_t> records(n * kEd25519RecordBytes), digests(32 * n);
  std::vector<ItemStatus> expected(n);
  for (size_t i = 0; i < n; ++i) {
    StageEd25519Record(task, i, &records[kEd25519RecordBytes * i]);
    Hash32 digest;
    const ByteView message = ApplyPreHash(pre_hash, task.messages[i], digest);
    if (pre_hash != PreHash::kNone) std::memcpy(&digests[32 * i], digest.data(), 32);
    expected[i] = VerifyEd25519(message, task.public_keys[i], task.signatures[i]);
  }
  testing::DeviceBuffer<uint8_t> device_records(records.size()), device_messages(batch.messages.size()),
      device_digests(digests.size()), statuses(n);
  testing::DeviceBuffer<uint64_t> offsets(batch.message_offsets.size());
  device_records.Upload(records.data(), records.size());
  device_messages.Upload(batch.messages.data(), batch.messages.size());
  offsets.Upload(batch.message_offsets.data(), batch.message_offsets.size());
  device_digests.Upload(digests.data(), digests.size());
  testing::RunInEveryLayout(
      statuses,
      [&](SignatureLayout layout) {
        return LaunchEd25519Verify(device_records.get(), device_messages.get(), offsets.get(),
                                   pre_hash != PreHash::kNone ? device_digests.get() : nullptr,
                                   n, DeviceBaseTable(), statuses.get(), layout, nullptr);
      },
      [&](SignatureLayout layout, const std::vector<uint8_t>& got) {
        for (size_t i = 0; i < n; ++i) {
          INFO(batch.what[i] << "; pre-hash " << int(pre_hash) << " layout " << int(layout)
                             << " item " << i << " of " << n);
          REQUIRE(int(got[i]) == int(expected[i]));
        }
      });
}

TEST_CASE("Ed25519 kernel: every Wycheproof case gets the CPU's verdict",
          "[device][ed25519][wycheproof]") {
  testing::SignatureBatch batch;
  for (const auto& c : testing::ReadWycheproofCases("wycheproof/ed25519_test.json", "pk")) {
    batch.Add(c.message, c.public_key, c.signature, "tcId " + std::to_string(c.id));
  }
  CheckOnDevice(batch, PreHash::kNone);
}

TEST_CASE("Ed25519 kernel: random valid and corrupted signatures get the CPU's verdicts",
          "[device][ed25519]") {
  auto rng = testing::MakeRng("ed25519 kernel random");
  for (const auto& config : testing::AllSignatureConfigs()) {
    if (config.scheme != SignatureScheme::kEd25519) continue;
    testing::SignatureBatch batch;
    for (const auto& c : testing::MakeSignatureCases(rng, config, 20000)) {
      batch.Add(c.message, c.public_key, c.signature, c.what);
    }
    CheckOnDevice(batch, config.pre_hash);
  }
}

TEST_CASE("Ed25519 kernel: batches of 1 to 16,385 items in every layout",
          "[device][ed25519][batch_sizes]") {
  auto rng = testing::MakeRng("ed25519 kernel batch sizes");
  // Around a warp, the split kernel's 32 items a block, the one-thread kernel's 128
  // threads a block, kSplitLayoutMaxItems and kQuadLayoutMaxItems (kAuto's bound).
  constexpr size_t kBatchSizes[] = {1,    2,    31,   32,   33,
                                    127,  129,  1023, 1024, 1025,
                                    kSplitLayoutMaxItems, kSplitLayoutMaxItems + 1,
                                    kQuadLayoutMaxItems,  kQuadLayoutMaxItems + 1};
  const testing::SignatureConfig config{SignatureScheme::kEd25519};
  for (size_t count : kBatchSizes) {
    INFO("batch of " << count);
    testing::SignatureBatch batch;
    for (const auto& c : testing::MakeSignatureCases(rng, config, count)) {
      if (batch.size() == count) break;
      batch.Add(c.message, c.public_key, c.signature, c.what);
    }
    REQUIRE(batch.size() == count);
    CheckOnDevice(batch, PreHash::kNone);
  }
}

}  // namespace
}  // namespace chainaccel::kernels
