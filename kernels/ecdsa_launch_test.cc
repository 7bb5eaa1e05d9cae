// Tests of kernels/ecdsa_launch.h: the argument checks (no GPU), and on the device,
// tagged [device], every status (and recovered key and address) of the kernels, in every
// layout (one thread a signature, split over three, split with the halves on quads),
// against the CPU engine's
// functions (crypto/signatures.h, i.e. libsecp256k1) on random valid and corrupted
// signatures of every ECDSA configuration, on every Wycheproof secp256k1 case, on
// recovery cases, and in batches of 1 to 16,385 items.
#include "kernels/ecdsa_launch.h"

#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "crypto/signatures.h"
#include "tests/support/random.h"
#include "tests/support/signature_batch.h"
#include "tests/support/signature_cases.h"
#include "tests/support/vectors.h"
#include "kernels/ecdsa.cuh"
#include "kernels/ecdsa_records.h"
#include "kernels/testing/device_buffer.h"
#include "kernels/testing/layout_runs.h"
#include "kernels/testing/device_generator_table.h"

namespace chainaccel::kernels {
namespace {

using testing::Bytes;

const AffinePoint* kSomeTable = reinterpret_cast<const AffinePoint*>(uintptr_t{1} << 40);
uint8_t* const kSomeDevicePointer = reinterpret_cast<uint8_t*>(uintptr_t{1} << 40);

TEST_CASE("LaunchEcdsa* reject null buffers and enqueue nothing for no items", "[ecdsa_launch]") {
  constexpr SignatureLayout kAuto = SignatureLayout::kAuto;
  CHECK(LaunchEcdsaVerify(nullptr, nullptr, 0, false, nullptr, nullptr, kAuto, nullptr).ok());
  CHECK(LaunchEcdsaRecover(nullptr, 0, false, nullptr, nullptr, kAuto, nullptr).ok());
  CHECK(LaunchEcdsaVerify(kSomeDevicePointer, nullptr, 1, false, nullptr, kSomeDevicePointer,
                          kAuto,
                          nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchEcdsaVerify(nullptr, nullptr, 1, false, kSomeTable, kSomeDevicePointer,
                          SignatureLayout::kSplit, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchEcdsaRecover(kSomeDevicePointer, 1, false, kSomeTable, nullptr,
                           SignatureLayout::kThreadPerItem, nullptr)
            .code() == Status::Code::kInvalidArgument);
}

using testing::DeviceGeneratorTable;

using VerifyItems = testing::SignatureBatch;

// Stages, pre-hashes on the host (the engine tests cover the device's pre-hash), runs the
// kernel in each layout and compares every status with the CPU's.
void CheckVerifyOnDevice(const VerifyItems& items, const testing::SignatureConfig& config) {
  const SignatureVerifyTask task = items.Task(config);
  const size_t n = task.messages.size();
  std::vector<uint8_t> records(n * kEcdsaVerifyRecordBytes);
  std::vector<uint8_t> digests(n * 32);
  std::vector<ItemStatus> expected(n);
  for (size_t i = 0; i < n; ++i) {
    StageEcdsaVerifyRecord(task, i, records.data() + kEcdsaVerifyRecordBytes * i);
    Hash32 digest;
    const ByteView message = ApplyPreHash(config.pre_hash, task.messages[i], digest);
    if (config.pre_hash != PreHash::kNone) std::memcpy(&digests[32 * i], digest.data(), 32);
    expected[i] = VerifyEcdsaSecp256k1(message, task.public_keys[i], task.signatures[i],
                                       config.encoding, config.allow_high_s);
  }
  testing::DeviceBuffer<uint8_t> device_records(records.size()), device_digests(digests.size()),
      statuses(n);
  device_records.Upload(records.data(), records.size());
  device_digests.Upload(digests.data(), digests.size());
  testing::RunInEveryLayout(
      statuses,
      [&](SignatureLayout layout) {
        return LaunchEcdsaVerify(
            device_records.get(),
            config.pre_hash != PreHash::kNone ? device_digests.get() : nullptr, n,
            config.allow_high_s, DeviceGeneratorTable(), statuses.get(), layout, nullptr);
      },
      [&](SignatureLayout layout, const std::vector<uint8_t>& got) {
        for (size_t i = 0; i < n; ++i) {
          INFO(items.what[i] << "; pre-hash " << int(config.pre_hash) << " encoding "
                             << int(config.encoding) << " allow_high_s " << config.allow_high_s
                             << " layout " << int(layout) << " item " << i << " of " << n);
          REQUIRE(int(got[i]) == int(expected[i]));
        }
      });
}

// Recovers every case on the device in each layout; keys, addresses and statuses against
// the CPU's.
void CheckRecoverOnDevice(const std::vector<testing::RecoverCase>& cases, bool allow_high_s) {
  const size_t n = cases.size();
  std::vector<uint8_t> hashes, signatures;
  for (const auto& c : cases) {
    hashes.insert(hashes.end(), c.hash.begin(), c.hash.end());
    signatures.insert(signatures.end(), c.signature.begin(), c.signature.end());
  }
  SignatureRecoverTask task;
  task.count = n;
  task.hashes = hashes.data();
  task.signatures = signatures.data();
  task.allow_high_s = allow_high_s;
  std::vector<uint8_t> records(n * kEcdsaRecoverRecordBytes);
  for (size_t i = 0; i < n; ++i) {
    StageEcdsaRecoverRecord(task, i, records.data() + kEcdsaRecoverRecordBytes * i);
  }
  testing::DeviceBuffer<uint8_t> device_records(records.size()),
      results(n * kEcdsaRecoverResultBytes);
  device_records.Upload(records.data(), records.size());
  testing::RunInEveryLayout(
      results,
      [&](SignatureLayout layout) {
        return LaunchEcdsaRecover(device_records.get(), n, allow_high_s, DeviceGeneratorTable(),
                                  results.get(), layout, nullptr);
      },
      [&](SignatureLayout layout, const std::vector<uint8_t>& got) {
        for (size_t i = 0; i < n; ++i) {
          uint8_t key[64], address[20];
          const ItemStatus cpu = RecoverEthereumSigner(
              task.hashes + 32 * i, task.signatures + 65 * i, allow_high_s, key, address);
          const uint8_t* result = got.data() + kEcdsaRecoverResultBytes * i;
          INFO(cases[i].what << " allow_high_s " << allow_high_s << " layout " << int(layout)
                             << " item " << i << " of " << n);
          REQUIRE(int(result[kEcdsaRecoverStatusOffset]) == int(cpu));
          REQUIRE(std::memcmp(result, key, 64) == 0);
          REQUIRE(std::memcmp(result + 64, address, 20) == 0);
        }
      });
}

TEST_CASE("ECDSA kernel: random valid and corrupted signatures get the CPU's verdicts",
          "[device][ecdsa]") {
  auto rng = testing::MakeRng("ecdsa kernel random");
  for (const testing::SignatureConfig& config : testing::AllSignatureConfigs()) {
    if (config.scheme != SignatureScheme::kEcdsaSecp256k1) continue;
    VerifyItems items;
    for (const auto& c : testing::MakeSignatureCases(rng, config, 20000)) {
      items.Add(c.message, c.public_key, c.signature, c.what);
    }
    CheckVerifyOnDevice(items, config);
  }
}

TEST_CASE("ECDSA kernel: every Wycheproof secp256k1 case gets the CPU's verdict",
          "[device][ecdsa][wycheproof]") {
  for (const char* file : {"wycheproof/ecdsa_secp256k1_sha256_test.json",
                           "wycheproof/ecdsa_secp256k1_sha256_bitcoin_test.json"}) {
    for (bool allow_high_s : {false, true}) {
      VerifyItems items;
      for (const auto& c : testing::ReadWycheproofCases(file, "uncompressed")) {
        items.Add(c.message, c.public_key, c.signature,
                  std::string(file) + " tcId " + std::to_string(c.id) + " " + c.comment);
      }
      CheckVerifyOnDevice(items, {SignatureScheme::kEcdsaSecp256k1, PreHash::kSha256,
                                  SignatureEncoding::kDer, allow_high_s});
    }
  }
}

TEST_CASE("ECDSA recovery kernel: keys, addresses and statuses equal the CPU's",
          "[device][recover]") {
  auto rng = testing::MakeRng("ecdsa recover kernel");
  for (bool allow_high_s : {false, true}) {
    CheckRecoverOnDevice(testing::MakeRecoverCases(rng, allow_high_s, 20000), allow_high_s);
  }
}

TEST_CASE("ECDSA kernels: batches of 1 to 16,385 items in every layout",
          "[device][ecdsa][recover][batch_sizes]") {
  auto rng = testing::MakeRng("ecdsa kernel batch sizes");
  // Around a warp, the split kernel's 32 items a block, the one-thread kernel's 128
  // threads a block, and kSplitLayoutMaxItems.
  constexpr size_t kBatchSizes[] = {1, 2, 31, 32, 33, 127, 129, 1023, 1024, 1025,
                                    kSplitLayoutMaxItems, kSplitLayoutMaxItems + 1};
  const testing::SignatureConfig config{SignatureScheme::kEcdsaSecp256k1, PreHash::kNone,
                                        SignatureEncoding::kCompact, false};
  for (size_t count : kBatchSizes) {
    INFO("batch of " << count);
    VerifyItems items;
    for (const auto& c : testing::MakeSignatureCases(rng, config, count)) {
      if (items.size() == count) break;
      items.Add(c.message, c.public_key, c.signature, c.what);
    }
    REQUIRE(items.size() == count);
    CheckVerifyOnDevice(items, config);
    auto cases = testing::MakeRecoverCases(rng, false, count);
    cases.resize(std::min(cases.size(), count));
    REQUIRE(cases.size() == count);
    CheckRecoverOnDevice(cases, false);
  }
}

}  // namespace
}  // namespace chainaccel::kernels
