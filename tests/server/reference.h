// Reference computations for the server tests, straight from the libraries
// (OpenSSL, Crypto++, libsodium, libsecp256k1), independent of the engine's code.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace chainaccel::testing {

std::string Sha256(const std::string& m);
std::string Keccak256(const std::string& m);
std::string RandomBytes(std::mt19937_64& rng, size_t n);

// A signer with a random key.
struct Ed25519Signer {
  explicit Ed25519Signer(std::mt19937_64& rng);
  std::string public_key;                   // 32 bytes
  std::string Sign(const std::string& m) const;  // 64 bytes
  std::string secret_key;
};

struct Secp256k1Signer {
  explicit Secp256k1Signer(std::mt19937_64& rng);
  std::string compressed_key;    // 33 bytes
  std::string uncompressed_key;  // 65 bytes
  std::string xonly_key;         // 32 bytes
  std::string address;           // 20 bytes, keccak256(X || Y)[12:]
  std::string SignEcdsaCompact(const std::string& hash32) const;       // 64 bytes, low-S
  std::string SignEcdsaDer(const std::string& hash32) const;
  std::string SignRecoverable(const std::string& hash32) const;        // r || s || v(0/1)
  std::string SignSchnorr(const std::string& msg32, std::mt19937_64& rng) const;
  std::string secret;
};

}  // namespace chainaccel::testing
