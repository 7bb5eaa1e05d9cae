// Host tests of kernels/sha512.cuh and kernels/ed25519.cuh (compiled as plain C++):
// SHA-512, the reduction mod L and multiples of B against libsodium, and every
// verification verdict (the half-size scalars', the full-size equation's, the split
// roles') against the CPU engine (crypto/signatures.h, libsodium 1.0.18) on every
// Wycheproof Ed25519 case, random valid and corrupted signatures, hand-made keys and
// signatures of small order and non-canonical encodings, and keys and R with torsion
// components.
#include <catch2/catch.hpp>

#include <sodium.h>

#include <cstring>
#include <vector>

#include "crypto/signatures.h"
#include "tests/support/random.h"
#include "tests/support/signature_batch.h"
#include "tests/support/signature_cases.h"
#include "tests/support/vectors.h"
#include "kernels/ed25519.cuh"
#include "kernels/ed25519_half_scalars.cuh"
#include "kernels/ed25519_quad.cuh"

namespace chainaccel::kernels {
namespace {

using testing::Bytes;

const EdPrecomputed* BaseTable() { return Ed25519BaseTable().data(); }

TEST_CASE("SHA-512 over three segments matches libsodium", "[ed25519]") {
  REQUIRE(sodium_init() >= 0);
  auto rng = testing::MakeRng("sha512 segments");
  for (size_t len = 0; len <= 300; ++len) {
    const Bytes m = testing::RandomBytes(rng, len);
    const size_t a = len == 0 ? 0 : rng() % (len + 1);
    const size_t b = a + (len - a == 0 ? 0 : rng() % (len - a + 1));
    uint8_t got[64], want[64];
    Sha512Segments(m.data(), a, m.data() + a, b - a, m.data() + b, len - b, got);
    crypto_hash_sha512(want, m.data(), len);
    INFO("length " << len);
    REQUIRE(std::memcmp(got, want, 64) == 0);
  }
}

TEST_CASE("Addition chains: FeInvert and FePow22523 match the 4-bit window", "[ed25519]") {
  auto rng = testing::MakeRng("ed25519 chains");
  U256 p_minus_2, pow22523;  // (p - 5) / 8 = 2^252 - 3
  U256Sub(Fe::Modulus(), U256Small(2), p_minus_2);
  const uint32_t e[8] = {0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
                         0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0x0FFFFFFF};
  pow22523 = U256FromLimbs(e);
  for (int i = 0; i < 200; ++i) {
    U256 z = i < 3 ? U256Small(i) : U256Zero();
    if (i == 3) U256Sub(Fe::Modulus(), U256Small(1), z);
    if (i > 3) {
      const Bytes b = testing::RandomBytes(rng, 32);
      z = ModReduce<Fe>(U256FromBytesLE(b.data()));
    }
    CHECK(U256Equal(FeInvert(z), ModPow<Fe>(z, p_minus_2)));
    CHECK(U256Equal(FePow22523(z), ModPow<Fe>(z, pow22523)));
  }
}

TEST_CASE("Reduction mod L and multiples of B match libsodium", "[ed25519]") {
  REQUIRE(sodium_init() >= 0);
  auto rng = testing::MakeRng("ed25519 scalars");
  // Edges of Barrett's reduction: 0, all ones, L and its neighbours, L^2 region, 2^k for
  // every k, runs of ones; then random values (with their 32 top bytes zero or not).
  const uint8_t l_bytes[32] = {0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7,
                               0xA2, 0xDE, 0xF9, 0xDE, 0x14, 0,    0,    0,    0,    0,    0,
                               0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  std::vector<Bytes> edges;
  edges.push_back(Bytes(64, 0x00));
  edges.push_back(Bytes(64, 0xFF));
  for (int delta = -2; delta <= 2; ++delta) {  // L + delta, and (L + delta) * 2^256
    Bytes low(64, 0), high(64, 0);
    std::memcpy(low.data(), l_bytes, 32);
    std::memcpy(high.data() + 32, l_bytes, 32);
    int carry = delta;
    for (int k = 0; k < 32 && carry != 0; ++k) {
      const int v = low[k] + carry;
      low[k] = static_cast<uint8_t>(v & 0xFF);
      carry = v < 0 ? -1 : v >> 8;
    }
    edges.push_back(low);
    edges.push_back(high);
  }
  for (int bit = 0; bit < 512; ++bit) {
    Bytes single(64, 0), run(64, 0);
    single[bit / 8] = static_cast<uint8_t>(1 << (bit % 8));
    for (int b = 0; b <= bit; ++b) run[b / 8] |= static_cast<uint8_t>(1 << (b % 8));
    edges.push_back(single);
    edges.push_back(run);
  }
  for (int i = 0; i < 20000 + static_cast<int>(edges.size()); ++i) {
    Bytes wide;
    if (i < static_cast<int>(edges.size())) {
      wide = edges[i];
    } else {
      wide = testing::RandomBytes(rng, 64);
      if (i % 4 == 0) std::fill(wide.begin() + 32, wide.end(), 0);
    }
    INFO("h " << testing::ToHex(wide));
    uint8_t want[32];
    crypto_core_ed25519_scalar_reduce(want, wide.data());
    const U256 got = Ed25519ReduceWide(wide.data());
    uint8_t got_bytes[32];
    for (int k = 0; k < 32; ++k) got_bytes[k] = static_cast<uint8_t>(got.w[k / 4] >> (8 * (k % 4)));
    REQUIRE(std::memcmp(got_bytes, want, 32) == 0);
    if (i % 100 != 0) continue;  // 10^4 reductions; ~200 multiples below
    // got * B, through the table (a) and through the window (b).
    uint8_t base_multiple[32];
    if (crypto_scalarmult_ed25519_base_noclamp(base_multiple, got_bytes) != 0) continue;
    uint8_t by_table[32], by_window[32];
    EdEncode(EdDoubleScalarMul(got, U256Zero(), Ed25519Base(), BaseTable()), by_table);
    EdEncode(EdDoubleScalarMul(U256Zero(), got, Ed25519Base(), BaseTable()), by_window);
    CHECK(std::memcmp(by_table, base_multiple, 32) == 0);
    CHECK(std::memcmp(by_window, base_multiple, 32) == 0);
  }
}

TEST_CASE("The signed window gives the table's multiples of B for edge digits", "[ed25519]") {
  auto rng = testing::MakeRng("ed25519 window digits");
  std::vector<U256> scalars;
  for (uint32_t v : {1u, 15u, 16u, 17u, 31u, 32u, 33u, 48u, 496u, 528u}) {
    scalars.push_back(U256Small(v));
  }
  U256 l_minus_1;
  U256Sub(Ed25519Order(), U256Small(1), l_minus_1);
  scalars.push_back(l_minus_1);
  U256 top = U256Zero();  // 2^254 - 1: every digit's bits set
  for (int i = 0; i < 8; ++i) top.w[i] = 0xFFFFFFFF;
  top.w[7] = 0x3FFFFFFF;
  scalars.push_back(top);
  U256 sixteens = U256Zero();  // every digit +16 (bit 5i + 4 set, the rest clear)
  for (int i = 0; i < kEdVariableWindowDigits - 1; ++i) {
    const int bit = 5 * i + 4;
    sixteens.w[bit / 32] |= 1u << (bit % 32);
  }
  scalars.push_back(sixteens);
  for (int i = 0; i < 40; ++i) {
    U256 r;
    for (int k = 0; k < 8; ++k) r.w[k] = static_cast<uint32_t>(rng());
    r.w[7] &= 0x3FFFFFFF;
    scalars.push_back(r);
  }
  for (const U256& b : scalars) {
    uint8_t by_table[32], by_window[32];
    EdEncode(EdDoubleScalarMul(b, U256Zero(), Ed25519Base(), BaseTable()), by_table);
    EdEncode(EdDoubleScalarMul(U256Zero(), b, Ed25519Base(), BaseTable()), by_window);
    CHECK(std::memcmp(by_table, by_window, 32) == 0);
  }
}

// The one-thread kernel's verdict of item i (half-size scalars); the full-size equation's
// and the split roles' (RunSplitRolesInOrder) must agree.
ItemStatus GpuRules(const SignatureVerifyTask& task, size_t i) {
  uint8_t record[kEd25519RecordBytes];
  StageEd25519Record(task, i, record);
  Hash32 digest;
  const ByteView message = ApplyPreHash(task.pre_hash, task.messages[i], digest);
  const ItemStatus one_thread =
      VerifyEd25519RecordHalfScalars(record, message.data(), message.size(), BaseTable());
  CHECK(int(VerifyEd25519Record(record, message.data(), message.size(), BaseTable())) ==
        int(one_thread));
  const uint64_t offsets[2] = {0, message.size()};
  uint8_t split_status = 0xEE;
  const Ed25519VerifyRoles roles{
      record, message.data(), offsets, nullptr, BaseTable(), &split_status};
  RunSplitRolesInOrder(roles, 0);
  CHECK(int(split_status) == int(one_thread));
  split_status = 0xEE;
  RunSplitRolesInOrder(Ed25519QuadVerifyRoles{roles}, 0);
  CHECK(int(split_status) == int(one_thread));
  return one_thread;
}

void CheckAgainstCpu(const testing::SignatureBatch& batch, PreHash pre_hash) {
  const SignatureVerifyTask task =
      batch.Task({SignatureScheme::kEd25519, pre_hash, SignatureEncoding::kCompact, false});
  for (size_t i = 0; i < batch.size(); ++i) {
    Hash32 digest;
    const ItemStatus cpu = VerifyEd25519(ApplyPreHash(pre_hash, task.messages[i], digest),
                                         task.public_keys[i], task.signatures[i]);
    INFO(batch.what[i] << "; key " << testing::ToHex(task.public_keys[i]) << " sig "
                       << testing::ToHex(task.signatures[i]));
    REQUIRE(int(GpuRules(task, i)) == int(cpu));
  }
}

TEST_CASE("Ed25519 rules: RFC 8032 test 1 (the GPU engine's self-test)", "[ed25519]") {
  testing::SignatureBatch batch;
  const Bytes key = testing::FromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Bytes sig = testing::FromHex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
      "39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  batch.Add({}, key, sig, "RFC 8032 test 1");
  sig[40] ^= 1;
  batch.Add({}, key, sig, "RFC 8032 test 1, S flipped");
  const SignatureVerifyTask task = batch.Task({SignatureScheme::kEd25519});
  CHECK(GpuRules(task, 0) == ItemStatus::kOk);
  CHECK(GpuRules(task, 1) == ItemStatus::kInvalid);
}

TEST_CASE("Ed25519 rules: every Wycheproof case gets the CPU's verdict",
          "[ed25519][wycheproof]") {
  testing::SignatureBatch batch;
  for (const auto& c : testing::ReadWycheproofCases("wycheproof/ed25519_test.json", "pk")) {
    batch.Add(c.message, c.public_key, c.signature,
              "tcId " + std::to_string(c.id) + " " + c.comment);
  }
  CHECK(batch.size() == 151);
  CheckAgainstCpu(batch, PreHash::kNone);
}

TEST_CASE("Ed25519 rules: random valid and corrupted signatures get the CPU's verdicts",
          "[ed25519]") {
  auto rng = testing::MakeRng("ed25519 rules random");
  for (const auto& config : testing::AllSignatureConfigs()) {
    if (config.scheme != SignatureScheme::kEd25519) continue;
    testing::SignatureBatch batch;
    for (const auto& c : testing::MakeSignatureCases(rng, config, 200)) {
      batch.Add(c.message, c.public_key, c.signature, c.what);
    }
    CheckAgainstCpu(batch, config.pre_hash);
  }
}

TEST_CASE("Ed25519 rules: small-order and non-canonical keys and R, S around L",
          "[ed25519]") {
  auto rng = testing::MakeRng("ed25519 rules edges");
  const testing::Ed25519Key key = testing::MakeEd25519Key(rng);
  const Bytes message = testing::RandomBytes(rng, 40);
  const Bytes good = testing::SignEd25519(key, message);
  // The seven small-order encodings of libsodium's list, each with both sign bits, and
  // the non-canonical y = p .. p + 18.
  std::vector<Bytes> special;
  const char* small_order[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"};
  for (const char* hex : small_order) {
    Bytes b = testing::FromHex(hex);
    special.push_back(b);
    b[31] ^= 0x80;
    special.push_back(b);
  }
  for (int k = 0; k < 19; ++k) {
    Bytes b = testing::FromHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    b[0] = static_cast<uint8_t>(0xed + k);
    special.push_back(b);
    b[31] |= 0x80;
    special.push_back(b);
  }
  testing::SignatureBatch batch;
  batch.Add(message, key.public_key, good, "valid");
  for (const Bytes& s : special) {
    batch.Add(message, s, good, "special key " + testing::ToHex(s));
    Bytes sig = good;
    std::copy(s.begin(), s.end(), sig.begin());
    batch.Add(message, key.public_key, sig, "special R " + testing::ToHex(s));
  }
  const Bytes l = testing::FromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  for (int delta : {-1, 0, 1}) {
    Bytes sig = good;
    Bytes s = l;
    s[0] = static_cast<uint8_t>(s[0] + delta);
    std::copy(s.begin(), s.end(), sig.begin() + 32);
    batch.Add(message, key.public_key, sig, "S = L + " + std::to_string(delta));
  }
  Bytes high = good;
  high[63] |= 0xE0;
  batch.Add(message, key.public_key, high, "S with the top three bits set");
  batch.Add(message, Bytes(key.public_key.begin(), key.public_key.end() - 1), good, "31-byte key");
  batch.Add(message, key.public_key, Bytes(good.begin(), good.end() - 1), "63-byte signature");
  CheckAgainstCpu(batch, PreHash::kNone);
}

// SHA-512(R || A || M) by libsodium, the challenge's digest before its reduction mod L.
void ChallengeDigest(const uint8_t* r, const uint8_t* key, const Bytes& message,
                     uint8_t digest[64]) {
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  crypto_hash_sha512_update(&state, r, 32);
  crypto_hash_sha512_update(&state, key, 32);
  crypto_hash_sha512_update(&state, message.data(), message.size());
  crypto_hash_sha512_final(&state, digest);
}

// A + T_A and R + T_R over the eight points T of the torsion subgroup: libsodium accepts
// exactly when T_R = -[k]T_A (its equation is cofactorless), which the half-size scalars'
// pairs must keep (d = c k mod 8L, not mod L).
TEST_CASE("Ed25519 rules: keys and R with torsion components", "[ed25519][half_scalars]") {
  REQUIRE(sodium_init() >= 0);
  auto rng = testing::MakeRng("ed25519 rules torsion");
  // [j]T8 for j < 8 from the order-8 point of libsodium's small-order list.
  const Bytes t8 =
      testing::FromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
  std::vector<Bytes> torsion{testing::FromHex(
      "0100000000000000000000000000000000000000000000000000000000000000")};
  for (int j = 1; j < 8; ++j) {
    Bytes next(32);
    REQUIRE(crypto_core_ed25519_add(next.data(), torsion.back().data(), t8.data()) == 0);
    torsion.push_back(next);
  }
  auto add = [](const Bytes& p, const Bytes& q) {
    Bytes sum(32);
    REQUIRE(crypto_core_ed25519_add(sum.data(), p.data(), q.data()) == 0);
    return sum;
  };
  auto random_scalar = [] {
    Bytes s(32);
    crypto_core_ed25519_scalar_random(s.data());
    return s;
  };
  testing::SignatureBatch batch;
  std::vector<bool> key_has_torsion;
  for (int ja = 0; ja < 8; ++ja) {
    for (int jr = 0; jr < 8; ++jr) {
      for (int n = 0; n < 6; ++n) {
        const Bytes a = random_scalar(), r = random_scalar();
        Bytes a_point(32), r_point(32);
        REQUIRE(crypto_scalarmult_ed25519_base_noclamp(a_point.data(), a.data()) == 0);
        REQUIRE(crypto_scalarmult_ed25519_base_noclamp(r_point.data(), r.data()) == 0);
        const Bytes key = add(a_point, torsion[ja]), big_r = add(r_point, torsion[jr]);
        const Bytes message = testing::RandomBytes(rng, 1 + n * 7);
        uint8_t h[64];
        ChallengeDigest(big_r.data(), key.data(), message, h);
        Bytes k(32), ka(32), s(32);
        crypto_core_ed25519_scalar_reduce(k.data(), h);
        crypto_core_ed25519_scalar_mul(ka.data(), k.data(), a.data());
        crypto_core_ed25519_scalar_add(s.data(), r.data(), ka.data());
        Bytes signature = big_r;
        signature.insert(signature.end(), s.begin(), s.end());
        batch.Add(message, key, signature,
                  "A + [" + std::to_string(ja) + "]T8, R + [" + std::to_string(jr) + "]T8");
        key_has_torsion.push_back(ja != 0);
      }
    }
  }
  CheckAgainstCpu(batch, PreHash::kNone);
  // Both verdicts occur with a torsion component in the key.
  const SignatureVerifyTask task = batch.Task({SignatureScheme::kEd25519});
  int accepted = 0, rejected = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!key_has_torsion[i]) continue;
    const bool ok = crypto_sign_verify_detached(task.signatures[i].data(), task.messages[i].data(),
                                                task.messages[i].size(),
                                                task.public_keys[i].data()) == 0;
    (ok ? accepted : rejected)++;
  }
  CHECK(accepted > 0);
  CHECK(rejected > 0);
}

// About 1 k in 9,000 has no pair below 2^133 (kernels/ed25519_half_scalars.cuh): messages
// are searched for one, whose valid and corrupted signatures take the full-size equation.
TEST_CASE("Ed25519 rules: a k without half-size scalars takes the full-size equation",
          "[ed25519][half_scalars]") {
  REQUIRE(sodium_init() >= 0);
  auto rng = testing::MakeRng("ed25519 rules no pair");
  const testing::Ed25519Key key = testing::MakeEd25519Key(rng);
  testing::SignatureBatch batch;
  for (uint32_t counter = 0; counter < 1000000 && batch.size() < 2; ++counter) {
    const Bytes message = testing::RandomBytes(rng, 16);
    const Bytes signature = testing::SignEd25519(key, message);
    uint8_t h[64];
    ChallengeDigest(signature.data(), key.public_key.data(), message, h);
    if (EdReduceHalfScalars(Ed25519ReduceWide(h)).ok) continue;
    batch.Add(message, key.public_key, signature, "k without a pair");
    Bytes corrupted = signature;
    corrupted[33] ^= 4;  // S changes, k does not
    batch.Add(message, key.public_key, corrupted, "k without a pair, S corrupted");
  }
  REQUIRE(batch.size() == 2);
  CheckAgainstCpu(batch, PreHash::kNone);
  const SignatureVerifyTask task = batch.Task({SignatureScheme::kEd25519});
  CHECK(GpuRules(task, 0) == ItemStatus::kOk);
  CHECK(GpuRules(task, 1) == ItemStatus::kInvalid);
}

}  // namespace
}  // namespace chainaccel::kernels
