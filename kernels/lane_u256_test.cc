// The eight-lane field product (kernels/lane_u256.cuh) on the host, against OpenSSL's
// BN_mod_mul and the one-thread ModMul<Fp> of u256.cuh: edge values (0, 1, p - 1, p,
// 2^256 - 1, values whose limbs are all ones or all zeros but one, carries that run the
// whole width) and random ones. On a GPU ([device][lanes]), through
// kernels/testing/field_chain_launch.h: both layouts' product chains against the host's
// ModMul<Fp> chain for batches of 1, 2, 31, 32, 33, 1,023, 1,024 and 1,025 values (the
// eight-lane groups of the last warp partly empty), random and edge values below p,
// chains of 1 and 3 products; and the eight-lane layout on values up to 2^256 - 1
// against OpenSSL. The launch wrapper's argument checks run everywhere.
#include "kernels/lane_u256.cuh"

#include <openssl/bn.h>

#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <memory>
#include <random>
#include <vector>

#include "kernels/secp256k1.cuh"
#include "kernels/testing/device_buffer.h"
#include "kernels/testing/field_chain_launch.h"
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

uint32_t* const kSomeDevicePointer = reinterpret_cast<uint32_t*>(uintptr_t{1} << 40);

TEST_CASE("LaunchFieldMulChain rejects null buffers and unknown layouts, enqueues nothing for none",
          "[lanes]") {
  for (FieldLayout layout : {FieldLayout::kOneThread, FieldLayout::kEightLanes}) {
    CHECK(LaunchFieldMulChain(layout, nullptr, nullptr, nullptr, 0, 5, nullptr).ok());
    CHECK(LaunchFieldMulChain(layout, nullptr, nullptr, nullptr, 5, 0, nullptr).ok());
    CHECK(LaunchFieldMulChain(layout, nullptr, kSomeDevicePointer, kSomeDevicePointer, 1, 1, nullptr)
              .code() == Status::Code::kInvalidArgument);
    CHECK(LaunchFieldMulChain(layout, kSomeDevicePointer, kSomeDevicePointer, nullptr, 1, 1, nullptr)
              .code() == Status::Code::kInvalidArgument);
  }
  CHECK(LaunchFieldMulChain(static_cast<FieldLayout>(7), kSomeDevicePointer, kSomeDevicePointer,
                            kSomeDevicePointer, 1, 1, nullptr)
            .code() == Status::Code::kInvalidArgument);
}

// Values as the wrapper's limbs.
std::vector<uint32_t> Limbs(const std::vector<U256>& values) {
  std::vector<uint32_t> limbs;
  for (const U256& v : values) limbs.insert(limbs.end(), v.w, v.w + 8);
  return limbs;
}

// The chain on the device: out[i] for every value.
std::vector<U256> ChainOnDevice(FieldLayout layout, const std::vector<U256>& a,
                                const std::vector<U256>& b, uint32_t steps) {
  const std::vector<uint32_t> la = Limbs(a), lb = Limbs(b);
  testing::DeviceBuffer<uint32_t> da(la.size()), db(lb.size()), out(la.size());
  da.Upload(la.data(), la.size());
  db.Upload(lb.data(), lb.size());
  out.Fill(0xEE);
  const Status s = LaunchFieldMulChain(layout, da.get(), db.get(), out.get(), a.size(), steps, nullptr);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  const std::vector<uint32_t> got = out.Download();
  std::vector<U256> values(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    for (int k = 0; k < 8; ++k) values[i].w[k] = got[8 * i + k];
  }
  return values;
}

// A value below p: random limbs, the top one cleared of its top bit (p > 2^255), or an
// edge (0, 1, p - 1, limbs of all ones below the top).
U256 ValueBelowP(std::mt19937_64& rng, size_t i) {
  U256 v = U256Zero();
  switch (i % 7) {
    case 0: break;
    case 1: v.w[0] = 1; break;
    case 2: v = Fp::Modulus(); v.w[0] -= 1; break;
    case 3: for (int k = 0; k < 7; ++k) v.w[k] = 0xffffffffu; break;
    default:
      for (uint32_t& w : v.w) w = static_cast<uint32_t>(rng());
      v.w[7] &= 0x7fffffffu;
  }
  return v;
}

TEST_CASE("Field product chains on the device equal the host's in both layouts",
          "[device][lanes]") {
  auto rng = chainaccel::testing::MakeRng("field chain device");
  for (size_t count : {1, 2, 31, 32, 33, 1023, 1024, 1025}) {
    std::vector<U256> a(count), b(count);
    for (size_t i = 0; i < count; ++i) {
      a[i] = ValueBelowP(rng, i);
      b[i] = ValueBelowP(rng, i + 3);
    }
    for (uint32_t steps : {1u, 3u}) {
      std::vector<U256> expected(count);
      for (size_t i = 0; i < count; ++i) {
        U256 x = a[i];
        for (uint32_t s = 0; s < steps; ++s) x = ModMul<Fp>(x, b[i]);
        expected[i] = x;
      }
      for (FieldLayout layout : {FieldLayout::kOneThread, FieldLayout::kEightLanes}) {
        const std::vector<U256> got = ChainOnDevice(layout, a, b, steps);
        for (size_t i = 0; i < count; ++i) {
          INFO("layout " << int(layout) << ", value " << i << " of " << count << ", steps " << steps);
          REQUIRE(Equal(got[i], expected[i]));
        }
      }
    }
  }
}

TEST_CASE("LaunchFieldInverseChain rejects null buffers and unknown moduli", "[lanes]") {
  for (InverseMethod method : {InverseMethod::kEuclid, InverseMethod::kWarp}) {
    CHECK(LaunchFieldInverseChain(InverseModulus::kFieldP, method, nullptr, nullptr, 0, 5, nullptr)
              .ok());
    CHECK(LaunchFieldInverseChain(InverseModulus::kOrderN, method, nullptr, kSomeDevicePointer, 1,
                                  1, nullptr)
              .code() == Status::Code::kInvalidArgument);
    CHECK(LaunchFieldInverseChain(static_cast<InverseModulus>(5), method, kSomeDevicePointer,
                                  kSomeDevicePointer, 1, 1, nullptr)
              .code() == Status::Code::kInvalidArgument);
  }
  CHECK(LaunchFieldInverseChain(InverseModulus::kFieldP, static_cast<InverseMethod>(9),
                                kSomeDevicePointer, kSomeDevicePointer, 1, 1, nullptr)
            .code() == Status::Code::kInvalidArgument);
}

// The inversions on the device against the host's ModInv, and each result's product with
// its input: 1 (0 for 0).
template <class M>
void CheckInverseChainOnDevice(InverseModulus modulus, InverseMethod method,
                               std::mt19937_64& rng) {
  for (size_t count : {1, 31, 32, 33, 1025}) {
    std::vector<U256> a(count);
    for (size_t i = 0; i < count; ++i) {
      a[i] = ValueBelowP(rng, i);
      if (!U256Less(a[i], M::Modulus())) U256Sub(a[i], M::Modulus(), a[i]);
    }
    const std::vector<uint32_t> la = Limbs(a);
    testing::DeviceBuffer<uint32_t> da(la.size()), out(la.size());
    da.Upload(la.data(), la.size());
    for (uint32_t steps : {1u, 3u}) {
      out.Fill(0xEE);
      REQUIRE(LaunchFieldInverseChain(modulus, method, da.get(), out.get(), count, steps, nullptr)
                  .ok());
      REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
      const std::vector<uint32_t> got = out.Download();
      for (size_t i = 0; i < count; ++i) {
        U256 x = a[i];
        for (uint32_t s = 0; s < steps; ++s) x = ModAdd<M>(ModInv<M>(x), U256Small(1));
        U256 device;
        for (int k = 0; k < 8; ++k) device.w[k] = got[8 * i + k];
        INFO("modulus " << int(modulus) << ", method " << int(method) << ", value " << i
                        << " of " << count << ", steps " << steps);
        REQUIRE(Equal(device, x));
        if (steps == 1) {  // (x - 1) a = 1, or 0 for a = 0
          const U256 inverse = ModSub<M>(device, U256Small(1));
          REQUIRE(Equal(ModMul<M>(inverse, a[i]), U256IsZero(a[i]) ? U256Zero() : U256Small(1)));
        }
      }
    }
  }
}

// Both methods; the warp's (WarpModInv) with zeros among the lanes (ValueBelowP's edges:
// every seventh value), warps cut short by `count`, and the lane whose value is the
// product's only factor besides ones.
TEST_CASE("Inverse chains on the device equal the host's ModInv mod p and mod n",
          "[device][lanes]") {
  auto rng = chainaccel::testing::MakeRng("inverse chain device");
  for (InverseMethod method : {InverseMethod::kEuclid, InverseMethod::kWarp}) {
    CheckInverseChainOnDevice<Fp>(InverseModulus::kFieldP, method, rng);
    CheckInverseChainOnDevice<Fn>(InverseModulus::kOrderN, method, rng);
  }
}

// The eight-lane product takes any value below 2^256 (the one-thread one wants them below
// p): values at and above p, and all-ones limbs, against OpenSSL's BN_mod_mul.
TEST_CASE("Eight-lane product chains on the device take values up to 2^256 - 1", "[device][lanes]") {
  auto rng = chainaccel::testing::MakeRng("field chain device wide");
  const size_t count = 4099;
  std::vector<U256> a(count), b(count);
  for (size_t i = 0; i < count; ++i) {
    for (int k = 0; k < 8; ++k) {
      a[i].w[k] = i % 3 == 0 ? 0xffffffffu : static_cast<uint32_t>(rng());
      b[i].w[k] = i % 5 == 0 ? 0xffffffffu : static_cast<uint32_t>(rng());
    }
    if (i % 7 == 0) a[i] = Fp::Modulus();
  }
  const std::vector<U256> got = ChainOnDevice(FieldLayout::kEightLanes, a, b, 2);
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  const BnPtr p = ToBn(Fp::Modulus());
  for (size_t i = 0; i < count; ++i) {
    BnPtr x = ToBn(a[i]);
    for (int s = 0; s < 2; ++s) REQUIRE(BN_mod_mul(x.get(), x.get(), ToBn(b[i]).get(), p.get(), ctx.get()));
    INFO("value " << i);
    REQUIRE(BN_cmp(x.get(), ToBn(got[i]).get()) == 0);
  }
}

}  // namespace
}  // namespace chainaccel::kernels
