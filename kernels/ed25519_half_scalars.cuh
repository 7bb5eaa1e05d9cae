// Half-size scalars for Ed25519 verification (kernels/NOTES.md, "Next for Ed25519"): for
// k < 2^253, a pair (c, d) with d ≡ c k (mod 8L), c odd and |c|, d below 2^133, so that
// [c]([S]B - [k]A - R) = [c]([S]B - R) - [d]A is the identity exactly when
// [S]B - [k]A - R is (the cofactorless equation libsodium checks): a non-zero point of
// the Ed25519 group has order 2, 4 or 8, which cannot divide an odd c, or a multiple of L,
// which is larger than |c|; and modulo 8L, not L, because A and R may carry a torsion
// component (their orders divide 8L). The variable-base part then takes ~127 doublings
// instead of 253.
//
// The truncated extended Euclid of Antipa et al. on (8L, k): r_-1 = 8L, r_0 = k, t_-1 = 0,
// t_0 = 1, r_i+1 = r_i-1 - q r_i, t_i+1 = t_i-1 - q t_i (t_i has the sign (-1)^i, so the
// magnitudes add: |t_i+1| = |t_i-1| + q |t_i|); r_i ≡ t_i k (mod 8L) at every step. At
// the first r_i < 2^128, |t_i| <= 8L / r_i-1 < 2^127.01. When t_i is even, t_i-1 is odd
// (consecutive t are coprime), and so is every t_i-1 - m t_i: the pair is the one of
// (t_i-1 - m t_i, r_i-1 - m r_i) that balances its two sizes. When (t_i, r_i) is much
// shorter than 2^127 (k = L - 1 gives (-8, 8)) no short pair with c odd exists; past
// 2^133 the result says !ok (11 of 100,000 random k) and the caller uses the full-size
// scalar. Variable time (the quotients' bits), like the rest of verification.
//
// VerifyEd25519RecordHalfScalars is VerifyEd25519Record with this equation, host-tested
// against libsodium (kernels/ed25519_test.cc) and on the device (2026-12-06, H100: every
// Ed25519 device case); no kernel runs it: it counted 22 % fewer limb products but ran
// 24 % slower than the full-size equation on the H100 (kernels/NOTES.md, "Half-size
// scalars on the device").
#pragma once

#include <cstdint>

#include "kernels/ed25519.cuh"

namespace chainaccel::kernels {

// The bound on |c| and d. The pair with c odd is ~2^127.5 for most k; it is longer when
// the lattice's shortest vector has c even and is short (a chance of ~1/x^2 for a vector
// x times below 2^127.5): with 2^130 as the bound 0.65 % of random k found none, so 2^133
// (27 signed 5-bit windows hold it).
inline constexpr int kEdHalfScalarBits = 133;

struct EdHalfScalars {
  U256 c;           // |c|, odd
  U256 d;           // d >= 0
  bool c_negative;  // c = -|c|
  bool ok;          // false: no pair below 2^kEdHalfScalarBits (use the full-size equation)
};

// The index of the highest set bit plus one (0 for 0).
CHAINACCEL_HD int U256BitLength(const U256& a) {
  for (int i = 7; i >= 0; --i) {
    if (a.w[i] == 0) continue;
#if defined(__CUDA_ARCH__)
    return 32 * i + 32 - __clz(static_cast<int>(a.w[i]));
#else
    return 32 * i + 32 - __builtin_clz(a.w[i]);
#endif
  }
  return 0;
}

// a moved by whole limbs toward the top (up) or the bottom, zeros shifted in: selects on
// the bits of `limbs` (< 8), so that a stays in registers on the device (an index computed
// at run time would put it in local memory).
CHAINACCEL_HD U256 U256MoveLimbs(U256 a, int limbs, bool up) {
  CHAINACCEL_UNROLL
  for (int step = 4; step >= 1; step /= 2) {
    if ((limbs & step) == 0) continue;
    U256 moved;
    CHAINACCEL_UNROLL
    for (int i = 0; i < 8; ++i) {
      const int from = up ? i - step : i + step;
      moved.w[i] = from >= 0 && from < 8 ? a.w[from] : 0u;
    }
    a = moved;
  }
  return a;
}

// a << s for 0 <= s < 256 (bits past 255 are lost).
CHAINACCEL_HD U256 U256ShiftLeft(const U256& a, int s) {
  U256 out = U256MoveLimbs(a, s / 32, true);
  const int bits = s % 32;
  if (bits != 0) {
    CHAINACCEL_UNROLL
    for (int i = 7; i >= 1; --i) out.w[i] = out.w[i] << bits | out.w[i - 1] >> (32 - bits);
    out.w[0] <<= bits;
  }
  return out;
}

CHAINACCEL_HD bool U256Below2Pow(const U256& a, int bits) { return U256BitLength(a) <= bits; }

// 8L = 2^255 + 8 (L - 2^252), below 2^256.
CHAINACCEL_HD U256 Ed25519EightOrder() { return U256ShiftLeft(Ed25519Order(), 3); }

// One Euclid step on magnitudes: r_prev := r_prev mod r, t_prev := t_prev + q t, where
// q = floor(r_prev / r) (shift and subtract: r and t shifted once by the length
// difference, then one bit right per quotient bit). REQUIRES r != 0, t q < 2^256.
CHAINACCEL_HD void EdEuclidStep(U256& r_prev, U256& t_prev, const U256& r, const U256& t) {
  int s = U256BitLength(r_prev) - U256BitLength(r);
  if (s < 0) return;
  U256 r_shifted = U256ShiftLeft(r, s), t_shifted = U256ShiftLeft(t, s);
  for (;; --s) {
    if (!U256Less(r_prev, r_shifted)) {
      U256Sub(r_prev, r_shifted, r_prev);
      U256Add(t_prev, t_shifted, t_prev);
    }
    if (s == 0) break;
    r_shifted = U256HalveWithTop(r_shifted, 0);
    t_shifted = U256HalveWithTop(t_shifted, 0);
  }
}

// a >> s for 0 <= s < 256.
CHAINACCEL_HD U256 U256ShiftRightBits(const U256& a, int s) {
  U256 out = U256MoveLimbs(a, s / 32, false);
  const int bits = s % 32;
  if (bits != 0) {
    CHAINACCEL_UNROLL
    for (int i = 0; i < 7; ++i) out.w[i] = out.w[i] >> bits | out.w[i + 1] << (32 - bits);
    out.w[7] >>= bits;
  }
  return out;
}

// EdEuclidStep with the quotient estimated from leading bits instead of found bit by bit
// (whose loop runs as often as the longest quotient of the warp's lanes: ~590 iterations
// a warp where a lane needs ~200, simulated on random k): with e = len(r) - 32,
// y = floor(r / 2^e) (32 bits) and x = floor(r_prev / 2^e), q' = floor(x / (y + 1)) is at
// most q and, for q < 2^kEuclidEstimatedBits, at most 2 below it; r_prev -= q' r,
// t_prev += q' t, then r is subtracted while r_prev >= r. A longer quotient (a chance of
// ~1.44 / 2^24 a step) or r below 2^32 takes EdEuclidStep. REQUIRES r_prev >= r > 0,
// t_prev + q t < 2^256.
inline constexpr int kEuclidEstimatedBits = 24;

CHAINACCEL_HD void EdEuclidStepEstimated(U256& r_prev, U256& t_prev, const U256& r,
                                         const U256& t) {
  const int r_bits = U256BitLength(r);
  const int difference = U256BitLength(r_prev) - r_bits;
  if (r_bits < 32 || difference >= kEuclidEstimatedBits) {
    EdEuclidStep(r_prev, t_prev, r, t);
    return;
  }
  const int e = r_bits - 32;
  const U256 x_limbs = U256ShiftRightBits(r_prev, e);
  const uint64_t x = uint64_t{x_limbs.w[1]} << 32 | x_limbs.w[0];
  const uint64_t y = U256ShiftRightBits(r, e).w[0];
  const uint32_t q = static_cast<uint32_t>(x / (y + 1));
  uint64_t product_carry = 0, sum_carry = 0;
  uint32_t borrow = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    const uint64_t rq = uint64_t{r.w[i]} * q + product_carry;
    product_carry = rq >> 32;
    const uint64_t difference_limb = uint64_t{r_prev.w[i]} - static_cast<uint32_t>(rq) - borrow;
    r_prev.w[i] = static_cast<uint32_t>(difference_limb);
    borrow = static_cast<uint32_t>(difference_limb >> 63);
    const uint64_t tq = uint64_t{t.w[i]} * q + uint64_t{t_prev.w[i]} + sum_carry;
    t_prev.w[i] = static_cast<uint32_t>(tq);
    sum_carry = tq >> 32;
  }
  while (!U256Less(r_prev, r)) {
    U256Sub(r_prev, r, r_prev);
    U256Add(t_prev, t, t_prev);
  }
}

// The pair for k < 2^253 (see above).
CHAINACCEL_HD EdHalfScalars EdReduceHalfScalars(const U256& k) {
  // The Euclid of two 256-bit numbers takes at most ~370 steps; the cap only guards the
  // loop.
  constexpr int kMaxSteps = 512;
  U256 r_prev = Ed25519EightOrder(), t_prev = U256Zero();
  U256 r = k, t = U256Small(1);
  int step = 0;  // t has the sign (-1)^step
  while (!U256Below2Pow(r, 128) && step < kMaxSteps) {
    EdEuclidStepEstimated(r_prev, t_prev, r, t);
    const U256 r_next = r_prev, t_next = t_prev;
    r_prev = r;
    t_prev = t;
    r = r_next;
    t = t_next;
    ++step;
  }
  EdHalfScalars out{t, r, (step & 1) != 0, step < kMaxSteps};
  if (!out.ok || U256Bit(t, 0)) return out;
  // t_i even, so t_i-1 is odd, and so is every t_i-1 - m t_i: take the m that balances
  // |c| = |t_i-1| + m |t_i| against d = r_i-1 - m r_i, m = floor((r_i-1 - |t_i-1|) /
  // (r_i + |t_i|)) or one more.
  // (step >= 1 here: t_0 = 1 is odd.)
  U256 numerator, denominator, m = U256Zero();
  if (U256Sub(r_prev, t_prev, numerator) != 0) numerator = U256Zero();
  U256Add(r, t, denominator);
  EdEuclidStep(numerator, m, denominator, U256Small(1));  // m = quotient
  out.ok = false;
  U256 best_max;
  for (int extra = 0; extra < 2; ++extra) {
    U256 candidate_m;
    U256Add(m, U256Small(static_cast<uint32_t>(extra)), candidate_m);
    uint32_t mt[16], mr[16];
    U256MulWide(candidate_m, t, mt);
    U256MulWide(candidate_m, r, mr);
    bool fits = true;
    for (int w = 8; w < 16; ++w) fits = fits && mt[w] == 0 && mr[w] == 0;
    U256 c, d, mt_low, mr_low;
    for (int w = 0; w < 8; ++w) {
      mt_low.w[w] = mt[w];
      mr_low.w[w] = mr[w];
    }
    fits = fits && U256Add(t_prev, mt_low, c) == 0 && U256Sub(r_prev, mr_low, d) == 0;
    if (!fits) continue;
    const U256 larger = U256Less(c, d) ? d : c;
    if (!out.ok || U256Less(larger, best_max)) {
      out = EdHalfScalars{c, d, ((step - 1) & 1) != 0, true};
      best_max = larger;
    }
  }
  out.ok = out.ok && U256Below2Pow(out.c, kEdHalfScalarBits) &&
           U256Below2Pow(out.d, kEdHalfScalarBits);
  return out;
}

// The signed 5-bit windows of the half-size scalars: 27 digits hold 135 bits, and the top
// digit's bit 134 is 0 below 2^kEdHalfScalarBits.
inline constexpr int kEdHalfWindowDigits = 27;
static_assert(5 * kEdHalfWindowDigits >= kEdHalfScalarBits + 2,
              "the top Booth digit needs a zero bit above the scalar");

// a * P + b * Q from the cached multiples of P and Q (negate_b: b * (-Q)) over `windows`
// signed 5-bit windows (a, b < 2^(5 windows - 1)): the doublings are shared, two additions
// a window (EdWindowedMul's windows, so the lanes of a warp add at the same steps); the
// top window's doublings of the identity are skipped.
CHAINACCEL_HD EdPoint EdJointWindowedMul(const U256& a,
                                         const EdCached (&p_multiples)[kEdVariableWindowMultiples],
                                         const U256& b, bool negate_b,
                                         const EdCached (&q_multiples)[kEdVariableWindowMultiples],
                                         int windows) {
  EdPoint acc = EdIdentity();
  for (int i = windows - 1; i >= 0; --i) {
    if (i != windows - 1) acc = EdWindowDoublings(acc);
    const int da = U256BoothDigit5(a, i);
    if (da != 0) acc = EdAddCached(acc, p_multiples[(da < 0 ? -da : da) - 1], da < 0);
    const int db = U256BoothDigit5(b, i);
    if (db != 0) acc = EdAddCached(acc, q_multiples[(db < 0 ? -db : db) - 1], (db < 0) != negate_b);
  }
  return acc;
}

// libsodium's equation, [s]B - [k]A = R, for s < L and k < 2^253 with A and R decoded
// (r_x, r_y by EdDecodeForComparison's rules, so that a point equal to R has R's
// encoding), as an identity check after one joint ladder over the multiples of -A and of
// P = [s]B - R:
// - with the pair h of k: Q = [d](-A) + [c]P = [c]([s]B - [k]A - R) (see the top), 27
//   windows;
// - for a k without a pair: Q = [k](-A) + P, 51 windows (the same loop, so that the kernel
//   holds one ladder).
// The multiples are built first: A, R and [s]B are not live across the reduction.
CHAINACCEL_HD bool EdEquationHoldsByHalfScalars(const U256& s, const U256& k, const EdPoint& a,
                                                const U256& r_x, const U256& r_y,
                                                const EdPrecomputed* table) {
  EdCached minus_a[kEdVariableWindowMultiples], p[kEdVariableWindowMultiples];
  EdCachedMultiples(EdNegate(a), minus_a);
  const U256 minus_r_x = ModNeg<Fe>(r_x);
  const EdPoint minus_r{minus_r_x, r_y, U256Small(1), ModMul<Fe>(minus_r_x, r_y)};
  EdCachedMultiples(EdAddFixedBaseMul(minus_r, s, table), p);
  const EdHalfScalars h = EdReduceHalfScalars(k);
  EdPoint q;
  if (h.ok) {
    // [c]P = [|c|]P, negated for c < 0.
    q = EdJointWindowedMul(h.d, minus_a, h.c, h.c_negative, p, kEdHalfWindowDigits);
  } else {
    q = EdAddCached(
        EdJointWindowedMul(k, minus_a, U256Zero(), false, p, kEdVariableWindowDigits), p[0]);
  }
  return EdIsIdentity(q);
}

// VerifyEd25519Record's statuses (libsodium 1.0.18's verdict and the CPU engine's
// classification) by EdEquationHoldsByHalfScalars, R decoded by the encoding's rules (an R
// that breaks them never equals an encoding: the equation fails). Once the equation is
// tried, its failure is ITEM_INVALID (EdFailure's verdict for a canonical key that decodes
// and is not of small order, and S < L).
CHAINACCEL_HD ItemStatus VerifyEd25519RecordHalfScalars(const uint8_t* record,
                                                        const uint8_t* message,
                                                        uint64_t message_size,
                                                        const EdPrecomputed* table) {
  EdPoint a;
  const EdChecks c = EdCheckRecord(record, a);
  if (!c.Attempt()) return EdFailure(c, a);
  U256 r_x, r_y;
  const bool holds =
      EdDecodeForComparison(record + 32, r_x, r_y) &&
      EdEquationHoldsByHalfScalars(c.s, Ed25519Challenge(record, message, message_size), a,
                                   r_x, r_y, table);
  return holds ? ItemStatus::kOk : ItemStatus::kInvalid;
}

}  // namespace chainaccel::kernels
