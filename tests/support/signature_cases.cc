#include "tests/support/signature_cases.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "tests/support/random.h"
#include "tests/support/reference_hashes.h"

namespace chainaccel::testing {
namespace {

// L, the order of the Ed25519 base point, little-endian (as S is encoded).
constexpr std::array<uint8_t, 32> kEd25519Order = {
    0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

void FlipRandomBit(std::mt19937_64& rng, Bytes& bytes, size_t begin = 0) {
  if (bytes.size() <= begin) {
    bytes.push_back(0);
    return;
  }
  const size_t bit = RandomSize(rng, begin * 8, bytes.size() * 8 - 1);
  bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
}

// One byte more or less than `bytes` has.
void ChangeLength(std::mt19937_64& rng, Bytes& bytes) {
  if (!bytes.empty() && rng() % 2 == 0) {
    bytes.pop_back();
  } else {
    bytes.push_back(static_cast<uint8_t>(rng()));
  }
}

Bytes PreHashed(PreHash pre_hash, const Bytes& message) {
  switch (pre_hash) {
    case PreHash::kNone: return message;
    case PreHash::kSha256: {
      const Hash32 h = ReferenceSha256(message);
      return Bytes(h.begin(), h.end());
    }
    case PreHash::kSha256d: {
      const Hash32 h = ReferenceSha256d(message);
      return Bytes(h.begin(), h.end());
    }
    case PreHash::kKeccak256: {
      const Hash32 h = ReferenceKeccak256(message);
      return Bytes(h.begin(), h.end());
    }
  }
  throw std::invalid_argument("unknown pre-hash");
}

Bytes RandomMessage(std::mt19937_64& rng, const SignatureConfig& config) {
  const bool needs_hash = config.scheme == SignatureScheme::kEcdsaSecp256k1 &&
                          config.pre_hash == PreHash::kNone;
  return RandomBytes(rng, needs_hash ? 32 : RandomSize(rng, 0, 200));
}

// A 32-byte value of the kind r or s may not take: 0, n, or above n.
Bytes OutOfRangeScalar(std::mt19937_64& rng) {
  switch (rng() % 3) {
    case 0: return Bytes(32, 0);
    case 1: return Bytes(kSecp256k1Order.begin(), kSecp256k1Order.end());
    default: return Bytes(32, 0xFF);
  }
}

// v for the other recovery id: 0 <-> 1, 27 <-> 28.
uint8_t OtherRecoveryId(uint8_t v) { return v >= 27 ? 55 - v : v ^ 1; }

// The status of an ECDSA signature corrupted by a bit flip, from what libsecp256k1
// makes of it.
ItemStatus FlippedEcdsaStatus(const Bytes& signature, const SignatureConfig& config) {
  const EcdsaSignatureFacts facts = LibraryInspectEcdsa(signature, config.encoding);
  if (!facts.parses || facts.zero_r_or_s) return ItemStatus::kMalformedSignature;
  if (facts.high_s && !config.allow_high_s) return ItemStatus::kHighS;
  return ItemStatus::kInvalid;
}

// The corruptions every scheme gets alike, chosen by kind < kCommonKinds; about a third
// of them leave the case valid. Returns false for other kinds, the scheme's own.
constexpr uint64_t kCommonKinds = 8;

bool ApplyCommonCorruption(std::mt19937_64& rng, uint64_t kind,
                           const std::function<Bytes()>& other_key, SignatureCase& c) {
  switch (kind) {
    case 0:
    case 1:
    case 2:
      c.what = "valid";
      c.expected = ItemStatus::kOk;
      return true;
    case 3:
      c.what = "message bit flipped";
      FlipRandomBit(rng, c.message);
      c.expected = ItemStatus::kInvalid;
      return true;
    case 4:
      c.what = "signature bit flipped";
      FlipRandomBit(rng, c.signature);
      c.expected = ItemStatus::kInvalid;
      return true;
    case 5:
      c.what = "another key";
      c.public_key = other_key();
      c.expected = ItemStatus::kInvalid;
      return true;
    case 6:
      c.what = "public key of the wrong length";
      ChangeLength(rng, c.public_key);
      c.expected = ItemStatus::kMalformedPublicKey;
      return true;
    case 7:
      c.what = "signature of the wrong length";
      ChangeLength(rng, c.signature);
      c.expected = ItemStatus::kMalformedSignature;
      return true;
    default: return false;
  }
}

SignatureCase MakeEcdsaCase(std::mt19937_64& rng, const SignatureConfig& config) {
  const Secp256k1Key key = MakeSecp256k1Key(rng);
  SignatureCase c;
  c.message = RandomMessage(rng, config);
  c.public_key = rng() % 2 ? key.compressed : key.uncompressed;
  const Bytes compact = SignEcdsaCompact(key, PreHashed(config.pre_hash, c.message));
  const bool der = config.encoding == SignatureEncoding::kDer;
  auto encode = [der](const Bytes& rs) {
    return der ? DerEncode(ByteView(rs).first(32), ByteView(rs).last(32)) : rs;
  };
  c.signature = encode(compact);
  const uint64_t kind = rng() % (kCommonKinds + 5);
  if (ApplyCommonCorruption(rng, kind, [&rng] { return MakeSecp256k1Key(rng).compressed; }, c)) {
    if (kind == 4) c.expected = FlippedEcdsaStatus(c.signature, config);
    return c;
  }
  c.expected = ItemStatus::kInvalid;
  switch (kind - kCommonKinds) {
    case 0:
      c.what = "valid with high S";
      c.signature = encode(FlipS(compact));
      c.expected = config.allow_high_s ? ItemStatus::kOk : ItemStatus::kHighS;
      break;
    case 1:
      if (rng() % 2) {
        c.what = "compressed key with a random x";
        c.public_key = RandomBytes(rng, 33);
        c.public_key[0] = 0x02 | (rng() & 1);
      } else {
        c.what = "uncompressed key with a bit of y flipped";
        c.public_key = key.uncompressed;
        FlipRandomBit(rng, c.public_key, 33);
      }
      if (!LibraryParsesPublicKey(c.public_key)) c.expected = ItemStatus::kMalformedPublicKey;
      break;
    case 2:
      c.what = "hybrid public key (0x06/0x07)";
      c.public_key = key.uncompressed;
      c.public_key[0] = 0x06 | (key.uncompressed[64] & 1);
      if (!LibraryParsesPublicKey(c.public_key)) throw std::logic_error("hybrid key refused");
      // libsecp256k1 (and Bitcoin consensus) accept hybrid keys, so the verdict stands.
      c.expected = ItemStatus::kOk;
      break;
    case 3: {
      c.what = "r or s zero or >= n";
      Bytes rs = compact;
      const Bytes bad = OutOfRangeScalar(rng);
      std::copy(bad.begin(), bad.end(), rs.begin() + (rng() % 2 ? 0 : 32));
      c.signature = encode(rs);
      c.expected = ItemStatus::kMalformedSignature;
      break;
    }
    default:
      if (config.pre_hash == PreHash::kNone) {
        c.what = "message hash of the wrong length";
        ChangeLength(rng, c.message);
        c.expected = ItemStatus::kMalformedMessage;
      } else {
        c.what = "valid";
        c.expected = ItemStatus::kOk;
      }
      break;
  }
  return c;
}

SignatureCase MakeEd25519Case(std::mt19937_64& rng, const SignatureConfig& config) {
  const Ed25519Key key = MakeEd25519Key(rng);
  SignatureCase c;
  c.message = RandomMessage(rng, config);
  c.public_key = key.public_key;
  c.signature = SignEd25519(key, PreHashed(config.pre_hash, c.message));
  const uint64_t kind = rng() % (kCommonKinds + 2);
  if (ApplyCommonCorruption(rng, kind, [&rng] { return MakeEd25519Key(rng).public_key; }, c)) {
    // A flip in the top bits of S can lift it to S >= L: an out-of-range S.
    if (c.expected == ItemStatus::kInvalid && c.signature.size() == 64 &&
        !std::lexicographical_compare(c.signature.rbegin(), c.signature.rbegin() + 32,
                                      kEd25519Order.rbegin(), kEd25519Order.rend())) {
      c.expected = ItemStatus::kMalformedSignature;
    }
  } else {
    if (kind == kCommonKinds) {
      c.what = "S + L (non-canonical S)";
      c.expected = ItemStatus::kMalformedSignature;
      int carry = 0;
      for (size_t i = 0; i < 32; ++i) {
        const int sum = c.signature[32 + i] + kEd25519Order[i] + carry;
        c.signature[32 + i] = static_cast<uint8_t>(sum);
        carry = sum >> 8;
      }
    } else {
      c.what = "small-order public key (the identity)";
      c.public_key.assign(32, 0);
      c.public_key[0] = 1;
      c.expected = ItemStatus::kMalformedPublicKey;
    }
  }
  // libsodium reads exactly 32 + 64 bytes, so only cases of those lengths can be asked.
  if (c.expected != ItemStatus::kOk && c.public_key.size() == 32 && c.signature.size() == 64 &&
      LibraryVerifyEd25519(PreHashed(config.pre_hash, c.message), c.public_key, c.signature)) {
    throw std::logic_error("libsodium accepts a corrupted Ed25519 case: " + c.what);
  }
  return c;
}

SignatureCase MakeSchnorrCase(std::mt19937_64& rng, const SignatureConfig& config) {
  const Secp256k1Key key = MakeSecp256k1Key(rng);
  SignatureCase c;
  c.message = RandomMessage(rng, config);
  c.public_key = key.x_only;
  c.signature = SignSchnorr(key, PreHashed(config.pre_hash, c.message), rng);
  const uint64_t kind = rng() % (kCommonKinds + 3);
  if (ApplyCommonCorruption(rng, kind, [&rng] { return MakeSecp256k1Key(rng).x_only; }, c)) {
    return c;
  }
  c.expected = ItemStatus::kInvalid;
  switch (kind - kCommonKinds) {
    case 0:
      c.what = "33-byte compressed key instead of x-only";
      c.public_key = key.compressed;
      c.expected = ItemStatus::kMalformedPublicKey;
      break;
    case 1:
      c.what = "random x-only key";
      c.public_key = RandomBytes(rng, 32);
      if (!LibraryParsesXOnlyKey(c.public_key)) c.expected = ItemStatus::kMalformedPublicKey;
      break;
    default:
      c.what = "s = n";
      std::copy(kSecp256k1Order.begin(), kSecp256k1Order.end(), c.signature.begin() + 32);
      c.expected = ItemStatus::kMalformedSignature;
      break;
  }
  return c;
}

}  // namespace

std::vector<SignatureCase> MakeSignatureCases(std::mt19937_64& rng, const SignatureConfig& config,
                                              size_t count) {
  std::vector<SignatureCase> cases;
  cases.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    switch (config.scheme) {
      case SignatureScheme::kEd25519: cases.push_back(MakeEd25519Case(rng, config)); break;
      case SignatureScheme::kEcdsaSecp256k1: cases.push_back(MakeEcdsaCase(rng, config)); break;
      case SignatureScheme::kSchnorrBip340: cases.push_back(MakeSchnorrCase(rng, config)); break;
    }
  }
  return cases;
}

std::vector<RecoverCase> MakeRecoverCases(std::mt19937_64& rng, bool allow_high_s, size_t count) {
  std::vector<RecoverCase> cases;
  cases.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const Secp256k1Key key = MakeSecp256k1Key(rng);
    RecoverCase c;
    c.hash = RandomBytes(rng, 32);
    c.signature = SignRecoverable(key, c.hash, rng() % 2 ? 27 : 0);
    c.expected = ItemStatus::kOk;
    c.public_key.assign(key.uncompressed.begin() + 1, key.uncompressed.end());
    c.address = EthereumAddress(key);
    // Cases whose key is whatever libsecp256k1 recovers (a different, valid key or none).
    bool library_decides = false;
    switch (rng() % 9) {
      case 0:
      case 1:
      case 2: c.what = "valid"; break;
      case 3: {
        c.what = "high S with the other recovery id";
        const Bytes flipped = FlipS(ByteView(c.signature).first(64));
        std::copy(flipped.begin(), flipped.end(), c.signature.begin());
        c.signature[64] = OtherRecoveryId(c.signature[64]);
        if (!allow_high_s) c.expected = ItemStatus::kHighS;
        break;
      }
      case 4: {
        c.what = "v out of range";
        uint8_t v;
        do {
          v = static_cast<uint8_t>(rng());
        } while (v == 0 || v == 1 || v == 27 || v == 28);
        c.signature[64] = v;
        c.expected = ItemStatus::kInvalidRecoveryId;
        break;
      }
      case 5: {
        c.what = "r or s zero or >= n";
        const Bytes bad = OutOfRangeScalar(rng);
        std::copy(bad.begin(), bad.end(), c.signature.begin() + (rng() % 2 ? 0 : 32));
        c.expected = ItemStatus::kMalformedSignature;
        break;
      }
      case 6: {
        c.what = "random r";
        Bytes r;
        do {
          r = RandomBytes(rng, 32);
        } while (!std::lexicographical_compare(r.begin(), r.end(), kSecp256k1Order.begin(),
                                               kSecp256k1Order.end()) ||
                 std::all_of(r.begin(), r.end(), [](uint8_t b) { return b == 0; }));
        std::copy(r.begin(), r.end(), c.signature.begin());
        library_decides = true;
        break;
      }
      case 7:
        c.what = "other recovery id";
        c.signature[64] = OtherRecoveryId(c.signature[64]);
        library_decides = true;
        break;
      default:
        c.what = "hash bit flipped";
        FlipRandomBit(rng, c.hash);
        library_decides = true;
        break;
    }
    if (library_decides && !LibraryRecover(c.hash, c.signature, &c.public_key, &c.address)) {
      c.expected = ItemStatus::kRecoveryFailed;
    }
    if (c.expected != ItemStatus::kOk) {
      c.public_key.assign(64, 0);
      c.address.assign(20, 0);
    }
    cases.push_back(c);
  }
  return cases;
}

std::vector<SignatureConfig> AllSignatureConfigs() {
  std::vector<SignatureConfig> configs;
  for (PreHash pre_hash : {PreHash::kNone, PreHash::kSha256, PreHash::kSha256d, PreHash::kKeccak256}) {
    configs.push_back({SignatureScheme::kEd25519, pre_hash, SignatureEncoding::kCompact, false});
    configs.push_back({SignatureScheme::kSchnorrBip340, pre_hash, SignatureEncoding::kCompact, false});
    for (SignatureEncoding encoding : {SignatureEncoding::kCompact, SignatureEncoding::kDer}) {
      for (bool allow_high_s : {false, true}) {
        configs.push_back({SignatureScheme::kEcdsaSecp256k1, pre_hash, encoding, allow_high_s});
      }
    }
  }
  return configs;
}

}  // namespace chainaccel::testing
