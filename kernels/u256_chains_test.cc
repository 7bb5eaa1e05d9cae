// The device's wide products (kernels/u256_chains.cuh: PTX carry chains) against the
// host's C++ of kernels/u256.cuh, which secp256k1_test.cc and ed25519_test.cc hold to
// OpenSSL. Through kernels/testing/field_chain_launch.h's LaunchModularProducts: a * b and
// a^2 as 16 limbs, and reduced mod secp256k1's p and n and mod 2^255 - 19, for every pair
// of 40 edge values (0, 1, the moduli and their neighbours, limbs of all ones or all zeros
// in patterns that carry across the whole width) and 2^17 random pairs of random lengths.
// Also every pair of operands the compiler knows as constants (LaunchConstantModularProducts,
// the Ed25519 identity key's regression). [device]: reported skipped without a GPU. The generator's own simulation of every
// chain runs everywhere (lint/u256_chains).
#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <random>
#include <vector>

#include "kernels/ed25519.cuh"
#include "kernels/secp256k1.cuh"
#include "kernels/testing/device_buffer.h"
#include "kernels/testing/field_chain_launch.h"
#include "tests/support/random.h"

namespace chainaccel::kernels {
namespace {

std::vector<U256> EdgeValues() {
  std::vector<U256> v;
  auto add = [&](U256 x) { v.push_back(x); };
  add(U256Zero());
  add(U256Small(1));
  add(U256Small(2));
  add(U256Small(38));
  add(U256Small(0xffffffffu));
  for (const U256& m : {Fp::Modulus(), Fn::Modulus(), Ed25519Field::Modulus()}) {
    U256 x = m;
    add(x);
    x.w[0] -= 1;
    add(x);
    x.w[0] += 2;
    add(x);
  }
  U256 ones;
  for (uint32_t& w : ones.w) w = 0xffffffffu;
  add(ones);  // 2^256 - 1
  U256 x = ones;
  x.w[0] = 0xfffffffeu;
  add(x);
  for (int i = 0; i < 8; ++i) {  // one limb of all ones; all limbs but one
    U256 one = U256Zero(), all_but = ones;
    one.w[i] = 0xffffffffu;
    all_but.w[i] = 0;
    add(one);
    add(all_but);
  }
  U256 even = U256Zero(), odd = U256Zero(), top = U256Zero(), half = U256Zero();
  for (int i = 0; i < 8; ++i) (i % 2 == 0 ? even : odd).w[i] = 0xffffffffu;
  top.w[7] = 0x80000000u;
  for (int i = 0; i < 4; ++i) half.w[i] = 0xffffffffu;  // 2^128 - 1
  for (const U256& y : {even, odd, top, half}) add(y);
  return v;
}

U256 RandomValue(std::mt19937_64& rng) {
  U256 v;
  for (uint32_t& w : v.w) w = static_cast<uint32_t>(rng());
  switch (rng() % 4) {  // random lengths and runs of ones
    case 0: {
      const int bits = static_cast<int>(rng() % 256);
      for (int i = 0; i < 8; ++i) {
        if (32 * i >= bits) v.w[i] = 0;
        else if (32 * i + 32 > bits) v.w[i] &= (1u << (bits - 32 * i)) - 1;
      }
      break;
    }
    case 1:
      for (uint32_t& w : v.w) {
        if (rng() % 2) w = 0xffffffffu;
      }
      break;
    default: break;
  }
  return v;
}

// The 80 limbs LaunchModularProducts writes for (a, b), by the host's C++.
void HostProducts(const U256& a, const U256& b, uint32_t* out) {
  U256MulWide(a, b, out);
  U256SqrWide(a, out + 16);
  auto store = [&](U256 product, U256 square, uint32_t* o) {
    for (int k = 0; k < 8; ++k) {
      o[k] = product.w[k];
      o[8 + k] = square.w[k];
    }
  };
  store(ModMul<Fp>(a, b), ModSqr<Fp>(a), out + 32);
  store(ModMul<Fn>(a, b), ModSqr<Fn>(a), out + 48);
  store(ModMul<Ed25519Field>(a, b), ModSqr<Ed25519Field>(a), out + 64);
}

const char* kPartNames[] = {"a*b", "a^2", "a*b mod p", "a^2 mod p", "a*b mod n",
                            "a^2 mod n", "a*b mod 2^255-19", "a^2 mod 2^255-19"};
int PartOfLimb(size_t limb) { return limb < 32 ? static_cast<int>(limb / 16) : 2 + static_cast<int>((limb - 32) / 8); }

// The pairs whose device products (got: kModularProductLimbs a pair, as the launches
// write them) differ from the host's in any limb; the first five are named.
size_t CountMismatches(const std::vector<uint32_t>& got, const std::vector<U256>& a,
                       const std::vector<U256>& b) {
  std::vector<uint32_t> expected(kModularProductLimbs);
  size_t mismatches = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    HostProducts(a[i], b[i], expected.data());
    for (size_t k = 0; k < kModularProductLimbs; ++k) {
      if (got[kModularProductLimbs * i + k] == expected[k]) continue;
      if (++mismatches <= 5) {
        UNSCOPED_INFO("pair " << i << ": " << kPartNames[PartOfLimb(k)] << " differs at limb " << k);
      }
      break;
    }
  }
  return mismatches;
}

// Every pair (values[i], values[j]) appended to *a and *b, pair (i, j) at
// values.size() * i + j (LaunchConstantModularProducts' order).
void AllPairs(const std::vector<U256>& values, std::vector<U256>* a, std::vector<U256>* b) {
  for (const U256& x : values) {
    for (const U256& y : values) {
      a->push_back(x);
      b->push_back(y);
    }
  }
}

void CheckOnDevice(const std::vector<U256>& a, const std::vector<U256>& b) {
  const size_t count = a.size();
  std::vector<uint32_t> la, lb;
  for (size_t i = 0; i < count; ++i) {
    la.insert(la.end(), a[i].w, a[i].w + 8);
    lb.insert(lb.end(), b[i].w, b[i].w + 8);
  }
  testing::DeviceBuffer<uint32_t> da(la.size()), db(lb.size()), out(count * kModularProductLimbs);
  da.Upload(la.data(), la.size());
  db.Upload(lb.data(), lb.size());
  out.Fill(0xEE);
  const Status s = LaunchModularProducts(da.get(), db.get(), out.get(), count, nullptr);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  CHECK(CountMismatches(out.Download(), a, b) == 0);
}

TEST_CASE("The device's carry-chain products equal the host's on every pair of edge values",
          "[device][chains]") {
  std::vector<U256> a, b;
  AllPairs(EdgeValues(), &a, &b);
  CheckOnDevice(a, b);
}

TEST_CASE("The device's carry-chain products equal the host's on random values", "[device][chains]") {
  auto rng = chainaccel::testing::MakeRng("u256 chains device");
  const size_t count = size_t{1} << 17;
  std::vector<U256> a(count), b(count);
  for (size_t i = 0; i < count; ++i) {
    a[i] = RandomValue(rng);
    b[i] = RandomValue(rng);
  }
  CheckOnDevice(a, b);
}

// Regression: the Ed25519 identity key got ITEM_INVALID instead of
// ITEM_MALFORMED_PUBLIC_KEY from the first carry-chain square (2026-12-04), and again from
// these chains before their in-out operands were early-clobber: [8]A of A = (0, 1, Z = 1)
// squares constant limbs, and nvcc gave an asm input the register of an in-out operand
// holding the same constant, which the chain overwrote before reading the input.
TEST_CASE("The device's carry-chain products are right on operands the compiler knows",
          "[device][chains]") {
  auto rng = chainaccel::testing::MakeRng("u256 chains constants");
  for (int round = 0; round < 4; ++round) {
    U256 x = round == 0 ? U256Small(1) : RandomValue(rng);
    testing::DeviceBuffer<uint32_t> dx(8), out(kConstantOperands * kConstantOperands * kModularProductLimbs);
    dx.Upload(x.w, 8);
    out.Fill(0xEE);
    const Status s = LaunchConstantModularProducts(dx.get(), out.get(), nullptr);
    INFO(s.ToString());
    REQUIRE(s.ok());
    REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
    const std::vector<uint32_t> got = out.Download();
    std::vector<U256> operands(kConstantOperands, U256Zero());
    operands[1] = U256Small(1);
    operands[2] = U256Small(2);
    operands[3] = U256Small(38);
    operands[4] = Ed25519Field::Modulus();
    operands[4].w[0] -= 1;
    operands[5] = Fp::Modulus();
    operands[5].w[0] -= 1;
    operands[6] = x;
    std::vector<U256> a, b;
    AllPairs(operands, &a, &b);
    INFO("round " << round);
    CHECK(CountMismatches(got, a, b) == 0);
  }
}

TEST_CASE("LaunchModularProducts rejects null buffers and enqueues nothing for none", "[chains]") {
  uint32_t* some = reinterpret_cast<uint32_t*>(uintptr_t{1} << 40);
  CHECK(LaunchModularProducts(nullptr, nullptr, nullptr, 0, nullptr).ok());
  CHECK(LaunchModularProducts(nullptr, some, some, 1, nullptr).code() == Status::Code::kInvalidArgument);
  CHECK(LaunchModularProducts(some, some, nullptr, 1, nullptr).code() == Status::Code::kInvalidArgument);
  CHECK(LaunchConstantModularProducts(nullptr, some, nullptr).code() == Status::Code::kInvalidArgument);
  CHECK(LaunchConstantModularProducts(some, nullptr, nullptr).code() == Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace chainaccel::kernels
