// Tests of kernels/ed25519_half_scalars.cuh on the host: for edge and random k < L, the
// pair (c, d) is found, c is odd, |c| and d are below 2^133, and d ≡ c k (mod 8L), checked
// as the verification will use it: [c]([k]P) = [d]P for a point P of order 8L (B plus a
// point of order 8), and for B and the order-8 point alone.
#include "kernels/ed25519_half_scalars.cuh"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "tests/support/random.h"
#include "tests/support/vectors.h"

namespace chainaccel::kernels {
namespace {

// b * P for b < 2^254 (the one-thread ladder).
EdPoint Multiple(const U256& b, const EdPoint& p) {
  EdCached multiples[kEdVariableWindowMultiples];
  EdCachedMultiples(p, multiples);
  return EdWindowedMul(b, multiples);
}

bool SamePoint(const EdPoint& a, const EdPoint& b) {
  return U256Equal(ModMul<Fe>(a.x, b.z), ModMul<Fe>(b.x, a.z)) &&
         U256Equal(ModMul<Fe>(a.y, b.z), ModMul<Fe>(b.y, a.z));
}

// A point of order 8 (libsodium's small-order list).
EdPoint OrderEightPoint() {
  const testing::Bytes encoding =
      testing::FromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
  EdPoint t;
  REQUIRE(EdDecode(encoding.data(), t));
  return t;
}

// The pair's defining property on P: [c]([k]P) = [d]P.
void CheckPairOnPoint(const U256& k, const EdHalfScalars& h, const EdPoint& p) {
  const EdPoint kp = Multiple(k, p);
  EdPoint ckp = Multiple(h.c, kp);
  if (h.c_negative) ckp = EdNegate(ckp);
  CHECK(SamePoint(ckp, Multiple(h.d, p)));
}

// A uniform k < L (as a hash reduced mod L).
U256 RandomBelowOrder(std::mt19937_64& rng) {
  U256 k;
  do {
    for (uint32_t& w : k.w) w = static_cast<uint32_t>(rng());
    k.w[7] &= 0x1FFFFFFFu;
  } while (!U256Less(k, Ed25519Order()));
  return k;
}

// The pair's size and parity, and its defining property on every point.
void CheckPair(const U256& k, const EdHalfScalars& h, const std::vector<EdPoint>& points) {
  CHECK(U256Bit(h.c, 0));
  CHECK(U256Below2Pow(h.c, kEdHalfScalarBits));
  CHECK(U256Below2Pow(h.d, kEdHalfScalarBits));
  for (const EdPoint& p : points) CheckPairOnPoint(k, h, p);
}

// k has a pair, and the pair is right.
void CheckScalar(const U256& k, const std::vector<EdPoint>& points) {
  const EdHalfScalars h = EdReduceHalfScalars(k);
  INFO("k limbs " << k.w[7] << " " << k.w[6] << " ... " << k.w[0]);
  REQUIRE(h.ok);
  CheckPair(k, h, points);
}

TEST_CASE("Half-size scalars: d = c k mod 8L with c odd and both below 2^133",
          "[ed25519][half_scalars]") {
  const EdPoint t8 = OrderEightPoint();
  CHECK_FALSE(EdIsIdentity(EdDouble(EdDouble(t8))));  // order 8, not 4
  const EdPoint b = Ed25519Base();
  const std::vector<EdPoint> points{EdAdd(b, t8), b, t8};
  const U256 l = Ed25519Order();
  U256 l_minus_1, l_minus_2;
  U256Sub(l, U256Small(1), l_minus_1);
  U256Sub(l, U256Small(2), l_minus_2);
  U256 two_pow_128 = U256Zero(), two_pow_127 = U256Zero(), two_pow_252 = U256Zero();
  two_pow_128.w[4] = 1;
  two_pow_127.w[3] = 0x80000000u;
  two_pow_252.w[7] = 0x10000000u;
  U256 two_pow_128_minus_1;
  U256Sub(two_pow_128, U256Small(1), two_pow_128_minus_1);
  // k = 0 and 1 stop at once; 2 and 8 divide 8L; 2^128 and its neighbours sit at the
  // stopping bound; 2^252 is below L.
  for (const U256& k : {U256Zero(), U256Small(1), U256Small(2), U256Small(8), two_pow_127,
                        two_pow_128_minus_1, two_pow_128, two_pow_252}) {
    CheckScalar(k, points);
  }
  // k = L - 1 and L - 2: (c, d) = (-8, 8) and (-8, 16) are the lattice's short vectors,
  // and every pair with c odd has d near an odd multiple of L: none is short.
  CHECK_FALSE(EdReduceHalfScalars(l_minus_1).ok);
  CHECK_FALSE(EdReduceHalfScalars(l_minus_2).ok);
  // Random k: ~1 in 9,000 has no pair below the bound (the caller then uses the
  // full-size equation; the next test counts them), so two misses are allowed here (three in
  // 300: a chance of ~6e-6).
  // CI's seed 17575409008972672982 drew one among its 300 when this test required a pair
  // for every k.
  auto rng = testing::MakeRng("ed25519 half scalars");
  int not_found = 0;
  for (int n = 0; n < 300; ++n) {
    const U256 k = RandomBelowOrder(rng);
    const EdHalfScalars h = EdReduceHalfScalars(k);
    if (!h.ok) {
      ++not_found;
      continue;
    }
    INFO("k limbs " << k.w[7] << " " << k.w[6] << " ... " << k.w[0]);
    CheckPair(k, h, n < 60 ? points : std::vector<EdPoint>{points[0]});
  }
  CHECK(not_found <= 2);
}

TEST_CASE("Half-size scalars are found for 100,000 random k", "[ed25519][half_scalars]") {
  auto rng = testing::MakeRng("ed25519 half scalars many");
  int not_found = 0;
  for (int n = 0; n < 100000; ++n) {
    const U256 k = RandomBelowOrder(rng);
    const EdHalfScalars h = EdReduceHalfScalars(k);
    if (!h.ok) {
      ++not_found;
      continue;
    }
    REQUIRE(U256Bit(h.c, 0));
    REQUIRE(U256Below2Pow(h.c, kEdHalfScalarBits));
    REQUIRE(U256Below2Pow(h.d, kEdHalfScalarBits));
  }
  // The fallback is for lattices with an unusually short vector of even c: rare for
  // random (hash-derived) k.
  INFO("not found: " << not_found);
  CHECK(not_found <= 100);
}

// EdEuclidStepEstimated is EdEuclidStep: pairs along the Euclid of random k, and random
// pairs of every length difference (up to 255 bits: the bitwise step past 2^24), with r
// below 2^32 among them.
TEST_CASE("The estimated Euclid step equals the bitwise one", "[ed25519][half_scalars]") {
  auto rng = testing::MakeRng("ed25519 euclid step");
  auto check = [](const U256& r_prev, const U256& t_prev, const U256& r, const U256& t) {
    U256 bitwise_r = r_prev, bitwise_t = t_prev, estimated_r = r_prev, estimated_t = t_prev;
    EdEuclidStep(bitwise_r, bitwise_t, r, t);
    EdEuclidStepEstimated(estimated_r, estimated_t, r, t);
    REQUIRE(U256Equal(bitwise_r, estimated_r));
    REQUIRE(U256Equal(bitwise_t, estimated_t));
  };
  for (int n = 0; n < 2000; ++n) {
    U256 r_prev = Ed25519EightOrder(), t_prev = U256Zero();
    U256 r = RandomBelowOrder(rng), t = U256Small(1);
    while (!U256IsZero(r)) {  // the whole Euclid, past the 2^128 stop
      check(r_prev, t_prev, r, t);
      U256 next_r = r_prev, next_t = t_prev;
      EdEuclidStep(next_r, next_t, r, t);
      r_prev = r;
      t_prev = t;
      r = next_r;
      t = next_t;
      if (!U256Below2Pow(t, 200)) break;  // t q stays below 2^256
    }
  }
  for (int n = 0; n < 20000; ++n) {
    const int r_bits = 1 + static_cast<int>(rng() % 255);
    const int prev_bits = r_bits + static_cast<int>(rng() % (257 - r_bits));
    U256 r, r_prev;
    for (uint32_t& w : r.w) w = static_cast<uint32_t>(rng());
    for (uint32_t& w : r_prev.w) w = static_cast<uint32_t>(rng());
    r = U256ShiftRightBits(r, 256 - r_bits);
    r_prev = U256ShiftRightBits(r_prev, 256 - std::min(prev_bits, 256));
    r.w[0] |= 1;
    if (U256Less(r_prev, r)) std::swap(r_prev, r);
    // t small enough that t_prev + q t fits.
    const int t_bits = std::max(1, 250 - (U256BitLength(r_prev) - U256BitLength(r)) - 2);
    U256 t, t_prev;
    for (uint32_t& w : t.w) w = static_cast<uint32_t>(rng());
    for (uint32_t& w : t_prev.w) w = static_cast<uint32_t>(rng());
    t = U256ShiftRightBits(t, 256 - std::min(t_bits, 128));
    t_prev = U256ShiftRightBits(t_prev, 256 - std::min(t_bits, 128));
    check(r_prev, t_prev, r, t);
  }
}

}  // namespace
}  // namespace chainaccel::kernels
