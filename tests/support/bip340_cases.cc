#include "tests/support/bip340_cases.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "tests/support/random.h"
#include "tests/support/signing.h"

namespace chainaccel::testing {
namespace {

// p, secp256k1's field prime, big-endian.
constexpr std::array<uint8_t, 32> kSecp256k1FieldPrime = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFC, 0x2F};

// Keys are the slow part of making a case (keypair creation, serialization); a soak of
// 2^16 items signs with this many keys in turn.
constexpr size_t kKeyPool = 64;

const Secp256k1Key& PooledKey(std::mt19937_64& rng, std::vector<Secp256k1Key>& pool) {
  if (pool.size() < kKeyPool) {
    pool.push_back(MakeSecp256k1Key(rng));
    return pool.back();
  }
  return pool[rng() % pool.size()];
}

std::vector<Secp256k1Key>& KeyPool() {
  thread_local std::vector<Secp256k1Key> pool;
  return pool;
}

// The 32-byte big-endian value + delta (delta small; wraps mod 2^256).
Bytes PlusSmall(const std::array<uint8_t, 32>& value, unsigned delta) {
  Bytes out(value.begin(), value.end());
  unsigned carry = delta;
  for (int i = 31; i >= 0 && carry != 0; --i) {
    const unsigned sum = out[i] + carry;
    out[i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
  }
  return out;
}

// The 32-byte big-endian value - 1. REQUIRES: value != 0.
Bytes MinusOne(const std::array<uint8_t, 32>& value) {
  Bytes out(value.begin(), value.end());
  for (int i = 31; i >= 0; --i) {
    if (out[i]-- != 0) break;
  }
  return out;
}

// A random 32-byte x below p that is no curve point's abscissa (half of all x are not).
Bytes XOffTheCurve(std::mt19937_64& rng) {
  for (;;) {
    Bytes x = RandomBytes(rng, 32);
    x[0] &= 0x7F;  // below p
    if (!LibraryParsesXOnlyKey(x)) return x;
  }
}

size_t MessageLength(std::mt19937_64& rng, size_t i) {
  constexpr size_t kLengths[] = {0, 1, 32, 33, 64};
  constexpr size_t kFixed = sizeof(kLengths) / sizeof(kLengths[0]);
  return i % (kFixed + 1) < kFixed ? kLengths[i % (kFixed + 1)] : RandomSize(rng, 100, 300);
}

void FlipBit(std::mt19937_64& rng, Bytes& bytes, size_t begin, size_t end) {
  const size_t bit = RandomSize(rng, begin * 8, end * 8 - 1);
  bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
}

}  // namespace

void AddBip340ValidCases(std::mt19937_64& rng, size_t count, SignatureBatch* batch) {
  for (size_t i = 0; i < count; ++i) {
    const Secp256k1Key& key = PooledKey(rng, KeyPool());
    const Bytes message = RandomBytes(rng, MessageLength(rng, i));
    batch->Add(message, key.x_only, SignSchnorr(key, message, rng),
               "valid, " + std::to_string(message.size()) + "-byte message");
  }
}

void AddBip340CorruptedCases(std::mt19937_64& rng, size_t count, SignatureBatch* batch) {
  for (size_t i = 0; i < count; ++i) {
    const Secp256k1Key& key = PooledKey(rng, KeyPool());
    Bytes message = RandomBytes(rng, std::max<size_t>(1, MessageLength(rng, i / 4)));
    Bytes signature = SignSchnorr(key, message, rng);
    Bytes x_only = key.x_only;
    std::string what;
    switch (i % 4) {
      case 0: FlipBit(rng, signature, 0, 32); what = "bit flipped in r"; break;
      case 1: FlipBit(rng, signature, 32, 64); what = "bit flipped in s"; break;
      case 2: FlipBit(rng, x_only, 0, 32); what = "bit flipped in P"; break;
      default: FlipBit(rng, message, 0, message.size()); what = "bit flipped in m"; break;
    }
    batch->Add(message, x_only, signature,
               what + ", " + std::to_string(message.size()) + "-byte message");
  }
}

void AddBip340AdversarialCases(std::mt19937_64& rng, SignatureBatch* batch) {
  const Secp256k1Key& key = PooledKey(rng, KeyPool());
  const Bytes message = RandomBytes(rng, 32);
  const Bytes good = SignSchnorr(key, message, rng);
  const auto with_key = [&](const Bytes& x_only, const std::string& what) {
    batch->Add(message, x_only, good, "key " + what);
  };
  with_key(Bytes(32, 0), "x = 0");
  with_key(Bytes(kSecp256k1FieldPrime.begin(), kSecp256k1FieldPrime.end()), "x = p");
  with_key(PlusSmall(kSecp256k1FieldPrime, 1), "x = p + 1");
  with_key(Bytes(32, 0xFF), "x = 2^256 - 1");
  with_key(XOffTheCurve(rng), "x not on the curve");
  with_key(Bytes(), "of 0 bytes");
  with_key(Bytes(key.x_only.begin(), key.x_only.end() - 1), "of 31 bytes");
  with_key(key.compressed, "of 33 bytes (compressed)");
  const auto with_half = [&](size_t at, const Bytes& value, const std::string& what) {
    Bytes signature = good;
    std::copy(value.begin(), value.end(), signature.begin() + at);
    batch->Add(message, key.x_only, signature, what);
  };
  with_half(0, Bytes(32, 0), "r = 0");
  with_half(0, Bytes(kSecp256k1FieldPrime.begin(), kSecp256k1FieldPrime.end()), "r = p");
  with_half(0, PlusSmall(kSecp256k1FieldPrime, 1), "r = p + 1");
  with_half(0, Bytes(32, 0xFF), "r = 2^256 - 1");
  with_half(0, XOffTheCurve(rng), "r not an x on the curve");
  with_half(32, Bytes(32, 0), "s = 0");
  with_half(32, MinusOne(kSecp256k1Order), "s = n - 1");
  with_half(32, Bytes(kSecp256k1Order.begin(), kSecp256k1Order.end()), "s = n");
  with_half(32, PlusSmall(kSecp256k1Order, 1), "s = n + 1");
  with_half(32, Bytes(32, 0xFF), "s = 2^256 - 1");
  batch->Add(message, key.x_only, Bytes(64, 0), "all-zero signature");
  batch->Add(message, key.x_only, Bytes(64, 0xFF), "all-0xff signature");
  batch->Add(Bytes(32, 0), Bytes(32, 0), Bytes(64, 0), "all-zero key, message, signature");
  batch->Add(message, key.x_only, Bytes(), "signature of 0 bytes");
  batch->Add(message, key.x_only, Bytes(good.begin(), good.end() - 1), "signature of 63 bytes");
  Bytes longer = good;
  longer.push_back(0);
  batch->Add(message, key.x_only, longer, "signature of 65 bytes");
  batch->Add(message, Bytes(32, 0xFF), Bytes(63, 0), "key x = 2^256 - 1 and a 63-byte signature");
  Bytes s_is_n = good;
  std::copy(kSecp256k1Order.begin(), kSecp256k1Order.end(), s_is_n.begin() + 32);
  batch->Add(message, XOffTheCurve(rng), s_is_n, "key x not on the curve and s = n");
  batch->Add(message, key.x_only, SchnorrWithWrongR(key, message, good, Bip340WrongR::kNegated),
             "R with the right x and the odd y (s = 2 e d - s)");
  batch->Add(message, key.x_only, SchnorrWithWrongR(key, message, good, Bip340WrongR::kInfinite),
             "R at infinity (s = e d)");
  batch->Add(Bytes(), key.x_only, good, "message emptied");
  batch->Add(message, key.x_only, good, "the valid signature the others are made from");
}

SignatureBatch MixedBip340Batch(std::mt19937_64& rng, size_t count) {
  SignatureBatch batch;
  if (count >= kBip340AdversarialCount) AddBip340AdversarialCases(rng, &batch);
  const size_t rest = count - batch.size();
  AddBip340ValidCases(rng, rest - rest / 2, &batch);
  AddBip340CorruptedCases(rng, rest / 2, &batch);
  return batch;
}

}  // namespace chainaccel::testing
