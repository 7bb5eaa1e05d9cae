// Tests of GpuEngine's signatures: ECDSA secp256k1 verification (every configuration:
// compact and DER, every pre-hash, low S required or not), BIP-340 verification (every
// pre-hash; BIP-340's vectors, adversarial encodings) and Ethereum recovery, each item's
// status (and recovered key and address) against the CpuEngine's on random valid and
// corrupted signatures; chunking with messages longer than a chunk; Accepts for the
// schemes the GPU leaves to the CPU; an injected fault. Replayable seed:
// CHAINACCEL_TEST_SEED. Needs a GPU (skipped without one under --require-gpu).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "engines/cpu/cpu_engine.h"
#include "crypto/signatures.h"
#include "core/thread_pool.h"
#include "tests/support/bip340_cases.h"
#include "tests/support/random.h"
#include "tests/support/signature_batch.h"
#include "tests/support/signature_cases.h"
#include "tests/support/vectors.h"
#include "engines/gpu/gpu_test_engines.h"

namespace chainaccel {
namespace {

using testing::Bytes;
using testing::MakeRng;

using VerifyBatchData = testing::SignatureBatch;

VerifyBatchData RandomVerifyBatch(std::mt19937_64& rng, const testing::SignatureConfig& config,
                                  size_t count) {
  VerifyBatchData batch;
  for (const auto& c : testing::MakeSignatureCases(rng, config, count)) {
    batch.Add(c.message, c.public_key, c.signature, c.what);
  }
  return batch;
}

void CheckVerifyAgainstCpu(GpuEngine& gpu, const VerifyBatchData& batch,
                           const testing::SignatureConfig& config) {
  const size_t n = batch.size();
  std::vector<ItemStatus> from_gpu(n, ItemStatus::kUnspecified), from_cpu(n);
  Task on_gpu = batch.Task(config, from_gpu.data());
  Task on_cpu = batch.Task(config, from_cpu.data());
  const Status s = gpu.Run(on_gpu);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(testing::ReferenceCpu().Run(on_cpu).ok());
  for (size_t i = 0; i < n; ++i) {
    INFO("item " << i << ": " << batch.what[i] << "; pre-hash " << int(config.pre_hash)
                 << " encoding " << int(config.encoding) << " allow_high_s "
                 << config.allow_high_s);
    REQUIRE(int(from_gpu[i]) == int(from_cpu[i]));
  }
}

// Every configuration of `scheme` the API accepts.
std::vector<testing::SignatureConfig> ConfigsOf(SignatureScheme scheme) {
  std::vector<testing::SignatureConfig> out;
  for (const auto& config : testing::AllSignatureConfigs()) {
    if (config.scheme == scheme) out.push_back(config);
  }
  return out;
}

TEST_CASE("GpuEngine accepts ECDSA, BIP-340 and Ed25519 verification and recovery",
          "[gpu_engine][signatures]") {
  GpuEngine& gpu = testing::SharedGpu();
  CHECK(gpu.Supports(TaskType::kSignatureVerify));
  CHECK(gpu.Supports(TaskType::kSignatureRecover));
  SignatureVerifyTask verify;
  verify.scheme = SignatureScheme::kEcdsaSecp256k1;
  CHECK(gpu.Accepts(Task(verify)));
  verify.scheme = SignatureScheme::kEd25519;
  CHECK(gpu.Accepts(Task(verify)));
  verify.scheme = SignatureScheme::kSchnorrBip340;
  CHECK(gpu.Accepts(Task(verify)));
  CHECK(gpu.Accepts(Task(SignatureRecoverTask{})));
  CHECK(gpu.stats().healthy);
  // With Options::ed25519 off, Ed25519 stays on the CPU.
  GpuEngine::Options options;
  options.ed25519 = false;
  std::unique_ptr<GpuEngine> without = testing::MakeGpu(options);
  verify.scheme = SignatureScheme::kEd25519;
  CHECK_FALSE(without->Accepts(Task(verify)));
  Task ed25519 = verify;
  CHECK(without->Run(ed25519).code() == Status::Code::kUnimplemented);
}

TEST_CASE("GpuEngine ECDSA verification matches the CPU in every configuration",
          "[gpu_engine][signatures]") {
  auto rng = MakeRng("gpu_engine ecdsa");
  for (const auto& config : ConfigsOf(SignatureScheme::kEcdsaSecp256k1)) {
    CheckVerifyAgainstCpu(testing::SharedGpu(), RandomVerifyBatch(rng, config, 6000), config);
  }
}

// Messages longer than a 64 KiB chunk (40 000, 70 000 and 200 000 bytes) with valid
// ECDSA or BIP-340 signatures over them (over their pre-hash when the configuration has
// one; ECDSA without a pre-hash signs 32-byte hashes, so it gets none).
void AddOversizeMessages(std::mt19937_64& rng, const testing::SignatureConfig& config,
                         VerifyBatchData& batch) {
  const bool ecdsa = config.scheme == SignatureScheme::kEcdsaSecp256k1;
  if (ecdsa && config.pre_hash == PreHash::kNone) return;
  const testing::Secp256k1Key key = testing::MakeSecp256k1Key(rng);
  for (size_t length : {size_t{40000}, size_t{70000}, size_t{200000}}) {
    const Bytes message = testing::RandomBytes(rng, length);
    Hash32 digest;
    const ByteView signed_message = ApplyPreHash(config.pre_hash, message, digest);
    Bytes sig;
    if (!ecdsa) {
      sig = testing::SignSchnorr(key, signed_message, rng);
    } else if (config.encoding == SignatureEncoding::kDer) {
      sig = testing::SignEcdsaDer(key, signed_message);
    } else {
      sig = testing::SignEcdsaCompact(key, signed_message);
    }
    batch.Add(message, ecdsa ? key.compressed : key.x_only, sig,
              std::to_string(length) + "-byte message");
  }
}

TEST_CASE("GpuEngine ECDSA and BIP-340 verification across small chunks and oversize messages",
          "[gpu_engine][signatures]") {
  auto rng = MakeRng("gpu_engine ecdsa chunks");
  GpuEngine::Options options;
  options.chunk_bytes = 64 << 10;
  options.chunk_items = 512;
  std::unique_ptr<GpuEngine> gpu = testing::MakeGpu(options);
  for (const SignatureScheme scheme :
       {SignatureScheme::kEcdsaSecp256k1, SignatureScheme::kSchnorrBip340}) {
    for (const auto& config : ConfigsOf(scheme)) {
      VerifyBatchData batch = RandomVerifyBatch(rng, config, 3000);
      AddOversizeMessages(rng, config, batch);
      CheckVerifyAgainstCpu(*gpu, batch, config);
    }
  }
}

TEST_CASE("GpuEngine verifies Ed25519 as the CPU does",
          "[gpu_engine][signatures][ed25519]") {
  auto rng = MakeRng("gpu_engine ed25519");
  GpuEngine::Options options;
  std::unique_ptr<GpuEngine> gpu = testing::MakeGpu(options);  // its self-test has RFC 8032's
  SignatureVerifyTask probe;
  probe.scheme = SignatureScheme::kEd25519;
  CHECK(gpu->Accepts(Task(probe)));
  for (const auto& config : testing::AllSignatureConfigs()) {
    if (config.scheme != SignatureScheme::kEd25519) continue;
    CheckVerifyAgainstCpu(*gpu, RandomVerifyBatch(rng, config, 6000), config);
  }
  // Small chunks, and messages longer than a chunk.
  options.chunk_bytes = 64 << 10;
  options.chunk_items = 512;
  std::unique_ptr<GpuEngine> small = testing::MakeGpu(options);
  const testing::SignatureConfig plain{SignatureScheme::kEd25519, PreHash::kNone,
                                       SignatureEncoding::kCompact, false};
  VerifyBatchData batch = RandomVerifyBatch(rng, plain, 3000);
  const testing::Ed25519Key key = testing::MakeEd25519Key(rng);
  for (size_t length : {size_t{40000}, size_t{70000}, size_t{200000}}) {
    const Bytes message = testing::RandomBytes(rng, length);
    batch.Add(message, key.public_key, testing::SignEd25519(key, message),
              std::to_string(length) + "-byte message");
  }
  CheckVerifyAgainstCpu(*small, batch, plain);
}

TEST_CASE("GpuEngine verifies BIP-340 as the CPU does, every pre-hash",
          "[gpu_engine][signatures][bip340]") {
  auto rng = MakeRng("gpu_engine bip340");
  for (const auto& config : ConfigsOf(SignatureScheme::kSchnorrBip340)) {
    VerifyBatchData batch = RandomVerifyBatch(rng, config, 6000);
    if (config.pre_hash == PreHash::kNone) {
      testing::AddBip340AdversarialCases(rng, &batch);
      testing::AddBip340ValidCases(rng, 1000, &batch);
      testing::AddBip340CorruptedCases(rng, 1000, &batch);
    }
    CheckVerifyAgainstCpu(testing::SharedGpu(), batch, config);
  }
}

TEST_CASE("GpuEngine honours every BIP-340 vector as the CPU does",
          "[gpu_engine][signatures][bip340][vectors]") {
  const auto vectors = testing::ReadBip340Vectors();
  REQUIRE(vectors.size() == 19);
  VerifyBatchData batch;
  for (const auto& v : vectors) {
    batch.Add(v.message, v.public_key, v.signature,
              "vector " + std::to_string(v.index) + " " + v.comment);
  }
  const testing::SignatureConfig plain{SignatureScheme::kSchnorrBip340};
  CheckVerifyAgainstCpu(testing::SharedGpu(), batch, plain);
  std::vector<ItemStatus> status(batch.size(), ItemStatus::kUnspecified);
  Task task = batch.Task(plain, status.data());
  REQUIRE(testing::SharedGpu().Run(task).ok());
  for (size_t i = 0; i < vectors.size(); ++i) {
    INFO(batch.what[i]);
    CHECK((status[i] == ItemStatus::kOk) == vectors[i].valid);
  }
}

TEST_CASE("GpuEngine recovery matches the CPU: keys, addresses, statuses",
          "[gpu_engine][signatures]") {
  auto rng = MakeRng("gpu_engine recover");
  for (bool allow_high_s : {false, true}) {
    const auto cases = testing::MakeRecoverCases(rng, allow_high_s, 6000);
    const size_t n = cases.size();
    std::vector<uint8_t> hashes, signatures;
    for (const auto& c : cases) {
      hashes.insert(hashes.end(), c.hash.begin(), c.hash.end());
      signatures.insert(signatures.end(), c.signature.begin(), c.signature.end());
    }
    std::vector<uint8_t> gpu_keys(64 * n, 0xA5), gpu_addresses(20 * n, 0xA5), cpu_keys(64 * n),
        cpu_addresses(20 * n);
    std::vector<ItemStatus> gpu_status(n), cpu_status(n);
    Task on_gpu = SignatureRecoverTask{n, hashes.data(), signatures.data(), allow_high_s,
                                       gpu_keys.data(), gpu_addresses.data(), gpu_status.data()};
    Task on_cpu = SignatureRecoverTask{n, hashes.data(), signatures.data(), allow_high_s,
                                       cpu_keys.data(), cpu_addresses.data(), cpu_status.data()};
    REQUIRE(testing::SharedGpu().Run(on_gpu).ok());
    REQUIRE(testing::ReferenceCpu().Run(on_cpu).ok());
    for (size_t i = 0; i < n; ++i) {
      INFO(cases[i].what);
      REQUIRE(int(gpu_status[i]) == int(cpu_status[i]));
    }
    CHECK(gpu_keys == cpu_keys);
    CHECK(gpu_addresses == cpu_addresses);
  }
}

TEST_CASE("GpuEngine signature fault mid-batch: unhealthy, counted, CPU re-run right",
          "[gpu_engine][signatures][fault]") {
  auto rng = MakeRng("gpu_engine ecdsa fault");
  GpuEngine::Options options;
  options.chunk_items = 256;
  testing::FailAfterChunks fail(3);
  std::unique_ptr<GpuEngine> gpu = testing::MakeGpu(options, &fail);
  const testing::SignatureConfig config{SignatureScheme::kEcdsaSecp256k1, PreHash::kSha256,
                                        SignatureEncoding::kCompact, false};
  const VerifyBatchData batch = RandomVerifyBatch(rng, config, 2000);
  std::vector<ItemStatus> status(batch.size());
  Task task = batch.Task(config, status.data());
  const Status fault = gpu->Run(task);
  INFO(fault.ToString());
  CHECK((fault.code() == Status::Code::kInternal || fault.code() == Status::Code::kUnavailable));
  CHECK_FALSE(gpu->stats().healthy);
  CHECK(gpu->faults() == 1);
  REQUIRE(testing::ReferenceCpu().Run(task).ok());
  REQUIRE(gpu->SelfTest().ok());
  CheckVerifyAgainstCpu(*gpu, batch, config);
}

// The soaks below are not run by default (hidden: `gpu_engine_tests "[.soak]"`, minutes
// on a 16-core GPU host). Their size is CHAINACCEL_SOAK_ITEMS (default 10^7).
size_t SoakItems() {
  const char* env = std::getenv("CHAINACCEL_SOAK_ITEMS");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 10'000'000;
}

// Runs make(i, rng) for i < n on every core (ThreadPool::ParallelFor). Items
// [4096 k, 4096 (k + 1)) draw from one generator seeded with seed + 1 + k, so a seed makes
// the same items on any machine, whatever its core count.
template <class F>
void OnAllCores(size_t n, uint64_t seed, F make) {
  constexpr size_t kItemsPerSeed = 4096;
  ThreadPool pool(std::max(1u, std::thread::hardware_concurrency()));
  pool.ParallelFor((n + kItemsPerSeed - 1) / kItemsPerSeed, 1, [&](size_t first, size_t end) {
    for (size_t block = first; block < end; ++block) {
      std::mt19937_64 rng(seed + 1 + block);
      const size_t last = std::min(n, (block + 1) * kItemsPerSeed);
      for (size_t i = block * kItemsPerSeed; i < last; ++i) make(i, rng);
    }
  });
}

// Flips one random bit of item i's `size` bytes at `items`.
void FlipOneBit(uint8_t* items, size_t size, uint64_t r) {
  items[(r >> 8) % size] ^= uint8_t(1u << (r >> 4) % 8);
}

// Items whose `size` bytes differ between a and b.
size_t DifferingItems(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                      size_t size) {
  size_t differing = 0;
  for (size_t i = 0; i + size <= a.size(); i += size) {
    differing += std::memcmp(&a[i], &b[i], size) != 0;
  }
  return differing;
}

// Verifies `verify` on the GPU and on the CPU engine (all cores): zero disagreements.
void CheckSoakVerification(const SignatureVerifyTask& verify) {
  const size_t n = verify.signatures.size();
  std::vector<ItemStatus> on_gpu(n), on_cpu(n);
  Task gpu_task = verify, cpu_task = verify;
  std::get<SignatureVerifyTask>(gpu_task).status = on_gpu.data();
  std::get<SignatureVerifyTask>(cpu_task).status = on_cpu.data();
  REQUIRE(testing::SharedGpu().Run(gpu_task).ok());
  CpuEngine all_cores(CpuEngine::Options{});
  REQUIRE(all_cores.Run(cpu_task).ok());
  size_t disagreements = 0, valid = 0;
  for (size_t i = 0; i < n; ++i) {
    disagreements += on_gpu[i] != on_cpu[i];
    valid += on_cpu[i] == ItemStatus::kOk;
  }
  UNSCOPED_INFO(n << " verifications, " << valid << " valid");
  CHECK(disagreements == 0);
}

// Packs item i's message, messages[kSoakMessageStride * i, + lengths[i]), to the front of
// `messages`, filling `offsets` (n + 1 of them); returns the packed bytes.
constexpr size_t kSoakMessageStride = 128;
size_t PackMessagesInPlace(const std::vector<uint8_t>& lengths, std::vector<uint8_t>* messages,
                           std::vector<uint64_t>* offsets) {
  size_t packed = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    (*offsets)[i] = packed;
    std::memmove(messages->data() + packed, messages->data() + kSoakMessageStride * i,
                 lengths[i]);
    packed += lengths[i];
  }
  (*offsets)[lengths.size()] = packed;
  return packed;
}

std::vector<testing::Secp256k1Key> SoakSecp256k1Keys(uint64_t seed) {
  std::vector<testing::Secp256k1Key> keys;
  std::mt19937_64 key_rng(seed);
  for (int k = 0; k < 4096; ++k) keys.push_back(testing::MakeSecp256k1Key(key_rng));
  return keys;
}

// n random ECDSA signatures by 4 096 keys, half of them with one random bit flipped in
// the signature, key or hash, verified on the GPU and on the CPU engine (all cores).
// Zero disagreements is the only pass.
TEST_CASE("GpuEngine soak: 10^7 ECDSA verifications with bit flips", "[.soak]") {
  const size_t n = SoakItems();
  const uint64_t seed = testing::TestSeed();
  const std::vector<testing::Secp256k1Key> keys = SoakSecp256k1Keys(seed);
  std::vector<uint8_t> hashes(32 * n), public_keys(33 * n), signatures(64 * n);
  OnAllCores(n, seed, [&](size_t i, std::mt19937_64& rng) {
    const auto& key = keys[rng() % keys.size()];
    uint8_t* hash = &hashes[32 * i];
    for (int b = 0; b < 32; ++b) hash[b] = static_cast<uint8_t>(rng());
    const Bytes sig = testing::SignEcdsaCompact(key, ByteView(hash, 32));
    std::memcpy(&public_keys[33 * i], key.compressed.data(), 33);
    std::memcpy(&signatures[64 * i], sig.data(), 64);
    if (rng() % 2 == 0) {
      const uint64_t r = rng();
      switch (r % 3) {
        case 0: FlipOneBit(&signatures[64 * i], 64, r); break;
        case 1: FlipOneBit(&public_keys[33 * i], 33, r); break;
        default: FlipOneBit(hash, 32, r); break;
      }
    }
  });
  SignatureVerifyTask verify;
  verify.scheme = SignatureScheme::kEcdsaSecp256k1;
  verify.messages = PackedItems::Fixed(hashes, 32);
  verify.public_keys = PackedItems::Fixed(public_keys, 33);
  verify.signatures = PackedItems::Fixed(signatures, 64);
  CheckSoakVerification(verify);
}

// n random recoverable signatures (r || s || v, v = 27 or 28) by 4 096 keys, half of them
// with one random bit flipped in the signature or the hash, recovered on the GPU and on
// the CPU engine: statuses, keys and addresses must be identical.
TEST_CASE("GpuEngine soak: 10^7 Ethereum recoveries with bit flips", "[.soak]") {
  const size_t n = SoakItems();
  const uint64_t seed = testing::TestSeed();
  const std::vector<testing::Secp256k1Key> keys = SoakSecp256k1Keys(seed);
  std::vector<uint8_t> hashes(32 * n), recoverable(65 * n);
  OnAllCores(n, seed, [&](size_t i, std::mt19937_64& rng) {
    const auto& key = keys[rng() % keys.size()];
    uint8_t* hash = &hashes[32 * i];
    for (int b = 0; b < 32; ++b) hash[b] = static_cast<uint8_t>(rng());
    const Bytes rsig = testing::SignRecoverable(key, ByteView(hash, 32), 27);
    std::memcpy(&recoverable[65 * i], rsig.data(), 65);
    if (rng() % 2 == 0) {
      const uint64_t r = rng();
      if (r % 2 == 0) FlipOneBit(&recoverable[65 * i], 65, r);
      else FlipOneBit(hash, 32, r);
    }
  });
  std::vector<ItemStatus> on_gpu(n), on_cpu(n);
  std::vector<uint8_t> gpu_keys(64 * n), cpu_keys(64 * n), gpu_addresses(20 * n),
      cpu_addresses(20 * n);
  Task gpu_recover = SignatureRecoverTask{n, hashes.data(), recoverable.data(), false,
                                          gpu_keys.data(), gpu_addresses.data(), on_gpu.data()};
  Task cpu_recover = SignatureRecoverTask{n, hashes.data(), recoverable.data(), false,
                                          cpu_keys.data(), cpu_addresses.data(), on_cpu.data()};
  REQUIRE(testing::SharedGpu().Run(gpu_recover).ok());
  CpuEngine all_cores(CpuEngine::Options{});
  REQUIRE(all_cores.Run(cpu_recover).ok());
  size_t disagreements = 0, recovered = 0;
  for (size_t i = 0; i < n; ++i) {
    disagreements += on_gpu[i] != on_cpu[i];
    recovered += on_cpu[i] == ItemStatus::kOk;
  }
  UNSCOPED_INFO(n << " recoveries, " << recovered << " recovered a key");
  CHECK(disagreements == 0);
  CHECK(DifferingItems(gpu_keys, cpu_keys, 64) == 0);
  CHECK(DifferingItems(gpu_addresses, cpu_addresses, 20) == 0);
}

// A soak of SoakItems() items over messages of 0 to 127 bytes: sign(rng, message,
// public_key, signature) signs item i's message with a key it picks and writes the key
// (key_size bytes) and the 64-byte signature; half the items then get one random bit
// flipped in the signature, key or message. Verified on the GPU and on the CPU engine
// (CheckSoakVerification).
template <class Sign>
void SoakVariableLengthMessages(SignatureScheme scheme, size_t key_size, uint64_t seed,
                                Sign sign) {
  const size_t n = SoakItems();
  // Item i's message is messages[128 * i, 128 * i + lengths[i]) until packed below.
  std::vector<uint8_t> messages(kSoakMessageStride * n), public_keys(key_size * n),
      signatures(64 * n), lengths(n);
  std::vector<uint64_t> offsets(n + 1);
  OnAllCores(n, seed, [&](size_t i, std::mt19937_64& rng) {
    lengths[i] = static_cast<uint8_t>(rng() % kSoakMessageStride);
    uint8_t* message = &messages[kSoakMessageStride * i];
    for (int b = 0; b < lengths[i]; ++b) message[b] = static_cast<uint8_t>(rng());
    sign(rng, ByteView(message, lengths[i]), &public_keys[key_size * i], &signatures[64 * i]);
    if (rng() % 2 == 0) {
      const uint64_t r = rng();
      switch (r % 3) {
        case 0: FlipOneBit(&signatures[64 * i], 64, r); break;
        case 1: FlipOneBit(&public_keys[key_size * i], key_size, r); break;
        default:
          if (lengths[i] > 0) FlipOneBit(message, lengths[i], r);
          break;
      }
    }
  });
  const size_t packed = PackMessagesInPlace(lengths, &messages, &offsets);
  SignatureVerifyTask verify;
  verify.scheme = scheme;
  verify.messages = PackedItems::Variable(ByteView(messages.data(), packed), offsets);
  verify.public_keys = PackedItems::Fixed(public_keys, key_size);
  verify.signatures = PackedItems::Fixed(signatures, 64);
  CheckSoakVerification(verify);
}

// n random Ed25519 signatures by 4 096 keys over messages of 0 to 127 bytes, half of
// them with one bit flipped, on the GPU and on the CPU engine (libsodium, all cores). Zero
// disagreements is the only pass.
TEST_CASE("GpuEngine soak: 10^7 Ed25519 verifications with bit flips", "[.soak]") {
  const uint64_t seed = testing::TestSeed();
  std::vector<testing::Ed25519Key> keys;
  std::mt19937_64 key_rng(seed);
  for (int k = 0; k < 4096; ++k) keys.push_back(testing::MakeEd25519Key(key_rng));
  SoakVariableLengthMessages(
      SignatureScheme::kEd25519, 32, seed,
      [&](std::mt19937_64& rng, ByteView message, uint8_t* public_key, uint8_t* signature) {
        const auto& key = keys[rng() % keys.size()];
        const Bytes sig = testing::SignEd25519(key, message);
        std::memcpy(public_key, key.public_key.data(), 32);
        std::memcpy(signature, sig.data(), 64);
      });
}

// n random BIP-340 signatures by 4 096 keys over messages of 0 to 127 bytes, half of
// them with one bit flipped, on the GPU and on the CPU engine (libsecp256k1, all cores).
// Zero disagreements is the only pass.
TEST_CASE("GpuEngine soak: 10^7 BIP-340 verifications with bit flips", "[.soak]") {
  const uint64_t seed = testing::TestSeed();
  const std::vector<testing::Secp256k1Key> keys = SoakSecp256k1Keys(seed);
  SoakVariableLengthMessages(
      SignatureScheme::kSchnorrBip340, 32, seed,
      [&](std::mt19937_64& rng, ByteView message, uint8_t* public_key, uint8_t* signature) {
        const auto& key = keys[rng() % keys.size()];
        const Bytes sig = testing::SignSchnorr(key, message, rng);
        std::memcpy(public_key, key.x_only.data(), 32);
        std::memcpy(signature, sig.data(), 64);
      });
}

}  // namespace
}  // namespace chainaccel
