// cpu_engine_bench: the CPU engine against plain loops over the same library calls.
//
// For each operation it measures, in one process:
//   plain   - one thread calling the library directly over every item (the baseline);
//   engine  - a CpuEngine with T threads running the items as one batch, submitted to
//             the engine's own pool as the scheduler does, so that exactly T
//             threads work (T = 1 always, then every --threads value).
//   plain_parallel - the plain loop split into T slices on T threads (per-item ops), the
//             hardware's all-core rate with no engine in the way;
// and prints one JSON line per measurement:
//   {"op","impl","threads","items","seconds","items_per_s","ratio_vs_plain_per_core"}
// where ratio_vs_plain_per_core = items_per_s / (plain items_per_s * threads): 1.0 means
// the engine adds nothing to the library's cost and scales perfectly.
//
// Usage: cpu_engine_bench [--ops a,b,...] [--items N] [--min-seconds S] [--threads 1,2,4]
//                         [--rounds R]
// Each configuration is measured R times (default 5), interleaved with the others, each
// time for at least S seconds (default 0.3); the median is printed.
// Ops: sha256 sha256d keccak256 (64-byte messages), ed25519 ecdsa schnorr (verify, valid
// signatures, 32-byte messages), recover, merkle_bitcoin merkle_rfc6962 merkle_oz
// (2^20 leaves by default, OZ without sorting).
#include <openssl/evp.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include <cryptopp/keccak.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/split_list.h"
#include "engines/cpu/cpu_engine.h"
#include "tests/support/random.h"
#include "tests/support/signing.h"

namespace chainaccel {
namespace {

using Bytes = std::vector<uint8_t>;

// ---- Options --------------------------------------------------------------------------

struct Options {
  std::vector<std::string> ops = {"sha256",  "sha256d", "keccak256",      "ed25519",
                                  "ecdsa",   "schnorr", "recover",        "merkle_bitcoin",
                                  "merkle_rfc6962", "merkle_oz"};
  size_t items = 0;  // 0: each op's default
  double min_seconds = 0.3;
  // Measurements of each configuration, interleaved (plain, engine T1, T2, ...; again),
  // so that drift of a shared machine's speed hits all configurations alike; the median
  // is reported.
  size_t rounds = 5;
  std::vector<size_t> threads;
};

[[noreturn]] void Usage(const char* problem) {
  std::fprintf(stderr,
               "cpu_engine_bench: %s\n"
               "usage: cpu_engine_bench [--ops a,b,...] [--items N] [--min-seconds S] "
               "[--threads 1,2,4] [--rounds R]\n",
               problem);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  const size_t hardware = std::max(1u, std::thread::hardware_concurrency());
  for (size_t t = 1; t < hardware; t *= 2) options.threads.push_back(t);
  options.threads.push_back(hardware);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + arg).c_str());
    const std::string value = argv[++i];
    if (arg == "--ops") {
      options.ops = SplitList(value);
    } else if (arg == "--items") {
      options.items = std::stoul(value);
    } else if (arg == "--min-seconds") {
      options.min_seconds = std::stod(value);
    } else if (arg == "--rounds") {
      options.rounds = std::max<size_t>(1, std::stoul(value));
    } else if (arg == "--threads") {
      options.threads.clear();
      for (const std::string& t : SplitList(value)) options.threads.push_back(std::stoul(t));
    } else {
      Usage(("unknown option " + arg).c_str());
    }
  }
  return options;
}

// ---- Plain library calls --------------------------------------------------------------

// SHA-256 the way a plain program would call OpenSSL 3 for speed: the algorithm fetched
// once and one context reinitialized per message.
class PlainSha256 {
 public:
  PlainSha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {}
  ~PlainSha256() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  PlainSha256(const PlainSha256&) = delete;
  PlainSha256& operator=(const PlainSha256&) = delete;

  void Hash(const uint8_t* data, size_t size, uint8_t* out) {
    unsigned int len = 0;
    EVP_DigestInit_ex2(ctx_, md_, nullptr);
    EVP_DigestUpdate(ctx_, data, size);
    EVP_DigestFinal_ex(ctx_, out, &len);
  }
  void HashTwice(const uint8_t* data, size_t size, uint8_t* out) {
    uint8_t inner[32];
    Hash(data, size, inner);
    Hash(inner, 32, out);
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

const secp256k1_context* Secp256k1() {
  static const secp256k1_context* const ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  return ctx;
}

// ---- Operations -----------------------------------------------------------------------

// One operation: its items, a plain single-thread pass over them, and the same work as
// an engine task (made afresh for each run; it points into `data`).
struct Operation {
  std::string name;
  size_t items = 0;
  // The plain loop over items [begin, end) (per-item ops), or over the whole input.
  std::function<void(size_t begin, size_t end)> plain;
  std::function<Task()> task;
  // Items are independent, so the plain loop can also run as T slices on T threads.
  bool per_item = true;
};

constexpr size_t kMessageSize = 64;
constexpr size_t kDefaultHashItems = size_t{1} << 20;
// Enough that 16 threads each get thousands of items per batch.
constexpr size_t kDefaultSignatureItems = 65536;
constexpr size_t kDefaultLeaves = size_t{1} << 20;
// Distinct signatures generated per signature op; batches repeat them.
constexpr size_t kDistinctSignatures = 1024;

struct HashData {
  Bytes messages;
  Bytes digests;
};

Operation HashOperation(const std::string& name, HashAlgorithm algorithm, size_t n,
                        std::mt19937_64& rng) {
  auto data = std::make_shared<HashData>();
  data->messages = testing::RandomBytes(rng, n * kMessageSize);
  data->digests.resize(n * 32);
  Operation op{name, n, nullptr, nullptr};
  switch (algorithm) {
    case HashAlgorithm::kSha256:
    case HashAlgorithm::kSha256d:
      op.plain = [data, twice = algorithm == HashAlgorithm::kSha256d](size_t begin, size_t end) {
        PlainSha256 sha;
        for (size_t i = begin; i < end; ++i) {
          const uint8_t* m = data->messages.data() + i * kMessageSize;
          uint8_t* out = data->digests.data() + i * 32;
          if (twice) {
            sha.HashTwice(m, kMessageSize, out);
          } else {
            sha.Hash(m, kMessageSize, out);
          }
        }
      };
      break;
    case HashAlgorithm::kKeccak256:
      op.plain = [data](size_t begin, size_t end) {
        CryptoPP::Keccak_256 keccak;
        for (size_t i = begin; i < end; ++i) {
          keccak.CalculateDigest(data->digests.data() + i * 32,
                                 data->messages.data() + i * kMessageSize, kMessageSize);
        }
      };
      break;
  }
  op.task = [data, algorithm] {
    return Task(HashTask{algorithm, PackedItems::Fixed(data->messages, kMessageSize),
                         data->digests.data()});
  };
  return op;
}

struct VerifyData {
  Bytes messages, keys, signatures;
  size_t key_size = 0, signature_size = 0;
  std::vector<ItemStatus> status;
};

Operation VerifyOperation(const std::string& name, SignatureScheme scheme, size_t n,
                          std::mt19937_64& rng) {
  auto data = std::make_shared<VerifyData>();
  data->key_size = scheme == SignatureScheme::kEcdsaSecp256k1 ? 33 : 32;
  data->signature_size = 64;
  std::vector<Bytes> messages, keys, signatures;
  for (size_t i = 0; i < std::min(n, kDistinctSignatures); ++i) {
    const Bytes message = testing::RandomBytes(rng, 32);
    if (scheme == SignatureScheme::kEd25519) {
      const auto key = testing::MakeEd25519Key(rng);
      keys.push_back(key.public_key);
      signatures.push_back(testing::SignEd25519(key, message));
    } else {
      const auto key = testing::MakeSecp256k1Key(rng);
      if (scheme == SignatureScheme::kEcdsaSecp256k1) {
        keys.push_back(key.compressed);
        signatures.push_back(testing::SignEcdsaCompact(key, message));
      } else {
        keys.push_back(key.x_only);
        signatures.push_back(testing::SignSchnorr(key, message, rng));
      }
    }
    messages.push_back(message);
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t j = i % messages.size();
    data->messages.insert(data->messages.end(), messages[j].begin(), messages[j].end());
    data->keys.insert(data->keys.end(), keys[j].begin(), keys[j].end());
    data->signatures.insert(data->signatures.end(), signatures[j].begin(), signatures[j].end());
  }
  data->status.resize(n);

  Operation op{name, n, nullptr, nullptr};
  op.plain = [data, scheme](size_t begin, size_t end) {
    const secp256k1_context* ctx = Secp256k1();
    size_t valid = 0;
    for (size_t i = begin; i < end; ++i) {
      const uint8_t* m = data->messages.data() + 32 * i;
      const uint8_t* k = data->keys.data() + data->key_size * i;
      const uint8_t* s = data->signatures.data() + 64 * i;
      switch (scheme) {
        case SignatureScheme::kEd25519:
          valid += crypto_sign_verify_detached(s, m, 32, k) == 0;
          break;
        case SignatureScheme::kEcdsaSecp256k1: {
          secp256k1_pubkey key;
          secp256k1_ecdsa_signature sig;
          valid += secp256k1_ec_pubkey_parse(ctx, &key, k, 33) &&
                   secp256k1_ecdsa_signature_parse_compact(ctx, &sig, s) &&
                   secp256k1_ecdsa_verify(ctx, &sig, m, &key);
          break;
        }
        case SignatureScheme::kSchnorrBip340: {
          secp256k1_xonly_pubkey key;
          valid += secp256k1_xonly_pubkey_parse(ctx, &key, k) &&
                   secp256k1_schnorrsig_verify(ctx, s, m, 32, &key);
          break;
        }
      }
    }
    if (valid != end - begin) std::fprintf(stderr, "plain %zu of %zu valid\n", valid, end - begin);
  };
  op.task = [data, scheme] {
    return Task(SignatureVerifyTask{scheme, PreHash::kNone, SignatureEncoding::kCompact, false,
                                    PackedItems::Fixed(data->messages, 32),
                                    PackedItems::Fixed(data->keys, data->key_size),
                                    PackedItems::Fixed(data->signatures, 64),
                                    data->status.data()});
  };
  return op;
}

struct RecoverData {
  Bytes hashes, signatures, keys, addresses;
  std::vector<ItemStatus> status;
};

Operation RecoverOperation(size_t n, std::mt19937_64& rng) {
  auto data = std::make_shared<RecoverData>();
  std::vector<Bytes> hashes, signatures;
  for (size_t i = 0; i < std::min(n, kDistinctSignatures); ++i) {
    const Bytes hash = testing::RandomBytes(rng, 32);
    hashes.push_back(hash);
    signatures.push_back(testing::SignRecoverable(testing::MakeSecp256k1Key(rng), hash, 27));
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t j = i % hashes.size();
    data->hashes.insert(data->hashes.end(), hashes[j].begin(), hashes[j].end());
    data->signatures.insert(data->signatures.end(), signatures[j].begin(), signatures[j].end());
  }
  data->keys.resize(64 * n);
  data->addresses.resize(20 * n);
  data->status.resize(n);

  Operation op{"recover", n, nullptr, nullptr};
  op.plain = [data](size_t begin, size_t end) {
    const secp256k1_context* ctx = Secp256k1();
    CryptoPP::Keccak_256 keccak;
    for (size_t i = begin; i < end; ++i) {
      const uint8_t* s = data->signatures.data() + 65 * i;
      secp256k1_ecdsa_recoverable_signature sig;
      secp256k1_pubkey key;
      uint8_t uncompressed[65];
      size_t size = sizeof uncompressed;
      uint8_t digest[32];
      if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, s, s[64] - 27) ||
          !secp256k1_ecdsa_recover(ctx, &key, &sig, data->hashes.data() + 32 * i)) {
        std::fprintf(stderr, "plain recovery failed\n");
        continue;
      }
      secp256k1_ec_pubkey_serialize(ctx, uncompressed, &size, &key, SECP256K1_EC_UNCOMPRESSED);
      keccak.CalculateDigest(digest, uncompressed + 1, 64);
      std::memcpy(data->keys.data() + 64 * i, uncompressed + 1, 64);
      std::memcpy(data->addresses.data() + 20 * i, digest + 12, 20);
    }
  };
  op.task = [data, n] {
    return Task(SignatureRecoverTask{n, data->hashes.data(), data->signatures.data(), false,
                                     data->keys.data(), data->addresses.data(),
                                     data->status.data()});
  };
  return op;
}

// Plain single-thread trees: BITCOIN and RFC 6962 level by level, OZ as OpenZeppelin's
// array tree.
Bytes PlainLevelRoot(const Bytes& leaves, bool bitcoin) {
  PlainSha256 sha;
  Bytes level = leaves;
  uint8_t buf[65] = {0x01};
  while (level.size() > 32) {
    const size_t nodes = level.size() / 32;
    Bytes up;
    up.reserve((nodes + 1) / 2 * 32);
    for (size_t j = 0; j + 1 < nodes; j += 2) {
      uint8_t out[32];
      if (bitcoin) {
        sha.HashTwice(level.data() + 32 * j, 64, out);
      } else {
        std::memcpy(buf + 1, level.data() + 32 * j, 64);
        sha.Hash(buf, 65, out);
      }
      up.insert(up.end(), out, out + 32);
    }
    if (nodes % 2 == 1) {
      const uint8_t* last = level.data() + 32 * (nodes - 1);
      uint8_t out[32];
      if (bitcoin) {
        std::memcpy(buf, last, 32);
        std::memcpy(buf + 32, last, 32);
        sha.HashTwice(buf, 64, out);
        up.insert(up.end(), out, out + 32);
      } else {
        up.insert(up.end(), last, last + 32);
      }
    }
    level.swap(up);
  }
  return level;
}

Bytes PlainOzRoot(const Bytes& leaves) {
  const size_t n = leaves.size() / 32;
  std::vector<std::array<uint8_t, 32>> tree(2 * n - 1);
  for (size_t i = 0; i < n; ++i) std::memcpy(tree[tree.size() - 1 - i].data(), &leaves[32 * i], 32);
  CryptoPP::Keccak_256 keccak;
  for (size_t i = n - 1; i-- > 0;) {
    const auto& a = tree[2 * i + 1];
    const auto& b = tree[2 * i + 2];
    uint8_t buf[64];
    const bool in_order = a <= b;
    std::memcpy(buf, (in_order ? a : b).data(), 32);
    std::memcpy(buf + 32, (in_order ? b : a).data(), 32);
    keccak.CalculateDigest(tree[i].data(), buf, 64);
  }
  return Bytes(tree[0].begin(), tree[0].end());
}

Operation MerkleOperation(const std::string& name, MerkleScheme scheme, size_t n,
                          std::mt19937_64& rng) {
  auto leaves = std::make_shared<Bytes>(testing::RandomBytes(rng, n * 32));
  Operation op{name, n, nullptr, nullptr};
  op.per_item = false;
  op.plain = [leaves, scheme](size_t, size_t) {
    const Bytes root = scheme == MerkleScheme::kOzKeccakSorted
                           ? PlainOzRoot(*leaves)
                           : PlainLevelRoot(*leaves, scheme == MerkleScheme::kBitcoin);
    if (root.size() != 32) std::fprintf(stderr, "plain tree has no root\n");
  };
  op.task = [leaves, scheme] {
    MerkleBuildTask task;
    task.scheme = scheme;
    task.leaves = PackedItems::Fixed(*leaves, 32);
    return Task(std::move(task));
  };
  return op;
}

Operation MakeOperation(const std::string& name, size_t items, std::mt19937_64& rng) {
  auto count = [items](size_t fallback) { return items != 0 ? items : fallback; };
  const size_t hashes = count(kDefaultHashItems);
  const size_t signatures = count(kDefaultSignatureItems);
  const size_t leaves = count(kDefaultLeaves);
  if (name == "sha256") return HashOperation(name, HashAlgorithm::kSha256, hashes, rng);
  if (name == "sha256d") return HashOperation(name, HashAlgorithm::kSha256d, hashes, rng);
  if (name == "keccak256") return HashOperation(name, HashAlgorithm::kKeccak256, hashes, rng);
  if (name == "ed25519") {
    return VerifyOperation(name, SignatureScheme::kEd25519, signatures, rng);
  }
  if (name == "ecdsa") {
    return VerifyOperation(name, SignatureScheme::kEcdsaSecp256k1, signatures, rng);
  }
  if (name == "schnorr") {
    return VerifyOperation(name, SignatureScheme::kSchnorrBip340, signatures, rng);
  }
  if (name == "recover") return RecoverOperation(signatures, rng);
  if (name == "merkle_bitcoin") return MerkleOperation(name, MerkleScheme::kBitcoin, leaves, rng);
  if (name == "merkle_rfc6962") return MerkleOperation(name, MerkleScheme::kRfc6962, leaves, rng);
  if (name == "merkle_oz") {
    return MerkleOperation(name, MerkleScheme::kOzKeccakSorted, leaves, rng);
  }
  Usage(("unknown op " + name).c_str());
}

// ---- Measuring ------------------------------------------------------------------------

// Runs `once` after one warm-up run until at least min_seconds have passed; returns the
// seconds per run.
double SecondsPerRun(double min_seconds, const std::function<void()>& once) {
  once();
  size_t runs = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    once();
    ++runs;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < min_seconds);
  return elapsed / static_cast<double>(runs);
}

// The plain loop as `threads` slices on as many threads: what the hardware gives when
// every core runs the library at once (all-core clocks, shared caches), with no engine.
void RunPlainParallel(const Operation& op, size_t threads) {
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&op, t, threads] {
      op.plain(op.items * t / threads, op.items * (t + 1) / threads);
    });
  }
  for (auto& w : workers) w.join();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs the task on the engine's pool, as the scheduler does, and waits for it.
void RunOnEngine(CpuEngine& engine, const Operation& op) {
  Task task = op.task();
  std::promise<Status> done;
  engine.pool().Post([&] { done.set_value(engine.Run(task)); });
  const Status status = done.get_future().get();
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", op.name.c_str(), status.ToString().c_str());
    std::exit(1);
  }
}

// parallel_seconds: the plain loop's time on as many threads (0: not measured); the
// engine's ratio to it says what the engine costs when every core is busy.
void Print(const std::string& op, const char* impl, size_t threads, size_t items,
           double seconds, double plain_items_per_s, double parallel_seconds) {
  const double items_per_s = static_cast<double>(items) / seconds;
  std::string vs_parallel;
  if (parallel_seconds > 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ",\"ratio_vs_plain_parallel\":%.3f", parallel_seconds / seconds);
    vs_parallel = buf;
  }
  std::printf(
      "{\"op\":\"%s\",\"impl\":\"%s\",\"threads\":%zu,\"items\":%zu,\"seconds\":%.6f,"
      "\"items_per_s\":%.1f,\"ratio_vs_plain_per_core\":%.3f%s}\n",
      op.c_str(), impl, threads, items, seconds, items_per_s,
      items_per_s / (plain_items_per_s * static_cast<double>(threads)), vs_parallel.c_str());
  std::fflush(stdout);
}

}  // namespace
}  // namespace chainaccel

int main(int argc, char** argv) {
  using namespace chainaccel;
  const Options options = ParseOptions(argc, argv);
  if (sodium_init() < 0) return 1;
  std::mt19937_64 rng(20240601);
  std::set<size_t> thread_counts(options.threads.begin(), options.threads.end());
  thread_counts.insert(1);
  for (const std::string& name : options.ops) {
    const Operation op = MakeOperation(name, options.items, rng);
    std::vector<std::unique_ptr<CpuEngine>> engines;
    for (size_t threads : thread_counts) {
      engines.push_back(std::make_unique<CpuEngine>(CpuEngine::Options{threads}));
    }
    // samples[0]: plain; samples[1 + k]: engines[k]; parallel[k]: plain on T threads.
    std::vector<std::vector<double>> samples(1 + engines.size());
    std::vector<std::vector<double>> parallel(engines.size());
    for (size_t round = 0; round < options.rounds; ++round) {
      samples[0].push_back(SecondsPerRun(options.min_seconds, [&] { op.plain(0, op.items); }));
      size_t k = 0;
      for (size_t threads : thread_counts) {
        samples[1 + k].push_back(
            SecondsPerRun(options.min_seconds, [&] { RunOnEngine(*engines[k], op); }));
        if (op.per_item && threads > 1) {
          parallel[k].push_back(
              SecondsPerRun(options.min_seconds, [&] { RunPlainParallel(op, threads); }));
        }
        ++k;
      }
    }
    const double plain = Median(samples[0]);
    const double plain_items_per_s = static_cast<double>(op.items) / plain;
    Print(op.name, "plain", 1, op.items, plain, plain_items_per_s, 0);
    size_t k = 0;
    for (size_t threads : thread_counts) {
      const double parallel_seconds = parallel[k].empty() ? 0 : Median(parallel[k]);
      if (parallel_seconds > 0) {
        Print(op.name, "plain_parallel", threads, op.items, parallel_seconds, plain_items_per_s,
              0);
      }
      Print(op.name, "engine", threads, op.items, Median(samples[1 + k]), plain_items_per_s,
            parallel_seconds);
      ++k;
    }
  }
  return 0;
}
