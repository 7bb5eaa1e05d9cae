#include "tests/support/reference_hashes.h"

#include <openssl/evp.h>

#include <cryptopp/keccak.h>

#include <stdexcept>

namespace chainaccel::testing {

Hash32 ReferenceSha256(ByteView data) {
  // Fetched once: EVP_sha256() would be fetched again on every call (OpenSSL 3.0).
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  Hash32 out;
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, sha256, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return out;
}

Hash32 ReferenceSha256d(ByteView data) { return ReferenceSha256(ReferenceSha256(data)); }

Hash32 ReferenceKeccak256(ByteView data) {
  Hash32 out;
  CryptoPP::Keccak_256 keccak;
  keccak.Update(data.data(), data.size());
  keccak.Final(out.data());
  return out;
}

Hash32 ReferenceHash(HashAlgorithm algorithm, ByteView data) {
  switch (algorithm) {
    case HashAlgorithm::kSha256: return ReferenceSha256(data);
    case HashAlgorithm::kSha256d: return ReferenceSha256d(data);
    case HashAlgorithm::kKeccak256: return ReferenceKeccak256(data);
  }
  throw std::invalid_argument("unknown hash algorithm");
}

}  // namespace chainaccel::testing
