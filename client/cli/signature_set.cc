#include "client/cli/signature_set.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "client/cli/command.h"

namespace chainaccel::cli {
namespace {

// Cache file: this magic, then the CacheHeader (host byte order: the cache never leaves
// the machine), then messages, public keys and signatures end to end.
constexpr char kCacheMagic[8] = {'C', 'A', 'S', 'I', 'G', 'S', '0', '1'};

struct CacheHeader {
  uint32_t kind;
  uint32_t message_size;
  uint32_t public_key_size;
  uint32_t signature_size;
  uint64_t count;
};

const char* KindName(SignatureKind kind) {
  switch (kind) {
    case SignatureKind::kEd25519:
      return "ed25519";
    case SignatureKind::kEcdsa:
      return "ecdsa";
    case SignatureKind::kSchnorr:
      return "schnorr";
    case SignatureKind::kRecover:
      return "recover";
  }
  return "unknown";
}

// A set of the right shape with random messages and room for keys and signatures.
SignatureSet EmptySet(SignatureKind kind, uint64_t count, uint32_t message_size) {
  SignatureSet set;
  set.count = count;
  set.message_size = message_size;
  switch (kind) {
    case SignatureKind::kEd25519:
      set.public_key_size = crypto_sign_PUBLICKEYBYTES;
      set.signature_size = crypto_sign_BYTES;
      break;
    case SignatureKind::kEcdsa:
      set.public_key_size = 33;
      set.signature_size = 64;
      break;
    case SignatureKind::kSchnorr:
      set.public_key_size = 32;
      set.signature_size = 64;
      break;
    case SignatureKind::kRecover:
      set.public_key_size = 64;
      set.signature_size = 65;
      break;
  }
  set.messages.resize(count * set.message_size);
  set.public_keys.resize(count * set.public_key_size);
  set.signatures.resize(count * set.signature_size);
  return set;
}

uint8_t* Item(std::string& field, uint32_t size, uint64_t i) {
  return reinterpret_cast<uint8_t*>(field.data()) + i * size;
}

// Signs with libsecp256k1; one per generating thread (a context is cheap to share for
// signing, but randomizing it per thread keeps the blinding independent).
class Secp256k1Signer {
 public:
  Secp256k1Signer() : context_(secp256k1_context_create(SECP256K1_CONTEXT_NONE)) {
    unsigned char seed[32];
    randombytes_buf(seed, sizeof seed);
    ok_ = secp256k1_context_randomize(context_, seed) == 1;
  }
  ~Secp256k1Signer() { secp256k1_context_destroy(context_); }
  Secp256k1Signer(const Secp256k1Signer&) = delete;
  Secp256k1Signer& operator=(const Secp256k1Signer&) = delete;

  // Signs item i of *set. Returns false if libsecp256k1 failed.
  bool Sign(SignatureKind kind, SignatureSet* set, uint64_t i) {
    unsigned char secret[32];
    NewSecretKey(secret);
    const uint8_t* message = Item(set->messages, set->message_size, i);
    uint8_t* public_key = Item(set->public_keys, set->public_key_size, i);
    uint8_t* signature = Item(set->signatures, set->signature_size, i);
    switch (kind) {
      case SignatureKind::kEcdsa:
        return SignEcdsa(secret, message, public_key, signature);
      case SignatureKind::kSchnorr:
        return SignSchnorr(secret, message, set->message_size, public_key, signature);
      case SignatureKind::kRecover:
        return SignRecoverable(secret, message, public_key, signature);
      case SignatureKind::kEd25519:
        break;
    }
    return false;
  }

  bool ok() const { return ok_; }

 private:
  void NewSecretKey(unsigned char* secret) {
    do {
      randombytes_buf(secret, 32);
    } while (secp256k1_ec_seckey_verify(context_, secret) != 1);
  }

  bool SignEcdsa(const unsigned char* secret, const uint8_t* hash, uint8_t* public_key,
                 uint8_t* signature) {
    secp256k1_pubkey pubkey;
    secp256k1_ecdsa_signature sig;
    size_t key_size = 33;
    return secp256k1_ec_pubkey_create(context_, &pubkey, secret) == 1 &&
           secp256k1_ec_pubkey_serialize(context_, public_key, &key_size, &pubkey,
                                         SECP256K1_EC_COMPRESSED) == 1 &&
           secp256k1_ecdsa_sign(context_, &sig, hash, secret, nullptr, nullptr) == 1 &&
           secp256k1_ecdsa_signature_serialize_compact(context_, signature, &sig) == 1;
  }

  bool SignSchnorr(const unsigned char* secret, const uint8_t* message, uint32_t message_size,
                   uint8_t* public_key, uint8_t* signature) {
    secp256k1_keypair keypair;
    secp256k1_xonly_pubkey xonly;
    if (secp256k1_keypair_create(context_, &keypair, secret) != 1 ||
        secp256k1_keypair_xonly_pub(context_, &xonly, nullptr, &keypair) != 1 ||
        secp256k1_xonly_pubkey_serialize(context_, public_key, &xonly) != 1) {
      return false;
    }
    if (message_size == 32) {
      return secp256k1_schnorrsig_sign32(context_, signature, message, &keypair, nullptr) == 1;
    }
    return secp256k1_schnorrsig_sign_custom(context_, signature, message, message_size, &keypair,
                                            nullptr) == 1;
  }

  bool SignRecoverable(const unsigned char* secret, const uint8_t* hash, uint8_t* public_key,
                       uint8_t* signature) {
    secp256k1_pubkey pubkey;
    secp256k1_ecdsa_recoverable_signature sig;
    unsigned char uncompressed[65];
    size_t key_size = sizeof uncompressed;
    int recovery_id = 0;
    if (secp256k1_ec_pubkey_create(context_, &pubkey, secret) != 1 ||
        secp256k1_ec_pubkey_serialize(context_, uncompressed, &key_size, &pubkey,
                                      SECP256K1_EC_UNCOMPRESSED) != 1 ||
        secp256k1_ecdsa_sign_recoverable(context_, &sig, hash, secret, nullptr, nullptr) != 1 ||
        secp256k1_ecdsa_recoverable_signature_serialize_compact(context_, signature,
                                                                &recovery_id, &sig) != 1) {
      return false;
    }
    signature[64] = static_cast<uint8_t>(recovery_id);
    std::memcpy(public_key, uncompressed + 1, 64);  // X || Y without the 0x04 prefix
    return true;
  }

  secp256k1_context* context_;
  bool ok_ = false;
};

// Signs items [begin, end) of *set, adding each to *done. Returns false on a failure.
bool SignRange(SignatureKind kind, SignatureSet* set, uint64_t begin, uint64_t end,
               std::atomic<uint64_t>* done) {
  if (kind == SignatureKind::kEd25519) {
    for (uint64_t i = begin; i < end; ++i) {
      unsigned char secret[crypto_sign_SECRETKEYBYTES];
      if (crypto_sign_keypair(Item(set->public_keys, set->public_key_size, i), secret) != 0 ||
          crypto_sign_detached(Item(set->signatures, set->signature_size, i), nullptr,
                               Item(set->messages, set->message_size, i), set->message_size,
                               secret) != 0) {
        return false;
      }
      done->fetch_add(1, std::memory_order_relaxed);
    }
    return true;
  }
  Secp256k1Signer signer;
  if (!signer.ok()) return false;
  for (uint64_t i = begin; i < end; ++i) {
    if (!signer.Sign(kind, set, i)) return false;
    done->fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

SignatureSet Generate(SignatureKind kind, uint64_t count, uint32_t message_size, bool progress) {
  SignatureSet set = EmptySet(kind, count, message_size);
  randombytes_buf(set.messages.data(), set.messages.size());
  const uint64_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<uint64_t> done{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (uint64_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      if (!SignRange(kind, &set, count * t / threads, count * (t + 1) / threads, &done)) {
        failed = true;
      }
    });
  }
  // On a terminal the progress line is rewritten in place; elsewhere it is one line a second.
  const bool terminal = isatty(STDERR_FILENO) == 1;
  const auto start = std::chrono::steady_clock::now();
  auto next_report = start + std::chrono::seconds(1);
  while (progress && done.load() < count && !failed.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto now = std::chrono::steady_clock::now();
    if (now < next_report) continue;
    next_report += std::chrono::seconds(1);
    const double seconds = std::chrono::duration<double>(now - start).count();
    const uint64_t n = done.load();
    std::fprintf(stderr, "%sgenerating %llu %s signatures: %3.0f%% (%.0f/s)%s",
                 terminal ? "\r" : "", static_cast<unsigned long long>(count), KindName(kind),
                 100.0 * n / count, n / seconds, terminal ? "" : "\n");
  }
  for (std::thread& worker : workers) worker.join();
  if (progress && !failed) {
    std::fprintf(stderr, "%sgenerated %llu %s signatures in %.1f s\n", terminal ? "\r" : "",
                 static_cast<unsigned long long>(count), KindName(kind),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (failed) throw CliError(std::string("generating ") + KindName(kind) + " signatures failed");
  return set;
}

std::filesystem::path CacheFile(SignatureKind kind, uint64_t count, uint32_t message_size) {
  const std::filesystem::path dir = SignatureCacheDir();
  if (dir.empty()) return {};
  return dir / (std::string(KindName(kind)) + "-" + std::to_string(count) + "-m" +
                std::to_string(message_size) + ".sigs");
}

// Reads a cached set into *set (shaped by EmptySet). Returns false if absent or not
// exactly the set asked for.
bool LoadCached(const std::filesystem::path& path, SignatureKind kind, SignatureSet* set) {
  std::ifstream file(path, std::ios::binary);
  char magic[sizeof kCacheMagic];
  CacheHeader header;
  if (!file.read(magic, sizeof magic) ||
      !file.read(reinterpret_cast<char*>(&header), sizeof header) ||
      std::memcmp(magic, kCacheMagic, sizeof magic) != 0 ||
      header.kind != static_cast<uint32_t>(kind) || header.count != set->count ||
      header.message_size != set->message_size ||
      header.public_key_size != set->public_key_size ||
      header.signature_size != set->signature_size) {
    return false;
  }
  for (std::string* field : {&set->messages, &set->public_keys, &set->signatures}) {
    if (!file.read(field->data(), static_cast<std::streamsize>(field->size()))) return false;
  }
  return file.peek() == std::ifstream::traits_type::eof();
}

// Writes the set to the cache, atomically; a failure only costs the next run a rebuild.
void StoreCached(const std::filesystem::path& path, SignatureKind kind, const SignatureSet& set) {
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  std::filesystem::path temporary = path;
  temporary += ".tmp." + std::to_string(getpid());
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    const CacheHeader header{static_cast<uint32_t>(kind), set.message_size, set.public_key_size,
                             set.signature_size, set.count};
    file.write(kCacheMagic, sizeof kCacheMagic);
    file.write(reinterpret_cast<const char*>(&header), sizeof header);
    for (const std::string* field : {&set.messages, &set.public_keys, &set.signatures}) {
      file.write(field->data(), static_cast<std::streamsize>(field->size()));
    }
    if (!file.flush()) {
      std::fprintf(stderr, "chainaccel: cannot write the signature cache %s\n",
                   temporary.c_str());
      std::filesystem::remove(temporary, error);
      return;
    }
  }
  std::filesystem::rename(temporary, path, error);
  if (error) std::filesystem::remove(temporary, error);
}

}  // namespace

std::filesystem::path SignatureCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "chainaccel";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".cache" / "chainaccel";
  }
  return {};
}

SignatureSet LoadOrGenerateSignatures(SignatureKind kind, uint64_t count, uint32_t message_size,
                                      bool progress) {
  if (sodium_init() < 0) throw CliError("libsodium failed to initialize");
  const std::filesystem::path path = CacheFile(kind, count, message_size);
  if (!path.empty()) {
    SignatureSet cached = EmptySet(kind, count, message_size);
    if (LoadCached(path, kind, &cached)) return cached;
  }
  SignatureSet set = Generate(kind, count, message_size, progress);
  if (!path.empty()) StoreCached(path, kind, set);
  return set;
}

}  // namespace chainaccel::cli
