// Host tests of kernels/u256.cuh, kernels/secp256k1.cuh and kernels/ecdsa.cuh (compiled as
// plain C++): modular arithmetic against OpenSSL's BIGNUM, scalar multiples of G against
// libsecp256k1, and every ECDSA verdict and recovered key against the CPU engine
// (crypto/signatures.h, i.e. libsecp256k1) on random valid and corrupted signatures
// and on every Wycheproof secp256k1 case. The device runs the same functions
// (kernels/ecdsa_launch_test.cc).
#include <catch2/catch.hpp>

#include <openssl/bn.h>
#include <secp256k1.h>

#include <cstring>
#include <memory>
#include <vector>

#include "crypto/signatures.h"
#include "tests/support/random.h"
#include "tests/support/signature_batch.h"
#include "tests/support/signature_cases.h"
#include "tests/support/vectors.h"
#include "kernels/ecdsa.cuh"
#include "kernels/ecdsa_records.h"
#include "kernels/ed25519.cuh"

namespace chainaccel::kernels {
namespace {

using testing::Bytes;

// ---- Modular arithmetic against OpenSSL ---------------------------------------------------

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

Bn ToBn(const U256& a) {
  uint8_t bytes[32];
  U256ToBytesBE(a, bytes);
  return Bn(BN_bin2bn(bytes, 32, nullptr));
}

U256 FromBn(const BIGNUM* b) {
  uint8_t bytes[32];
  REQUIRE(BN_bn2binpad(b, bytes, 32) == 32);
  return U256FromBytesBE(bytes);
}

U256 RandomU256(std::mt19937_64& rng) {
  const Bytes bytes = testing::RandomBytes(rng, 32);
  return U256FromBytesBE(bytes.data());
}

// Values where carries and reductions go wrong first: 0, 1, 2, m - 1, m - 2, 2^256 - 1,
// 2^255, and random ones.
template <class M>
std::vector<U256> Operands(std::mt19937_64& rng) {
  const U256 m = M::Modulus();
  U256 m1, m2;
  U256Sub(m, U256Small(1), m1);
  U256Sub(m, U256Small(2), m2);
  U256 top = U256Zero();
  top.w[7] = 0x80000000;
  U256 ones;
  for (auto& w : ones.w) w = 0xFFFFFFFF;
  std::vector<U256> v = {U256Zero(), U256Small(1), U256Small(2), m1, m2, ones, top};
  for (int i = 0; i < 200; ++i) v.push_back(RandomU256(rng));
  return v;
}

template <class M>
void CheckModularArithmetic(const char* name) {
  auto rng = testing::MakeRng(name);
  BN_CTX* ctx = BN_CTX_new();
  const Bn m = ToBn(M::Modulus());
  const std::vector<U256> operands = Operands<M>(rng);
  Bn expected(BN_new());
  for (const U256& a_raw : operands) {
    const U256 a = ModReduce<M>(a_raw);
    const Bn ba = ToBn(a_raw);
    REQUIRE(BN_nnmod(expected.get(), ba.get(), m.get(), ctx) == 1);
    REQUIRE(U256Equal(a, FromBn(expected.get())));
    REQUIRE(BN_mod_sub(expected.get(), ToBn(U256Zero()).get(), ToBn(a).get(), m.get(), ctx) == 1);
    CHECK(U256Equal(ModNeg<M>(a), FromBn(expected.get())));
    for (size_t k = 0; k < operands.size(); k += 7) {
      const U256 b = ModReduce<M>(operands[k]);
      const Bn bb = ToBn(b);
      const Bn bam = ToBn(a);
      INFO(name << " a " << BN_bn2hex(bam.get()) << " b " << BN_bn2hex(bb.get()));
      REQUIRE(BN_mod_mul(expected.get(), bam.get(), bb.get(), m.get(), ctx) == 1);
      CHECK(U256Equal(ModMul<M>(a, b), FromBn(expected.get())));
      REQUIRE(BN_mod_add(expected.get(), bam.get(), bb.get(), m.get(), ctx) == 1);
      CHECK(U256Equal(ModAdd<M>(a, b), FromBn(expected.get())));
      REQUIRE(BN_mod_sub(expected.get(), bam.get(), bb.get(), m.get(), ctx) == 1);
      CHECK(U256Equal(ModSub<M>(a, b), FromBn(expected.get())));
    }
    // Full-width products and squares of unreduced operands reduce too, the largest
    // (2^256 - 1)^2 among them.
    for (size_t k : {size_t{3}, size_t{5}, size_t{6}, operands.size() / 2}) {
      uint32_t wide[16];
      U256MulWide(a_raw, operands[k], wide);
      const Bn bc = ToBn(operands[k]);
      REQUIRE(BN_mod_mul(expected.get(), ba.get(), bc.get(), m.get(), ctx) == 1);
      CHECK(U256Equal(ModReduceWide<M>(wide), FromBn(expected.get())));
    }
    uint32_t square[16];
    U256SqrWide(a_raw, square);
    REQUIRE(BN_mod_mul(expected.get(), ba.get(), ba.get(), m.get(), ctx) == 1);
    CHECK(U256Equal(ModReduceWide<M>(square), FromBn(expected.get())));
    if (!U256IsZero(a)) {
      const Bn bam = ToBn(a);
      REQUIRE(BN_mod_inverse(expected.get(), bam.get(), m.get(), ctx) != nullptr);
      CHECK(U256Equal(ModInv<M>(a), FromBn(expected.get())));
    } else {
      CHECK(U256IsZero(ModInv<M>(a)));
    }
  }
  BN_CTX_free(ctx);
}

TEST_CASE("Field arithmetic mod p matches OpenSSL", "[secp256k1]") {
  CheckModularArithmetic<Fp>("secp256k1 field");
}

TEST_CASE("Scalar arithmetic mod n matches OpenSSL", "[secp256k1]") {
  CheckModularArithmetic<Fn>("secp256k1 scalar");
}

TEST_CASE("Field arithmetic mod 2^255 - 19 matches OpenSSL", "[ed25519]") {
  CheckModularArithmetic<Ed25519Field>("ed25519 field");
}

// ModReduceWideOneLimb's branchless steps at their edges: a low half around p, 2p and
// 2^255 (where the last step subtracts p or not, and where bit 255 folds), with high
// halves 0, 1 and all ones (the largest first fold), against BN_nnmod.
TEST_CASE("Wide reduction mod 2^255 - 19 at the edges of its folds", "[ed25519]") {
  BN_CTX* ctx = BN_CTX_new();
  const U256 p = Ed25519Field::Modulus();
  // 2^256 = 2p + 38: the reduction's one-limb constant.
  U256 twice_p;
  REQUIRE(U256Add(p, p, twice_p) == 0);
  U256 check;
  REQUIRE(U256Add(twice_p, U256Small(Ed25519Field::C(0)), check) == 1);
  REQUIRE(U256IsZero(check));
  U256 top = U256Zero();
  top.w[7] = 0x80000000;
  std::vector<U256> lows;
  for (const U256& base : {p, twice_p, top, U256Zero()}) {
    for (uint32_t delta : {0u, 1u, 18u, 19u, 20u, 37u, 38u, 39u, 1500u}) {
      U256 above, below;
      U256Add(base, U256Small(delta), above);
      U256Sub(base, U256Small(delta), below);
      lows.push_back(above);
      lows.push_back(below);
    }
  }
  U256 ones;
  for (auto& w : ones.w) w = 0xFFFFFFFF;
  const Bn m = ToBn(p);
  Bn expected(BN_new()), wide_bn(BN_new());
  for (const U256& high : {U256Zero(), U256Small(1), top, ones}) {
    for (const U256& low : lows) {
      uint32_t wide[16];
      for (int i = 0; i < 8; ++i) {
        wide[i] = low.w[i];
        wide[8 + i] = high.w[i];
      }
      REQUIRE(BN_lshift(wide_bn.get(), ToBn(high).get(), 256) == 1);
      REQUIRE(BN_add(wide_bn.get(), wide_bn.get(), ToBn(low).get()) == 1);
      REQUIRE(BN_nnmod(expected.get(), wide_bn.get(), m.get(), ctx) == 1);
      INFO("high " << BN_bn2hex(ToBn(high).get()) << " low " << BN_bn2hex(ToBn(low).get()));
      CHECK(U256Equal(ModReduceWide<Ed25519Field>(wide), FromBn(expected.get())));
    }
  }
  BN_CTX_free(ctx);
}

// u256.cuh's weak arithmetic mod 2^255 - 19 (the Ed25519 ladders' inner steps): results
// below 2p and congruent to OpenSSL's, for operands anywhere below 2p (sums and
// differences) or 2^256 (products), the edges around p, 2p and 2^255 among them, and
// ModReduceWeak bringing any 256-bit value below p; then long random chains of weak
// operations against the exact ones.
TEST_CASE("Weak arithmetic mod 2^255 - 19 stays below 2p and matches OpenSSL", "[ed25519]") {
  using M = Ed25519Field;
  auto rng = testing::MakeRng("ed25519 weak");
  BN_CTX* ctx = BN_CTX_new();
  const U256 p = M::Modulus();
  U256 twice_p, top = U256Zero(), ones;
  U256Add(p, p, twice_p);
  top.w[7] = 0x80000000;
  for (auto& w : ones.w) w = 0xFFFFFFFF;
  std::vector<U256> weak;  // below 2p
  for (const U256& base : {U256Zero(), p, top, twice_p}) {
    for (uint32_t delta : {1u, 2u, 19u, 20u, 38u, 39u, 1500u}) {
      U256 v;
      U256Sub(base, U256Small(delta), v);
      if (!U256IsZero(base) && U256Less(v, twice_p)) weak.push_back(v);
      U256Add(base, U256Small(delta), v);
      if (U256Less(v, twice_p)) weak.push_back(v);
    }
  }
  weak.push_back(U256Zero());
  weak.push_back(p);
  for (int i = 0; i < 100; ++i) {
    U256 v = RandomU256(rng);
    if (U256Less(v, twice_p)) weak.push_back(v);
  }
  const Bn m = ToBn(p);
  Bn expected(BN_new());
  auto check = [&](const U256& got, const BIGNUM* value, const char* what) {
    INFO(what << " got " << BN_bn2hex(ToBn(got).get()));
    CHECK(U256Less(got, twice_p));
    REQUIRE(BN_nnmod(expected.get(), value, m.get(), ctx) == 1);
    CHECK(U256Equal(ModReduceWeak<M>(got), FromBn(expected.get())));
  };
  Bn value(BN_new());
  for (const U256& a : weak) {
    for (const U256& b : weak) {
      const Bn ba = ToBn(a), bb = ToBn(b);
      REQUIRE(BN_add(value.get(), ba.get(), bb.get()) == 1);
      check(ModAddWeak<M>(a, b), value.get(), "add");
      REQUIRE(BN_sub(value.get(), ba.get(), bb.get()) == 1);
      check(ModSubWeak<M>(a, b), value.get(), "sub");
      REQUIRE(BN_mul(value.get(), ba.get(), bb.get(), ctx) == 1);
      check(ModMulWeak<M>(a, b), value.get(), "mul");
    }
    const Bn ba = ToBn(a);
    REQUIRE(BN_mul(value.get(), ba.get(), ba.get(), ctx) == 1);
    check(ModSqrWeak<M>(a), value.get(), "sqr");
  }
  // Products of any 256-bit operands, and ModReduceWeak of any 256-bit value.
  for (const U256& a : {ones, top, twice_p, RandomU256(rng)}) {
    for (const U256& b : {ones, U256Small(2), RandomU256(rng)}) {
      REQUIRE(BN_mul(value.get(), ToBn(a).get(), ToBn(b).get(), ctx) == 1);
      check(ModMulWeak<M>(a, b), value.get(), "mul of wide operands");
    }
    REQUIRE(BN_nnmod(expected.get(), ToBn(a).get(), m.get(), ctx) == 1);
    CHECK(U256Equal(ModReduceWeak<M>(a), FromBn(expected.get())));
  }
  // Chains: the same random program of products, squares, sums, differences and
  // negations, weak and exact, agree at every step once reduced.
  for (int chain = 0; chain < 200; ++chain) {
    U256 weak_x = ModReduce<M>(RandomU256(rng)), exact_x = weak_x;
    const U256 y = ModReduce<M>(RandomU256(rng));
    for (int step = 0; step < 100; ++step) {
      switch (rng() % 5) {
        case 0: weak_x = ModMulWeak<M>(weak_x, y); exact_x = ModMul<M>(exact_x, y); break;
        case 1: weak_x = ModSqrWeak<M>(weak_x); exact_x = ModSqr<M>(exact_x); break;
        case 2: weak_x = ModAddWeak<M>(weak_x, weak_x); exact_x = ModAdd<M>(exact_x, exact_x); break;
        case 3: weak_x = ModSubWeak<M>(weak_x, y); exact_x = ModSub<M>(exact_x, y); break;
        default: weak_x = ModSubWeak<M>(U256Zero(), weak_x); exact_x = ModNeg<M>(exact_x); break;
      }
      REQUIRE(U256Less(weak_x, twice_p));
      REQUIRE(U256Equal(ModReduceWeak<M>(weak_x), exact_x));
    }
  }
  BN_CTX_free(ctx);
}

TEST_CASE("Half order and square roots", "[secp256k1]") {
  U256 doubled;
  U256Add(Secp256k1HalfOrder(), Secp256k1HalfOrder(), doubled);
  U256Add(doubled, U256Small(1), doubled);
  CHECK(U256Equal(doubled, Fn::Modulus()));  // n = 2 * floor(n / 2) + 1
  auto rng = testing::MakeRng("secp256k1 sqrt");
  int squares = 0;
  for (int i = 0; i < 200; ++i) {
    const U256 x = ModReduce<Fp>(RandomU256(rng));
    U256 root;
    CHECK(FieldSqrt(ModSqr<Fp>(x), root));
    CHECK(U256Equal(ModSqr<Fp>(root), ModSqr<Fp>(x)));
    squares += FieldSqrt(x, root) ? 1 : 0;
  }
  CHECK(squares > 60);  // about half of all residues are squares
  CHECK(squares < 140);
}

TEST_CASE("FieldPowQuarterPPlus1's addition chain equals the windowed power", "[secp256k1]") {
  U256 e;  // (p + 1) / 4
  U256Add(Fp::Modulus(), U256Small(1), e);
  for (int i = 0; i < 7; ++i) e.w[i] = e.w[i] >> 2 | e.w[i + 1] << 30;
  e.w[7] >>= 2;
  auto rng = testing::MakeRng("secp256k1 sqrt chain");
  std::vector<U256> values = {U256Zero(), U256Small(1), U256Small(2)};
  U256 p1;
  U256Sub(Fp::Modulus(), U256Small(1), p1);
  values.push_back(p1);
  for (int i = 0; i < 300; ++i) values.push_back(ModReduce<Fp>(RandomU256(rng)));
  for (const U256& a : values) {
    CHECK(U256Equal(FieldPowQuarterPPlus1(a), ModPow<Fp>(a, e)));
  }
}

// ---- Points against libsecp256k1 --------------------------------------------------------

const AffinePoint* GeneratorTable() { return Secp256k1GeneratorTable().data(); }

// k * G by libsecp256k1, as 64 bytes X || Y.
Bytes LibraryMultiple(const uint8_t k[32]) {
  static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  secp256k1_pubkey key;
  REQUIRE(secp256k1_ec_pubkey_create(ctx, &key, k) == 1);
  uint8_t out[65];
  size_t size = 65;
  secp256k1_ec_pubkey_serialize(ctx, out, &size, &key, SECP256K1_EC_UNCOMPRESSED);
  return Bytes(out + 1, out + 65);
}

Bytes AffineBytes(const JacobianPoint& p) {
  const AffinePoint a = ToAffine(p);
  Bytes out(64);
  U256ToBytesBE(a.x, out.data());
  U256ToBytesBE(a.y, out.data() + 32);
  return out;
}

TEST_CASE("u1 * G + u2 * G equals libsecp256k1's (u1 + u2) * G", "[secp256k1]") {
  auto rng = testing::MakeRng("secp256k1 multiples");
  const AffinePoint g = Secp256k1Generator();
  for (int i = 0; i < 100; ++i) {
    U256 u1 = ModReduce<Fn>(RandomU256(rng));
    U256 u2 = ModReduce<Fn>(RandomU256(rng));
    if (i == 0) u2 = U256Zero();           // fixed base only
    if (i == 1) u1 = U256Zero();           // variable base only
    if (i == 2) u2 = u1;                   // the two halves meet: doubling inside an add
    if (i == 3) u2 = ModNeg<Fn>(u1);       // they cancel: infinity
    U256 k = ModAdd<Fn>(u1, u2);
    const JacobianPoint p = DoubleScalarMul(u1, u2, g, GeneratorTable());
    if (U256IsZero(k)) {
      CHECK(IsInfinity(p));
      continue;
    }
    uint8_t kb[32];
    U256ToBytesBE(k, kb);
    CHECK(AffineBytes(p) == LibraryMultiple(kb));
  }
}

TEST_CASE("ModInv (binary extended Euclid) inverts 10^4 random values and the edges mod p, n "
          "and 2^255 - 19",
          "[secp256k1]") {
  auto rng = testing::MakeRng("modular inverses");
  auto check = [&](auto modulus_tag) {
    using M = decltype(modulus_tag);
    const U256 m = M::Modulus();
    U256 m1, m2, half;
    U256Sub(m, U256Small(1), m1);
    U256Sub(m, U256Small(2), m2);
    half = U256HalveWithTop(m, 0);
    std::vector<U256> values = {U256Small(1), U256Small(2), U256Small(3), m1, m2, half};
    for (int i = 0; i < 10000; ++i) values.push_back(ModReduce<M>(RandomU256(rng)));
    for (const U256& a : values) {
      if (U256IsZero(a)) continue;
      CHECK(U256Equal(ModMul<M>(a, ModInv<M>(a)), U256Small(1)));
    }
  };
  check(Fp{});
  check(Fn{});
  check(Ed25519Field{});
}

TEST_CASE("The endomorphism's constants: beta^3 = 1 mod p, lambda^3 = 1 mod n, lambda G = "
          "(beta Gx, Gy)",
          "[secp256k1]") {
  const U256 beta = Secp256k1Beta(), lambda = Secp256k1Lambda();
  CHECK_FALSE(U256Equal(beta, U256Small(1)));
  CHECK_FALSE(U256Equal(lambda, U256Small(1)));
  CHECK(U256Equal(ModMul<Fp>(ModSqr<Fp>(beta), beta), U256Small(1)));
  CHECK(U256Equal(ModMul<Fn>(ModSqr<Fn>(lambda), lambda), U256Small(1)));
  uint8_t lb[32];
  U256ToBytesBE(lambda, lb);
  const AffinePoint g = Secp256k1Generator();
  const JacobianPoint phi_g{ModMul<Fp>(g.x, beta), g.y, U256Small(1)};
  CHECK(AffineBytes(phi_g) == LibraryMultiple(lb));
}

// k1 + k2 lambda for a split (k_i = -m_i when negative), mod n.
U256 JoinSplit(const LambdaSplit& s) {
  const U256 k1 = s.neg1 ? ModNeg<Fn>(s.m1) : s.m1;
  const U256 k2 = s.neg2 ? ModNeg<Fn>(s.m2) : s.m2;
  return ModAdd<Fn>(k1, ModMul<Fn>(k2, Secp256k1Lambda()));
}

bool Below2To128(const U256& a) { return (a.w[4] | a.w[5] | a.w[6] | a.w[7]) == 0; }

TEST_CASE("ScalarSplitLambda: k = k1 + k2 lambda with |k1|, |k2| < 2^128", "[secp256k1]") {
  auto rng = testing::MakeRng("secp256k1 lambda split");
  const U256 n = Fn::Modulus(), lambda = Secp256k1Lambda();
  U256 two128 = U256Zero();
  two128.w[4] = 1;
  std::vector<U256> scalars = {U256Zero(), U256Small(1), U256Small(2), ModNeg<Fn>(U256Small(1)),
                               ModNeg<Fn>(U256Small(2)), lambda, ModNeg<Fn>(lambda),
                               ModMul<Fn>(lambda, lambda), two128, Secp256k1HalfOrder(),
                               ModAdd<Fn>(Secp256k1HalfOrder(), U256Small(1))};
  U256 below = two128;
  U256Sub(below, U256Small(1), below);
  scalars.push_back(below);
  for (int i = 0; i < 100000; ++i) scalars.push_back(ModReduce<Fn>(RandomU256(rng)));
  for (const U256& k : scalars) {
    const LambdaSplit s = ScalarSplitLambda(k);
    uint8_t kb[32];
    U256ToBytesBE(k, kb);
    INFO("k " << testing::ToHex(ByteView(kb, 32)));
    REQUIRE(U256Less(s.m1, n));
    REQUIRE(U256Less(s.m2, n));
    CHECK(Below2To128(s.m1));
    CHECK(Below2To128(s.m2));
    REQUIRE(U256Equal(JoinSplit(s), k));
  }
}

// The value of digits 0 .. count - 1 of U256BoothDigit5, mod n (exact for values below n).
U256 JoinBoothDigits(const U256& a, int count) {
  U256 sum = U256Zero();
  for (int i = count - 1; i >= 0; --i) {
    sum = ModMul<Fn>(sum, U256Small(32));
    const int d = U256BoothDigit5(a, i);
    INFO("digit " << i << " = " << d);
    REQUIRE(d >= -16);
    REQUIRE(d <= 16);
    sum = d < 0 ? ModSub<Fn>(sum, U256Small(-d)) : ModAdd<Fn>(sum, U256Small(d));
  }
  return sum;
}

TEST_CASE("U256BoothDigit5: 26 signed digits in [-16, 16] give back every value below 2^128, "
          "51 every value below 2^254",
          "[secp256k1]") {
  auto rng = testing::MakeRng("booth digits");
  std::vector<U256> below128 = {U256Zero(), U256Small(1), U256Small(15), U256Small(16),
                                U256Small(17), U256Small(31), U256Small(32), U256Small(33)};
  U256 ones = U256Zero();  // 2^128 - 1, then alternating and boundary bit patterns
  for (int i = 0; i < 4; ++i) ones.w[i] = 0xFFFFFFFF;
  below128.push_back(ones);
  U256 alternating = U256Zero();
  for (int i = 0; i < 4; ++i) alternating.w[i] = 0xAAAAAAAA;
  below128.push_back(alternating);
  for (int i = 0; i < 4; ++i) alternating.w[i] = 0x55555555;
  below128.push_back(alternating);
  for (int bit = 0; bit < 128; ++bit) {  // single bits, and runs of ones up to each bit
    U256 single = U256Zero(), run = U256Zero();
    single.w[bit / 32] = 1u << (bit % 32);
    for (int b = 0; b <= bit; ++b) run.w[b / 32] |= 1u << (b % 32);
    below128.push_back(single);
    below128.push_back(run);
  }
  for (int i = 0; i < 20000; ++i) {
    U256 a = RandomU256(rng);
    for (int w = 4; w < 8; ++w) a.w[w] = 0;
    below128.push_back(a);
  }
  for (const U256& a : below128) {
    uint8_t ab[32];
    U256ToBytesBE(a, ab);
    INFO("a " << testing::ToHex(ByteView(ab, 32)));
    REQUIRE(U256Equal(JoinBoothDigits(a, kVariableWindowDigits), a));
  }
  for (int i = 0; i < 2000; ++i) {
    U256 a = RandomU256(rng);
    a.w[7] &= 0x3FFFFFFF;  // below 2^254 < n
    REQUIRE(U256Equal(JoinBoothDigits(a, 51), a));
  }
}

TEST_CASE("u1 * G + u2 * P equals libsecp256k1's (u1 + u2 k) * G for P = k G", "[secp256k1]") {
  auto rng = testing::MakeRng("secp256k1 double multiplication");
  const U256 lambda = Secp256k1Lambda();
  for (int i = 0; i < 2000; ++i) {
    const U256 k = ModReduce<Fn>(RandomU256(rng));
    if (U256IsZero(k)) continue;
    uint8_t kb[32];
    U256ToBytesBE(k, kb);
    const Bytes pk = LibraryMultiple(kb);
    const AffinePoint p{U256FromBytesBE(pk.data()), U256FromBytesBE(pk.data() + 32)};
    U256 u1 = ModReduce<Fn>(RandomU256(rng));
    U256 u2 = ModReduce<Fn>(RandomU256(rng));
    switch (i % 10) {  // halves of the split that vanish, meet or cancel
      case 1: u2 = lambda; break;                       // k1 = 0
      case 2: u2 = U256Small(7); break;                 // k2 = 0
      case 3: u2 = ModNeg<Fn>(U256Small(1)); break;     // -P
      case 4: u2 = ModNeg<Fn>(ModMul<Fn>(u1, ModInv<Fn>(k))); break;  // the result cancels
      case 5: u1 = U256Zero(); break;
      case 6: u2 = ModAdd<Fn>(U256Small(1), lambda); break;  // P + phi(P)
      default: break;
    }
    const U256 total = ModAdd<Fn>(u1, ModMul<Fn>(u2, k));
    const JacobianPoint got = DoubleScalarMul(u1, u2, p, GeneratorTable());
    // The same sum from the split kernels' three parts.
    const LambdaSplit split = ScalarSplitLambda(u2);
    const JacobianPoint parts = SumOfParts(FixedBaseMul(u1, GeneratorTable()),
                                           GlvHalfMul(split.m1, split.neg1, false, p),
                                           GlvHalfMul(split.m2, split.neg2, true, p));
    INFO("round " << i);
    if (U256IsZero(total)) {
      CHECK(IsInfinity(got));
      CHECK(IsInfinity(parts));
      continue;
    }
    REQUIRE_FALSE(IsInfinity(got));
    REQUIRE_FALSE(IsInfinity(parts));
    uint8_t tb[32];
    U256ToBytesBE(total, tb);
    CHECK(AffineBytes(got) == LibraryMultiple(tb));
    CHECK(AffineBytes(parts) == LibraryMultiple(tb));
    // Again with the halves on the abscissa's point, moved back by Z times y as
    // SumOfSplitParts does: the point of either parity, the y found from x alone.
    for (const bool odd : {false, true}) {
      const KeyRoot root = DeferredKeyRoot(p.x, odd);
      REQUIRE(root.found);
      const bool is_p = (p.y.w[0] & 1) == static_cast<uint32_t>(odd);
      const U256 scalar = is_p ? total : ModSub<Fn>(ModAdd<Fn>(u1, u1), total);  // u1 - u2 k
      const AffinePoint abscissa = AbscissaPoint(p.x);
      JacobianPoint first = GlvHalfMul(split.m1, split.neg1, false, abscissa);
      JacobianPoint second = GlvHalfMul(split.m2, split.neg2, true, abscissa);
      first.z = ModMul<Fp>(first.z, root.y);
      second.z = ModMul<Fp>(second.z, root.y);
      const JacobianPoint from_abscissa =
          SumOfParts(FixedBaseMul(u1, GeneratorTable()), first, second);
      INFO("odd " << odd);
      if (U256IsZero(scalar)) {
        CHECK(IsInfinity(from_abscissa));
        continue;
      }
      REQUIRE_FALSE(IsInfinity(from_abscissa));
      uint8_t sb[32];
      U256ToBytesBE(scalar, sb);
      CHECK(AffineBytes(from_abscissa) == LibraryMultiple(sb));
    }
  }
}

TEST_CASE("AbscissaPoint lies on y^2 = x^3 + 7 w^3, and off secp256k1's x give no root",
          "[secp256k1]") {
  auto rng = testing::MakeRng("secp256k1 abscissa point");
  int on_curve = 0, off_curve = 0;
  for (int i = 0; i < 2000; ++i) {
    const U256 x = ModReduce<Fp>(RandomU256(rng));
    const U256 w = CurveRhs(x);
    REQUIRE_FALSE(U256IsZero(w));  // no point of order 2
    const AffinePoint a = AbscissaPoint(x);
    const U256 w3 = ModMul<Fp>(ModSqr<Fp>(w), w);
    CHECK(U256Equal(ModSqr<Fp>(a.y),
                    ModAdd<Fp>(ModMul<Fp>(ModSqr<Fp>(a.x), a.x), ModMul<Fp>(U256Small(7), w3))));
    const KeyRoot root = DeferredKeyRoot(x, (i & 1) != 0);
    CHECK(root.deferred);
    AffinePoint decompressed;
    REQUIRE(root.found == DecompressPoint(x, (i & 1) != 0, decompressed));
    if (!root.found) {
      ++off_curve;
      continue;
    }
    ++on_curve;
    CHECK(U256Equal(root.y, decompressed.y));
    CHECK(U256Equal(ModSqr<Fp>(root.y), w));
  }
  CHECK(on_curve > 800);
  CHECK(off_curve > 800);
}

// ---- ECDSA records against the CPU engine -------------------------------------------------

// The one-thread verdict of item i; the split roles' (RunSplitRolesInOrder) must agree.
ItemStatus GpuRulesVerify(const SignatureVerifyTask& task, size_t i) {
  uint8_t record[kEcdsaVerifyRecordBytes];
  StageEcdsaVerifyRecord(task, i, record);
  Hash32 digest;
  const uint8_t* digest_ptr = nullptr;
  if (task.pre_hash != PreHash::kNone) {
    ApplyPreHash(task.pre_hash, task.messages[i], digest);
    digest_ptr = digest.data();
  }
  const ItemStatus one_thread =
      VerifyEcdsaRecord(record, digest_ptr, task.allow_high_s, GeneratorTable());
  uint8_t split_status = 0xEE;
  const EcdsaVerifyRoles roles{
      {}, record, digest_ptr, task.allow_high_s, GeneratorTable(), &split_status};
  RunSplitRolesInOrder(roles, 0);
  CHECK(int(split_status) == int(one_thread));
  split_status = 0xEE;
  RunSplitRolesInOrder(Secp256k1QuadHalves<EcdsaVerifyRoles>{roles}, 0);
  CHECK(int(split_status) == int(one_thread));
  return one_thread;
}

using Items = testing::SignatureBatch;

void CheckItemsAgainstCpu(const Items& items, const testing::SignatureConfig& config) {
  const std::vector<std::string>& what = items.what;
  const SignatureVerifyTask task = items.Task(config);
  for (size_t i = 0; i < task.messages.size(); ++i) {
    Hash32 digest;
    const ItemStatus cpu = VerifyEcdsaSecp256k1(ApplyPreHash(config.pre_hash, task.messages[i], digest),
                                                task.public_keys[i], task.signatures[i],
                                                config.encoding, config.allow_high_s);
    INFO(what[i] << "; pre-hash " << int(config.pre_hash) << " encoding " << int(config.encoding)
                 << " allow_high_s " << config.allow_high_s << " key "
                 << testing::ToHex(task.public_keys[i]) << " sig "
                 << testing::ToHex(task.signatures[i]));
    REQUIRE(int(GpuRulesVerify(task, i)) == int(cpu));
  }
}

TEST_CASE("ECDSA records: random valid and corrupted signatures get the CPU's verdicts",
          "[secp256k1][ecdsa]") {
  auto rng = testing::MakeRng("ecdsa records random");
  for (const testing::SignatureConfig& config : testing::AllSignatureConfigs()) {
    if (config.scheme != SignatureScheme::kEcdsaSecp256k1) continue;
    Items items;
    for (const auto& c : testing::MakeSignatureCases(rng, config, 150)) {
      items.Add(c.message, c.public_key, c.signature, c.what);
    }
    CheckItemsAgainstCpu(items, config);
  }
}

TEST_CASE("ECDSA records: every Wycheproof secp256k1 case gets the CPU's verdict",
          "[secp256k1][ecdsa][wycheproof]") {
  for (const char* file : {"wycheproof/ecdsa_secp256k1_sha256_test.json",
                           "wycheproof/ecdsa_secp256k1_sha256_bitcoin_test.json"}) {
    for (bool allow_high_s : {false, true}) {
      const testing::SignatureConfig config{SignatureScheme::kEcdsaSecp256k1, PreHash::kSha256,
                                            SignatureEncoding::kDer, allow_high_s};
      Items items;
      for (const auto& c : testing::ReadWycheproofCases(file, "uncompressed")) {
        items.Add(c.message, c.public_key, c.signature,
                  std::string(file) + " tcId " + std::to_string(c.id) + " " + c.comment);
      }
      CHECK(items.size() > 400);
      CheckItemsAgainstCpu(items, config);
    }
  }
}

TEST_CASE("ECDSA records: hand-made edge encodings get the CPU's verdicts",
          "[secp256k1][ecdsa]") {
  auto rng = testing::MakeRng("ecdsa records edges");
  const testing::Secp256k1Key key = testing::MakeSecp256k1Key(rng);
  const Bytes hash = testing::RandomBytes(rng, 32);
  const Bytes good = testing::SignEcdsaCompact(key, hash);
  const Bytes n = testing::FromHex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  const Bytes p = testing::FromHex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
  Items items;
  const auto add = [&](const Bytes& k, const Bytes& s, const std::string& w) {
    items.Add(hash, k, s, w);
  };
  const auto with = [&](const Bytes& r, const Bytes& s) {
    Bytes sig = r;
    sig.insert(sig.end(), s.begin(), s.end());
    return sig;
  };
  const Bytes r(good.begin(), good.begin() + 32), s(good.begin() + 32, good.end());
  const Bytes zero(32, 0);
  add(key.compressed, good, "valid, compressed key");
  add(key.uncompressed, good, "valid, uncompressed key");
  add(key.compressed, with(zero, s), "r = 0");
  add(key.compressed, with(r, zero), "s = 0");
  add(key.compressed, with(n, s), "r = n");
  add(key.compressed, with(r, n), "s = n");
  add(key.compressed, testing::FlipS(good), "high S");
  Bytes hybrid = key.uncompressed;
  hybrid[0] = static_cast<uint8_t>(0x06 | (hybrid[64] & 1));
  add(hybrid, good, "hybrid key, right parity");
  hybrid[0] ^= 1;
  add(hybrid, good, "hybrid key, wrong parity");
  Bytes x_is_p = key.compressed;
  std::copy(p.begin(), p.end(), x_is_p.begin() + 1);
  add(x_is_p, good, "compressed key with x = p");
  Bytes y_is_p = key.uncompressed;
  std::copy(p.begin(), p.end(), y_is_p.begin() + 33);
  add(y_is_p, good, "uncompressed key with y = p");
  Bytes prefix5 = key.uncompressed;
  prefix5[0] = 0x05;
  add(prefix5, good, "prefix 0x05");
  add(Bytes(key.compressed.begin(), key.compressed.end() - 1), good, "32-byte key");
  add(key.compressed, Bytes(good.begin(), good.end() - 1), "63-byte signature");
  Bytes not_on_curve = key.uncompressed;
  not_on_curve[64] ^= 1;
  add(not_on_curve, good, "uncompressed key off the curve");
  // A compressed key whose x^3 + 7 is not a square: the split kernels run its halves on
  // the abscissa's point (AbscissaPoint) and learn only from warp 0's root that there is
  // no key; the key's verdict still comes before the signature's.
  Bytes x_off_curve = key.compressed;
  AffinePoint unused;
  while (ParseSecp256k1PublicKey(x_off_curve.data(), 33, unused)) ++x_off_curve[32];
  add(x_off_curve, good, "compressed key off the curve");
  add(x_off_curve, with(zero, s), "compressed key off the curve, r = 0");
  add(x_off_curve, testing::FlipS(good), "compressed key off the curve, high S");
  x_off_curve[0] ^= 1;  // the other parity
  add(x_off_curve, good, "compressed key off the curve, odd prefix");
  for (bool allow_high_s : {false, true}) {
    CheckItemsAgainstCpu(items,
                         {SignatureScheme::kEcdsaSecp256k1, PreHash::kNone,
                          SignatureEncoding::kCompact, allow_high_s});
  }
}

TEST_CASE("ECDSA recovery records: keys, addresses and statuses equal the CPU's",
          "[secp256k1][recover]") {
  auto rng = testing::MakeRng("ecdsa recover records");
  for (bool allow_high_s : {false, true}) {
    const auto cases = testing::MakeRecoverCases(rng, allow_high_s, 300);
    std::vector<uint8_t> hashes, signatures;
    for (const auto& c : cases) {
      hashes.insert(hashes.end(), c.hash.begin(), c.hash.end());
      signatures.insert(signatures.end(), c.signature.begin(), c.signature.end());
    }
    SignatureRecoverTask task;
    task.count = cases.size();
    task.hashes = hashes.data();
    task.signatures = signatures.data();
    task.allow_high_s = allow_high_s;
    for (size_t i = 0; i < cases.size(); ++i) {
      uint8_t record[kEcdsaRecoverRecordBytes];
      uint8_t result[kEcdsaRecoverResultBytes];
      StageEcdsaRecoverRecord(task, i, record);
      const ItemStatus gpu = RecoverEcdsaRecord(record, allow_high_s, GeneratorTable(), result);
      uint8_t split_result[kEcdsaRecoverResultBytes];
      const EcdsaRecoverRoles roles{{}, record, allow_high_s, GeneratorTable(), split_result};
      std::memset(split_result, 0xEE, sizeof split_result);
      RunSplitRolesInOrder(roles, 0);
      CHECK(int(split_result[kEcdsaRecoverStatusOffset]) == int(gpu));
      CHECK(std::memcmp(split_result, result, kEcdsaRecoverStatusOffset) == 0);
      std::memset(split_result, 0xEE, sizeof split_result);
      RunSplitRolesInOrder(Secp256k1QuadHalves<EcdsaRecoverRoles>{roles}, 0);
      CHECK(int(split_result[kEcdsaRecoverStatusOffset]) == int(gpu));
      CHECK(std::memcmp(split_result, result, kEcdsaRecoverStatusOffset) == 0);
      uint8_t key[64], address[20];
      const ItemStatus cpu =
          RecoverEthereumSigner(task.hashes + 32 * i, task.signatures + 65 * i, allow_high_s, key,
                                address);
      INFO(cases[i].what << " allow_high_s " << allow_high_s);
      REQUIRE(int(gpu) == int(cpu));
      CHECK(std::memcmp(result, key, 64) == 0);
      CHECK(std::memcmp(result + 64, address, 20) == 0);
    }
  }
}

}  // namespace
}  // namespace chainaccel::kernels
