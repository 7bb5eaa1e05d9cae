// Eight-lane arithmetic modulo secp256k1's p, for the small-batch latency path
// (kernels/NOTES.md, "The latency floor after GLV"): a 256-bit value is spread over 8
// lanes, lane i holding limb i (bits 32i .. 32i + 31), so that a product's dependent chain
// is 8 column steps instead of one thread's ~64 multiply-adds.
//
// The same source runs on the host, where Lanes<T> holds all eight limbs and each step
// loops over them (lane_u256_test.cc compares every function with the one-thread
// u256.cuh), and on the device, where each lane of an aligned group of 8 holds its own
// limb and the cross-lane steps are warp shuffles and ballots.
//
// Status: tested on the host and on an H200 (kernels/testing/field_chain_launch.h's
// chains, gpu_kernel_tests [device][lanes]); no engine kernel uses it. Measured there
// (kernels/NOTES.md, "The eight-lane product on the H200"): 614 ns a product along a
// chain against one thread's 517 ns, so this column scan does not shorten the latency.
//
// REQUIRES (device): every lane of the warp calls each function together (the shuffles
// and ballots use the full mask), lanes 8g .. 8g + 7 holding one value; a block's size is
// a multiple of 32.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/u256.cuh"

namespace chainaccel::kernels::lanes {

inline constexpr int kLaneCount = 8;

// One value of type T per lane of a group.
template <typename T>
struct Lanes {
#if defined(__CUDA_ARCH__)
  T x;  // this lane's
  __device__ __forceinline__ T& operator[](int) { return x; }
  __device__ __forceinline__ const T& operator[](int) const { return x; }
#else
  T x[kLaneCount];
  T& operator[](int i) { return x[i]; }
  const T& operator[](int i) const { return x[i]; }
#endif
};

#if defined(__CUDA_ARCH__)
// This thread's lane in its warp, 0 .. 31.
__device__ __forceinline__ unsigned WarpLane() {
  unsigned lane;
  asm("mov.u32 %0, %%laneid;" : "=r"(lane));
  return lane;
}
__device__ __forceinline__ int LaneInGroup() { return static_cast<int>(WarpLane() % kLaneCount); }
// The body runs once, for this lane's index i.
#define CHAINACCEL_FOR_EACH_LANE(i) \
  for (int i = ::chainaccel::kernels::lanes::LaneInGroup(), i##_end = i + 1; i < i##_end; ++i)
inline constexpr unsigned kFullMask = 0xffffffffu;
#else
#define CHAINACCEL_FOR_EACH_LANE(i) for (int i = 0; i < ::chainaccel::kernels::lanes::kLaneCount; ++i)
#endif

// Lane j's value, on every lane.
template <typename T>
CHAINACCEL_HD T Get(const Lanes<T>& v, int j) {
#if defined(__CUDA_ARCH__)
  return __shfl_sync(kFullMask, v.x, j, kLaneCount);
#else
  return v.x[j];
#endif
}

// Lane i takes lane i + 1's value; lane 7 takes `fill`.
template <typename T>
CHAINACCEL_HD Lanes<T> ShiftDown(const Lanes<T>& v, T fill) {
  Lanes<T> r;
#if defined(__CUDA_ARCH__)
  r.x = __shfl_down_sync(kFullMask, v.x, 1, kLaneCount);
  if (LaneInGroup() == kLaneCount - 1) r.x = fill;
#else
  for (int i = 0; i + 1 < kLaneCount; ++i) r.x[i] = v.x[i + 1];
  r.x[kLaneCount - 1] = fill;
#endif
  return r;
}

// Lane i takes lane i - 1's value; lane 0 takes `fill`.
template <typename T>
CHAINACCEL_HD Lanes<T> ShiftUp(const Lanes<T>& v, T fill) {
  Lanes<T> r;
#if defined(__CUDA_ARCH__)
  r.x = __shfl_up_sync(kFullMask, v.x, 1, kLaneCount);
  if (LaneInGroup() == 0) r.x = fill;
#else
  for (int i = kLaneCount - 1; i > 0; --i) r.x[i] = v.x[i - 1];
  r.x[0] = fill;
#endif
  return r;
}

// Bit i: lane i's predicate.
CHAINACCEL_HD uint32_t Ballot(const Lanes<bool>& p) {
#if defined(__CUDA_ARCH__)
  return (__ballot_sync(kFullMask, p.x) >> (WarpLane() / kLaneCount * kLaneCount)) & 0xffu;
#else
  uint32_t bits = 0;
  for (int i = 0; i < kLaneCount; ++i) bits |= static_cast<uint32_t>(p.x[i]) << i;
  return bits;
#endif
}

// A value of 8 limbs of up to 63 bits each (sum of v[i] * 2^(32 i)) as 8 digits of 32
// bits and what carries out of the top: *carry_out (on every lane) gets the weight-2^256
// part. One split of every limb into digit and carry, the carries moved up a lane, then
// the last 0/1 carries resolved at once from two ballots (generate, propagate).
CHAINACCEL_HD Lanes<uint32_t> Normalize(const Lanes<uint64_t>& v, uint64_t* carry_out) {
  Lanes<uint32_t> digit;
  Lanes<uint64_t> carry;
  CHAINACCEL_FOR_EACH_LANE(i) {
    digit[i] = static_cast<uint32_t>(v[i]);
    carry[i] = v[i] >> 32;
  }
  const uint64_t top = Get(carry, kLaneCount - 1);
  const Lanes<uint64_t> in = ShiftUp(carry, uint64_t{0});
  Lanes<uint32_t> e;
  Lanes<bool> generate, propagate;
  CHAINACCEL_FOR_EACH_LANE(i) {
    // digit + carry < 2^32 + 2^31: a lane that carries out here is left with a small
    // digit, so it never also passes a carry through.
    const uint64_t s = uint64_t{digit[i]} + in[i];
    e[i] = static_cast<uint32_t>(s);
    generate[i] = (s >> 32) != 0;
    propagate[i] = e[i] == 0xffffffffu;
  }
  const uint32_t g = Ballot(generate);
  const uint32_t p = Ballot(propagate);
  const uint32_t sum = (g << 1) + p;  // a carry entering a run of all-ones digits runs through it
  const uint32_t incoming = (sum ^ p) & 0xffu;
  CHAINACCEL_FOR_EACH_LANE(i) e[i] += (incoming >> i) & 1u;
  *carry_out = top + ((sum >> kLaneCount) & 1u);
  return e;
}

// v + k * 0x1000003D1 (= k * 2^256 mod p): k * 977 into limb 0, k into limb 1.
CHAINACCEL_HD Lanes<uint64_t> AddFold(const Lanes<uint32_t>& v, uint64_t k) {
  Lanes<uint64_t> w;
  CHAINACCEL_FOR_EACH_LANE(i) {
    w[i] = uint64_t{v[i]} + (i == 0 ? k * 977u : 0) + (i == 1 ? k : 0);
  }
  return w;
}

// a * b mod p (secp256k1's field), fully reduced; a and b any values below 2^256.
CHAINACCEL_HD Lanes<uint32_t> ModMulP(const Lanes<uint32_t>& a, const Lanes<uint32_t>& b) {
  // The product by columns: at step j lane i adds a_i * b_j to its accumulator, which
  // stands for column i + j; then the accumulators move down a lane, so lane 0 hands out
  // column j, complete: its low 32 bits are digit j, the rest carries into column j + 1.
  Lanes<uint64_t> acc;
  Lanes<uint32_t> overflow;  // the accumulators' bits above 64
  Lanes<uint32_t> lo;
  CHAINACCEL_FOR_EACH_LANE(i) {
    acc[i] = 0;
    overflow[i] = 0;
    lo[i] = 0;
  }
  CHAINACCEL_UNROLL
  for (int j = 0; j < kLaneCount; ++j) {
    const uint32_t bj = Get(b, j);
    CHAINACCEL_FOR_EACH_LANE(i) {
      const uint64_t t = uint64_t{a[i]} * bj;
      acc[i] += t;
      overflow[i] += acc[i] < t;
    }
    const uint64_t column = Get(acc, 0);
    const uint64_t carry = (column >> 32) | (uint64_t{Get(overflow, 0)} << 32);
    lo = ShiftDown(lo, static_cast<uint32_t>(column));
    acc = ShiftDown(acc, uint64_t{0});
    overflow = ShiftDown(overflow, 0u);
    CHAINACCEL_FOR_EACH_LANE(i) {
      if (i == 0) {
        acc[i] += carry;
        overflow[i] += acc[i] < carry;
      }
    }
  }
  // Columns 8 .. 15 (below 2^67 each) as 32-bit digits: split once so that every limb is
  // below 2^37, then normalize. The product is below 2^512: nothing carries out.
  Lanes<uint64_t> high_split;
  CHAINACCEL_FOR_EACH_LANE(i) {
    high_split[i] = (acc[i] >> 32) | (uint64_t{overflow[i]} << 32);
  }
  const Lanes<uint64_t> high_carry_in = ShiftUp(high_split, uint64_t{0});
  Lanes<uint64_t> high_limbs;
  CHAINACCEL_FOR_EACH_LANE(i) high_limbs[i] = (acc[i] & 0xffffffffu) + high_carry_in[i];
  uint64_t none;
  const Lanes<uint32_t> hi = Normalize(high_limbs, &none);

  // lo + hi * 2^256 = lo + hi * 977 + hi * 2^32 (mod p): limb i gets lo_i + 977 hi_i +
  // hi_(i-1), and hi_7 moves to weight 2^256.
  const Lanes<uint32_t> hi_up = ShiftUp(hi, 0u);
  Lanes<uint64_t> folded;
  CHAINACCEL_FOR_EACH_LANE(i) folded[i] = uint64_t{lo[i]} + uint64_t{hi[i]} * 977u + hi_up[i];
  uint64_t top;
  Lanes<uint32_t> r = Normalize(folded, &top);
  top += Get(hi, kLaneCount - 1);  // below 2^33
  // Fold what is left at 2^256 twice: the second fold has at most 1 to carry.
  r = Normalize(AddFold(r, top), &top);
  r = Normalize(AddFold(r, top), &top);
  // r < 2^256; r >= p exactly when r + 0x1000003D1 carries out of 2^256.
  uint64_t wraps;
  const Lanes<uint32_t> minus_p = Normalize(AddFold(r, 1), &wraps);
  if (wraps != 0) r = minus_p;
  return r;
}

// Host only: the lanes of a U256 and back (on the device each lane takes its limb).
#if !defined(__CUDA_ARCH__)
inline Lanes<uint32_t> ToLanes(const U256& v) {
  Lanes<uint32_t> r;
  for (int i = 0; i < kLaneCount; ++i) r[i] = v.w[i];
  return r;
}
inline U256 FromLanes(const Lanes<uint32_t>& v) {
  U256 r;
  for (int i = 0; i < kLaneCount; ++i) r.w[i] = v[i];
  return r;
}
#endif

}  // namespace chainaccel::kernels::lanes
