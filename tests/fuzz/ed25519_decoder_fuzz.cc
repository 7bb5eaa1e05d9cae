// libFuzzer target: the GPU's Ed25519 item path (kernels/ed25519.cuh's staging,
// VerifyEd25519Record and the one-thread kernel's VerifyEd25519RecordHalfScalars, compiled
// for the host) against the CPU engine's VerifyEd25519 (libsodium). Any difference in
// status aborts.
//
// Input: byte 0 picks the path, the rest feeds it.
//   bit 7 set: a valid signature, then a corruption: the seed is SHA-256 of bytes [3, 35),
//              the message the bytes after; byte 1 % 4 picks what to corrupt (nothing,
//              signature, key, message) and byte 2 which bit; bit 6 replaces the key by
//              one of libsodium's small-order encodings (byte 2 % 7, sign from bit 5).
//   otherwise: raw items: key = the next (byte 1 % 40) bytes, signature = the next
//              (byte 2 % 80) bytes, message = the rest.
//   bits 2-3: the pre-hash.
// Run it with scripts/fuzz.sh.
#include <openssl/sha.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/signatures.h"
#include "tests/support/signature_batch.h"
#include "kernels/ed25519.cuh"
#include "kernels/ed25519_half_scalars.cuh"

namespace {

using chainaccel::ByteView;
using chainaccel::Hash32;
using chainaccel::ItemStatus;
using chainaccel::PreHash;
using chainaccel::SignatureScheme;
using chainaccel::SignatureVerifyTask;
namespace kernels = chainaccel::kernels;

const kernels::EdPrecomputed* Table() { return kernels::Ed25519BaseTable().data(); }

void Check(ByteView message, ByteView key, ByteView signature, uint8_t mode) {
  chainaccel::testing::SignatureBatch batch;
  batch.Add(message, key, signature, "");
  const SignatureVerifyTask task =
      batch.Task({SignatureScheme::kEd25519, static_cast<PreHash>((mode >> 2) & 3)});
  uint8_t record[kernels::kEd25519RecordBytes];
  kernels::StageEd25519Record(task, 0, record);
  Hash32 digest;
  const ByteView hashed = chainaccel::ApplyPreHash(task.pre_hash, message, digest);
  const ItemStatus gpu =
      kernels::VerifyEd25519Record(record, hashed.data(), hashed.size(), Table());
  const ItemStatus gpu_half =
      kernels::VerifyEd25519RecordHalfScalars(record, hashed.data(), hashed.size(), Table());
  const ItemStatus cpu = chainaccel::VerifyEd25519(hashed, key, signature);
  if (gpu != cpu || gpu_half != cpu) {
    std::fprintf(stderr, "DISAGREEMENT: GPU rules %d (half-size scalars %d), CPU engine %d\n",
                 int(gpu), int(gpu_half), int(cpu));
    std::abort();
  }
}

constexpr const char* kSmallOrder[7] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"};

void CorruptedValid(const uint8_t* data, size_t size, uint8_t mode) {
  if (size < 35) return;
  uint8_t seed[32], pk[32], sk[64];
  SHA256(data + 3, 32, seed);
  crypto_sign_seed_keypair(pk, sk, seed);
  std::vector<uint8_t> message(data + 35, data + size);
  Hash32 digest;
  const ByteView hashed =
      chainaccel::ApplyPreHash(static_cast<PreHash>((mode >> 2) & 3), message, digest);
  std::vector<uint8_t> signature(64), key(pk, pk + 32);
  crypto_sign_detached(signature.data(), nullptr, hashed.data(), hashed.size(), sk);
  if (mode & 0x40) {
    const char* hex = kSmallOrder[data[2] % 7];
    for (int i = 0; i < 32; ++i) {
      unsigned v = 0;
      std::sscanf(hex + 2 * i, "%2x", &v);
      key[i] = static_cast<uint8_t>(v);
    }
    if (mode & 0x20) key[31] ^= 0x80;
  }
  std::vector<uint8_t>* target[4] = {nullptr, &signature, &key, &message};
  if (std::vector<uint8_t>* t = target[data[1] % 4]; t != nullptr && !t->empty()) {
    const size_t bit = data[2] % (8 * t->size());
    (*t)[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
  Check(message, key, signature, mode);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  if (sodium_init() < 0) std::abort();
  const uint8_t mode = data[0];
  if (mode & 0x80) {
    CorruptedValid(data, size, mode);
    return 0;
  }
  const size_t key_size = data[1] % 40;
  const size_t signature_size = data[2] % 80;
  const uint8_t* rest = data + 3;
  const size_t left = size - 3;
  if (key_size + signature_size > left) return 0;
  Check(ByteView(rest + key_size + signature_size, left - key_size - signature_size),
        ByteView(rest, key_size), ByteView(rest + key_size, signature_size), mode);
  return 0;
}
