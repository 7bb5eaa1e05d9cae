// Fp2 = Fp[u] / (u^2 + 1), the field of BN254's G2 coordinates, for the GPU kernels
// (host-compilable for the tests). Layout: c0 then c1, each an Fp of bn254_field.cuh
// (4 Montgomery limbs), so an element is 8 limbs: exactly crypto/bn254's Fp2 {c0, c1}
// and the prover contract's G2 layout (core/groth16_circuit.h: x.c0, x.c1, y.c0, y.c1).
//
// Multiplication is Karatsuba (3 Fp products), squaring the complex method (2 products);
// the inverse goes through the norm (one Fp inversion). Pure and thread-safe; variable
// time (public data only), like bn254_field.cuh.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/zk/bn254_field.cuh"

namespace chainaccel::kernels::zk {

struct Fp2 {
  Fp c0, c1;

  static constexpr int kLimbs = 2 * Fp::kLimbs;

  CHAINACCEL_HD static Fp2 Zero() { return {Fp::Zero(), Fp::Zero()}; }
  CHAINACCEL_HD static Fp2 One() { return {Fp::One(), Fp::Zero()}; }
  CHAINACCEL_HD static Fp2 Load(const uint64_t* p) { return {Fp::Load(p), Fp::Load(p + 4)}; }
  CHAINACCEL_HD void Store(uint64_t* p) const {
    c0.Store(p);
    c1.Store(p + 4);
  }
  CHAINACCEL_HD bool IsZero() const { return c0.IsZero() && c1.IsZero(); }
  CHAINACCEL_HD friend bool operator==(const Fp2& a, const Fp2& b) {
    return a.c0 == b.c0 && a.c1 == b.c1;
  }
  CHAINACCEL_HD friend bool operator!=(const Fp2& a, const Fp2& b) { return !(a == b); }
};

CHAINACCEL_HD Fp2 operator+(const Fp2& a, const Fp2& b) { return {a.c0 + b.c0, a.c1 + b.c1}; }
CHAINACCEL_HD Fp2 operator-(const Fp2& a, const Fp2& b) { return {a.c0 - b.c0, a.c1 - b.c1}; }
CHAINACCEL_HD Fp2 operator-(const Fp2& a) { return {-a.c0, -a.c1}; }

// (a0 + a1·u)(b0 + b1·u) = (a0·b0 - a1·b1) + ((a0 + a1)(b0 + b1) - a0·b0 - a1·b1)·u.
CHAINACCEL_HD Fp2 operator*(const Fp2& a, const Fp2& b) {
  const Fp t0 = a.c0 * b.c0, t1 = a.c1 * b.c1;
  return {t0 - t1, (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1};
}

CHAINACCEL_HD Fp2 Double(const Fp2& a) { return {Double(a.c0), Double(a.c1)}; }

// (a0 + a1·u)^2 = (a0 + a1)(a0 - a1) + 2·a0·a1·u.
CHAINACCEL_HD Fp2 Square(const Fp2& a) {
  return {(a.c0 + a.c1) * (a.c0 - a.c1), Double(a.c0 * a.c1)};
}

// 1/a = conj(a) / (a0^2 + a1^2); zero gives zero.
CHAINACCEL_HD Fp2 Inverse(const Fp2& a) {
  const Fp norm_inv = Inverse(Square(a.c0) + Square(a.c1));
  return {a.c0 * norm_inv, -(a.c1 * norm_inv)};
}

}  // namespace chainaccel::kernels::zk
