// libFuzzer target: the GPU's ECDSA item path (kernels/ecdsa_records.h staging, then
// kernels/ecdsa.cuh's VerifyEcdsaRecord / RecoverEcdsaRecord, compiled for the host)
// against the CPU engine's functions (crypto/signatures.h, i.e. libsecp256k1). Any
// difference in status, recovered key or address aborts.
//
// Input: byte 0 picks the path and the options, the rest feeds it.
//   bit 7 set:   recovery of bytes [1, 33) as the hash and [33, 98) as r || s || v
//                (zero-padded), allow_high_s = bit 1.
//   bit 6 set:   a valid signature, then a corruption: the secret key is SHA-256 of
//                bytes [3, 35), the message the bytes after; byte 1 % 4 picks what to
//                corrupt (nothing, signature, key, message) and byte 2 which bit;
//                bit 5: compressed key.
//   otherwise:   raw items: key = the next (byte 1 % 70) bytes, signature = the next
//                (byte 2 % 80) bytes, message = the rest.
//   bit 0: DER (else compact); bit 1: allow_high_s; bits 2-3: the pre-hash.
// Run it with scripts/fuzz.sh.
#include <openssl/sha.h>
#include <secp256k1.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/signatures.h"
#include "tests/support/signature_batch.h"
#include "kernels/ecdsa.cuh"
#include "kernels/ecdsa_records.h"

namespace {

using chainaccel::ByteView;
using chainaccel::Hash32;
using chainaccel::ItemStatus;
using chainaccel::PreHash;
using chainaccel::SignatureEncoding;
using chainaccel::SignatureScheme;
using chainaccel::SignatureVerifyTask;
namespace kernels = chainaccel::kernels;

const kernels::AffinePoint* Table() { return kernels::Secp256k1GeneratorTable().data(); }

const secp256k1_context* SigningContext() {
  static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  return ctx;
}

[[noreturn]] void Disagree(const char* what, int gpu, int cpu) {
  std::fprintf(stderr, "DISAGREEMENT (%s): GPU rules %d, CPU engine %d\n", what, gpu, cpu);
  std::abort();
}

void CheckRecover(const uint8_t* data, size_t size, bool allow_high_s) {
  uint8_t input[97] = {};
  std::memcpy(input, data, size < 97 ? size : 97);
  chainaccel::SignatureRecoverTask task;
  task.count = 1;
  task.hashes = input;
  task.signatures = input + 32;
  task.allow_high_s = allow_high_s;
  uint8_t record[kernels::kEcdsaRecoverRecordBytes];
  uint8_t result[kernels::kEcdsaRecoverResultBytes];
  kernels::StageEcdsaRecoverRecord(task, 0, record);
  const ItemStatus gpu = kernels::RecoverEcdsaRecord(record, allow_high_s, Table(), result);
  uint8_t key[64], address[20];
  const ItemStatus cpu =
      chainaccel::RecoverEthereumSigner(input, input + 32, allow_high_s, key, address);
  if (gpu != cpu) Disagree("recover status", int(gpu), int(cpu));
  if (std::memcmp(result, key, 64) != 0 || std::memcmp(result + 64, address, 20) != 0) {
    Disagree("recovered key", int(gpu), int(cpu));
  }
}

void CheckVerify(ByteView message, ByteView key, ByteView signature, uint8_t mode) {
  chainaccel::testing::SignatureBatch batch;
  batch.Add(message, key, signature, "");
  const SignatureVerifyTask task = batch.Task(
      {SignatureScheme::kEcdsaSecp256k1, static_cast<PreHash>((mode >> 2) & 3),
       (mode & 1) ? SignatureEncoding::kDer : SignatureEncoding::kCompact, (mode & 2) != 0});
  uint8_t record[kernels::kEcdsaVerifyRecordBytes];
  kernels::StageEcdsaVerifyRecord(task, 0, record);
  Hash32 digest;
  const ByteView hashed = chainaccel::ApplyPreHash(task.pre_hash, message, digest);
  const ItemStatus gpu = kernels::VerifyEcdsaRecord(
      record, task.pre_hash != PreHash::kNone ? digest.data() : nullptr, task.allow_high_s,
      Table());
  const ItemStatus cpu = chainaccel::VerifyEcdsaSecp256k1(hashed, key, signature, task.encoding,
                                                          task.allow_high_s);
  if (gpu != cpu) Disagree("verify status", int(gpu), int(cpu));
}

// A valid signature of the message by a key derived from the input, then one bit flipped.
void CheckCorruptedValid(const uint8_t* data, size_t size, uint8_t mode) {
  if (size < 35) return;
  uint8_t secret[32];
  SHA256(data + 3, 32, secret);
  secp256k1_pubkey pubkey;
  if (!secp256k1_ec_pubkey_create(SigningContext(), &pubkey, secret)) return;
  std::vector<uint8_t> key(65);
  size_t key_size = key.size();
  secp256k1_ec_pubkey_serialize(SigningContext(), key.data(), &key_size, &pubkey,
                                (mode & 0x20) ? SECP256K1_EC_COMPRESSED
                                              : SECP256K1_EC_UNCOMPRESSED);
  key.resize(key_size);
  std::vector<uint8_t> message(data + 35, data + size);
  const PreHash pre_hash = static_cast<PreHash>((mode >> 2) & 3);
  Hash32 digest;
  if (pre_hash == PreHash::kNone) message.resize(32, 0);  // a 32-byte hash to sign
  const ByteView hashed = chainaccel::ApplyPreHash(pre_hash, message, digest);
  secp256k1_ecdsa_signature sig;
  if (!secp256k1_ecdsa_sign(SigningContext(), &sig, hashed.data(), secret, nullptr, nullptr)) {
    return;
  }
  std::vector<uint8_t> signature(72);
  if (mode & 1) {
    size_t der_size = signature.size();
    secp256k1_ecdsa_signature_serialize_der(SigningContext(), signature.data(), &der_size, &sig);
    signature.resize(der_size);
  } else {
    signature.resize(64);
    secp256k1_ecdsa_signature_serialize_compact(SigningContext(), signature.data(), &sig);
  }
  std::vector<uint8_t>* target[4] = {nullptr, &signature, &key, &message};
  if (std::vector<uint8_t>* t = target[data[1] % 4]; t != nullptr && !t->empty()) {
    const size_t bit = data[2] % (8 * t->size());
    (*t)[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
  CheckVerify(message, key, signature, mode);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t mode = data[0];
  if (mode & 0x80) {
    CheckRecover(data + 1, size - 1, (mode & 2) != 0);
  } else if (mode & 0x40) {
    CheckCorruptedValid(data, size, mode);
  } else {
    const size_t key_size = data[1] % 70;
    const size_t signature_size = data[2] % 80;
    const uint8_t* rest = data + 3;
    const size_t left = size - 3;
    if (key_size + signature_size > left) return 0;
    CheckVerify(ByteView(rest + key_size + signature_size, left - key_size - signature_size),
                ByteView(rest, key_size), ByteView(rest + key_size, signature_size), mode);
  }
  return 0;
}
