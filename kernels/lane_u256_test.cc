// The eight-lane field product (kernels/lane_u256.cuh) on the host, against OpenSSL's
// BN_mod_mul and the one-thread ModMul<Fp> of u256.cuh: edge values (0, 1, p - 1, p,
// 2^256 - 1, values whose limbs are all ones or all zeros but one, carries that run the
// whole width) and random ones.
#include "kernels/lane_u256.cuh"

#include <openssl/bn.h>

#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <vector>

#include "kernels/secp256k1.cuh"
#include "tests/support/random.h"

namespace chainaccel::kernels {
namespace {

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

BnPtr ToBn(const U256& v) {
  uint8_t be[32];
  for (int i = 0; i < 8; ++i) {
    for (int b = 0; b < 4; ++b) be[31 - 4 * i - b] = static_cast<uint8_t>(v.w[i] >> (8 * b));
  }
  return BnPtr(BN_bin2bn(be, 32, nullptr), BN_free);
}

U256 FromBn(const BIGNUM* bn) {
  uint8_t be[32];
  REQUIRE(BN_bn2binpad(bn, be, 32) == 32);
  return U256FromBytesBE(be);
}

// a * b mod p by OpenSSL.
U256 ReferenceMulModP(const U256& a, const U256& b) {
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  BnPtr r(BN_new(), BN_free);
  REQUIRE(BN_mod_mul(r.get(), ToBn(a).get(), ToBn(b).get(), ToBn(Fp::Modulus()).get(), ctx.get()));
  return FromBn(r.get());
}

bool Equal(const U256& x, const U256& y) {
  for (int i = 0; i < 8; ++i) {
    if (x.w[i] != y.w[i]) return false;
  }
  return true;
}

bool BelowP(const U256& v) {
  const U256 p = Fp::Modulus();
  for (int i = 7; i >= 0; --i) {
    if (v.w[i] != p.w[i]) return v.w[i] < p.w[i];
  }
  return false;
}

std::vector<U256> EdgeValues() {
  std::vector<U256> values;
  U256 v = U256Zero();
  values.push_back(v);
  values.push_back(U256Small(1));
  values.push_back(U256Small(2));
  values.push_back(U256Small(977));
  U256 p = Fp::Modulus();
  values.push_back(p);
  U256 p_minus_1 = p;
  p_minus_1.w[0] -= 1;
  values.push_back(p_minus_1);
  U256 p_plus_1 = p;
  p_plus_1.w[0] += 1;
  values.push_back(p_plus_1);
  U256 ones;
  for (uint32_t& w : ones.w) w = 0xffffffffu;
  values.push_back(ones);  // 2^256 - 1
  for (int i = 0; i < 8; ++i) {
    U256 one_limb = U256Zero();  // 2^(32 i) * (2^32 - 1)
    one_limb.w[i] = 0xffffffffu;
    values.push_back(one_limb);
    U256 all_but_one = ones;  // a zero limb inside all-ones: a carry stops there
    all_but_one.w[i] = 0;
    values.push_back(all_but_one);
    U256 power = U256Zero();  // 2^(32 i)
    power.w[i] = 1;
    values.push_back(power);
  }
  U256 half = U256Zero();  // 2^255
  half.w[7] = 0x80000000u;
  values.push_back(half);
  U256 c = U256Zero();  // 2^256 - p = 0x1000003D1
  c.w[0] = 0x3d1;
  c.w[1] = 1;
  values.push_back(c);
  return values;
}

TEST_CASE("Lane field product equals OpenSSL's and ModMul's on edge values", "[lanes]") {
  const std::vector<U256> values = EdgeValues();
  for (const U256& a : values) {
    for (const U256& b : values) {
      const U256 got = lanes::FromLanes(lanes::ModMulP(lanes::ToLanes(a), lanes::ToLanes(b)));
      INFO("a limb 0 " << a.w[0] << ", a limb 7 " << a.w[7] << ", b limb 0 " << b.w[0]
                       << ", b limb 7 " << b.w[7]);
      CHECK(Equal(got, ReferenceMulModP(a, b)));
      CHECK(BelowP(got));
      if (BelowP(a) && BelowP(b)) CHECK(Equal(got, ModMul<Fp>(a, b)));
    }
  }
}

TEST_CASE("Lane field product equals OpenSSL's and ModMul's on random values", "[lanes]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("lane field product");
  for (int n = 0; n < 20000; ++n) {
    U256 a, b;
    for (int i = 0; i < 8; ++i) {
      a.w[i] = static_cast<uint32_t>(rng());
      b.w[i] = static_cast<uint32_t>(rng());
    }
    // Some limbs all ones or zero, so that long carry runs come up often.
    if (n % 4 == 1) a.w[rng() % 8] = 0xffffffffu, b.w[rng() % 8] = 0xffffffffu;
    if (n % 4 == 2) a.w[rng() % 8] = 0, b.w[rng() % 8] = 0;
    const U256 got = lanes::FromLanes(lanes::ModMulP(lanes::ToLanes(a), lanes::ToLanes(b)));
    REQUIRE(Equal(got, ReferenceMulModP(a, b)));
    if (BelowP(a) && BelowP(b)) REQUIRE(Equal(got, ModMul<Fp>(a, b)));
  }
}

}  // namespace
}  // namespace chainaccel::kernels
