#include "crypto/bn254/msm.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <vector>

#include "core/parallel_for.h"
#include "core/thread_pool.h"

namespace chainaccel::bn254 {
namespace {

constexpr int kScalarBits = 254;  // r < 2^254
constexpr int kMaxWindowBits = 24;
// The window model's weights, ns on one core of the dev VM (AMD EPYC, GCC 12 -O2): a
// point's share of a window (sorted into its bucket, one batched affine addition: 5M +
// 1S, its share of the inversion and of the copies) and a bucket's share of the running
// sum (one mixed and one full Jacobian addition). groth16_prove_bench's window sweep of
// 2026-12-03 (G1, CPU time) gives 144 and 573 at 2^14 points (widths 10 and 12: 2.65
// and 3.53 ms a window) and 187 and 1139 at 2^18 (widths 13 and 15: cache misses grow
// with n); only their ratio decides c, and these, between the two, pick the measured
// best width at 2^14 and 2^18 and one within 2% of it at 2^10 (bench/RESULTS.md).
constexpr double kPointCost = 160;
constexpr double kBucketCost = 800;
// Below this many points one thread does it all: a ParallelFor's hand-off costs more.
constexpr size_t kMinParallelPoints = 256;
// Tasks wanted per thread, so that uneven tasks still balance.
constexpr size_t kTasksPerThread = 4;
// How many points ahead the bucket sort prefetches its destination: the scatter's
// cache misses were 10% of a G1 MSM of 2^16 points (perf, 2026-12-03).
constexpr size_t kScatterPrefetch = 8;
// Scalars recoded per claimed chunk.
constexpr size_t kDigitGrain = 4096;

int WindowCount(int bits) { return kScalarBits / bits + 1; }

// Bits [pos, pos + len) of k (zero past the top). REQUIRES: len <= 32.
uint32_t ExtractBits(const U256& k, int pos, int len) {
  if (pos >= 256) return 0;
  const int limb = pos / 64, shift = pos % 64;
  uint64_t v = k[limb] >> shift;
  if (shift + len > 64 && limb + 1 < 4) v |= k[limb + 1] << (64 - shift);
  return static_cast<uint32_t>(v & ((uint64_t{1} << len) - 1));
}

// digits[w * n + i]: the signed digit of scalars[i] in window w (see msm.h).
std::vector<int32_t> SignedDigits(std::span<const Fr> scalars, int bits, ThreadPool* pool) {
  const size_t n = scalars.size();
  const int windows = WindowCount(bits);
  const int64_t half = int64_t{1} << (bits - 1), full = int64_t{1} << bits;
  std::vector<int32_t> digits(n * static_cast<size_t>(windows));
  ParallelForOrHere(pool, n, kDigitGrain, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const U256 k = scalars[i].ToCanonical();
      int64_t carry = 0;
      for (int w = 0; w < windows; ++w) {
        int64_t d = ExtractBits(k, w * bits, bits) + carry;
        carry = d > half ? 1 : 0;
        d -= carry * full;
        digits[static_cast<size_t>(w) * n + i] = static_cast<int32_t>(d);
      }
    }
  });
  return digits;
}

// The scratch of one task's window, kept across the windows a thread runs.
template <class Curve>
struct WindowScratch {
  using F = typename Curve::Field;
  std::vector<uint32_t> offsets;             // bucket b's points start at offsets[b]
  std::vector<uint32_t> lengths;             // and number lengths[b]
  std::vector<AffinePoint<Curve>> points;    // ±bases sorted by bucket
  std::vector<F> denominators, prefix;       // one per pair of a reduction round
  std::vector<Fp> norms, norm_prefix;        // G2: the denominators' norms
};

// Sorts the points of [begin, end) with a non-zero digit into their buckets (counting
// sort), negated where the digit is negative. Returns the number of buckets.
template <class Curve>
size_t SortIntoBuckets(std::span<const AffinePoint<Curve>> bases, const int32_t* digits,
                       size_t begin, size_t end, int bits, WindowScratch<Curve>& s) {
  const size_t buckets = size_t{1} << (bits - 1);
  s.lengths.assign(buckets, 0);
  s.offsets.resize(buckets + 1);
  for (size_t i = begin; i < end; ++i) {
    if (digits[i] != 0 && !bases[i].infinity) ++s.lengths[std::abs(digits[i]) - 1];
  }
  uint32_t total = 0;
  for (size_t b = 0; b < buckets; ++b) {
    s.offsets[b] = total;
    total += s.lengths[b];
  }
  s.offsets[buckets] = total;
  s.points.resize(total);
  std::vector<uint32_t>& cursor = s.lengths;  // reused: counts up again while filling
  std::fill(cursor.begin(), cursor.end(), 0);
  for (size_t i = begin; i < end; ++i) {
    if (i + kScatterPrefetch < end && digits[i + kScatterPrefetch] != 0) {
      const size_t ahead = static_cast<size_t>(std::abs(digits[i + kScatterPrefetch]) - 1);
      __builtin_prefetch(&s.points[s.offsets[ahead] + cursor[ahead]], 1);
    }
    const int32_t d = digits[i];
    if (d == 0 || bases[i].infinity) continue;
    const size_t b = static_cast<size_t>(std::abs(d) - 1);
    s.points[s.offsets[b] + cursor[b]++] = d > 0 ? bases[i] : -bases[i];
  }
  return buckets;
}

// a == b by limbs, without the memcmp call std::array's == becomes (2.5% of a G1 MSM, perf).
inline bool SameValue(const Fp& a, const Fp& b) {
  const U256& x = a.raw_montgomery();
  const U256& y = b.raw_montgomery();
  return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}
inline bool SameValue(const Fp2& a, const Fp2& b) {
  return SameValue(a.c0, b.c0) && SameValue(a.c1, b.c1);
}

// The denominator of the affine sum p + q: x_q - x_p, 2·y_p for a doubling, or 1 where
// no division is needed (an operand at infinity, or p + (-p)).
template <class F, class Affine>
F AffineSumDenominator(const Affine& p, const Affine& q) {
  if (p.infinity || q.infinity) return F::One();
  if (!SameValue(p.x, q.x)) return q.x - p.x;
  if (SameValue(p.y, q.y)) return p.y.Double();
  return F::One();
}

// p + q given the inverse of AffineSumDenominator(p, q).
template <class F, class Affine>
Affine AffineSum(const Affine& p, const Affine& q, const F& inverse) {
  if (p.infinity) return q;
  if (q.infinity) return p;
  F lambda;
  if (!SameValue(p.x, q.x)) {
    lambda = (q.y - p.y) * inverse;
  } else if (SameValue(p.y, q.y)) {
    const F xx = p.x.Square();
    lambda = (xx.Double() + xx) * inverse;  // 3x^2 / 2y (a = 0)
  } else {
    return Affine::Infinity();
  }
  const F x3 = lambda.Square() - p.x - q.x;
  return Affine::FromXY(x3, lambda * (p.x - x3) - p.y);
}

// Replaces every element of `values` (all non-zero) by its inverse: one inversion and
// 3 multiplications an element (Montgomery's trick). `prefix` is scratch. (Four
// interleaved product chains instead of one measured the same, within 2%.)
template <class F>
void InvertAll(std::vector<F>& values, std::vector<F>& prefix) {
  prefix.resize(values.size());
  F acc = F::One();
  for (size_t i = 0; i < values.size(); ++i) {
    prefix[i] = acc;
    acc *= values[i];
  }
  F inverse = acc.InverseVar();
  for (size_t i = values.size(); i-- > 0;) {
    const F v = values[i];
    values[i] = inverse * prefix[i];
    inverse *= v;
  }
}

// The inverses of a round's denominators. In Fp2 through their norms: a^-1 =
// conj(a)/(c0^2 + c1^2), the norms inverted together in Fp (never zero: -1 is not a
// square mod p), 7 Fp multiplications an element instead of InvertAll<Fp2>'s 9.
template <class Curve>
void InvertDenominators(WindowScratch<Curve>& s) {
  if constexpr (std::is_same_v<typename Curve::Field, Fp2>) {
    s.norms.resize(s.denominators.size());
    for (size_t i = 0; i < s.norms.size(); ++i) {
      s.norms[i] = s.denominators[i].c0.Square() + s.denominators[i].c1.Square();
    }
    InvertAll(s.norms, s.norm_prefix);
    for (size_t i = 0; i < s.norms.size(); ++i) {
      Fp2& d = s.denominators[i];
      d = Fp2{d.c0 * s.norms[i], -(d.c1 * s.norms[i])};
    }
  } else {
    InvertAll(s.denominators, s.prefix);
  }
}

// One round: in every bucket, points 2k and 2k+1 become point k (an odd last point moves
// down), with one field inversion for all the round's sums (Montgomery's trick).
// Returns false when no bucket had two points.
template <class Curve>
bool HalveBuckets(size_t buckets, WindowScratch<Curve>& s) {
  using F = typename Curve::Field;
  s.denominators.clear();
  for (size_t b = 0; b < buckets; ++b) {
    const AffinePoint<Curve>* v = s.points.data() + s.offsets[b];
    for (uint32_t k = 0; k + 1 < s.lengths[b]; k += 2) {
      s.denominators.push_back(AffineSumDenominator<F>(v[k], v[k + 1]));
    }
  }
  if (s.denominators.empty()) return false;
  InvertDenominators(s);
  size_t pair = 0;
  for (size_t b = 0; b < buckets; ++b) {
    AffinePoint<Curve>* v = s.points.data() + s.offsets[b];
    const uint32_t length = s.lengths[b];
    for (uint32_t k = 0; k + 1 < length; k += 2) {
      v[k / 2] = AffineSum(v[k], v[k + 1], s.denominators[pair++]);
    }
    if (length % 2 == 1 && length > 1) v[length / 2] = v[length - 1];
    s.lengths[b] = (length + 1) / 2;
  }
  return true;
}

// Σ_i digit_i·bases[i] over [begin, end) of one window: the points sorted into buckets,
// each bucket summed in affine coordinates by rounds of batched additions, then
// Σ_k k·B_k by a running sum.
template <class Curve>
JacobianPoint<Curve> WindowSum(std::span<const AffinePoint<Curve>> bases,
                               const int32_t* digits, size_t begin, size_t end, int bits,
                               WindowScratch<Curve>& scratch) {
  using Point = JacobianPoint<Curve>;
  const size_t buckets = SortIntoBuckets(bases, digits, begin, end, bits, scratch);
  while (HalveBuckets(buckets, scratch)) {
  }
  Point running, sum;  // Σ_{j>=k} B_j, and Σ_k of those = Σ_k k·B_k
  for (size_t k = buckets; k-- > 0;) {
    if (scratch.lengths[k] == 1) running = running + scratch.points[scratch.offsets[k]];
    if (!running.IsInfinity()) sum = sum + running;
  }
  return sum;
}

size_t ChunksPerWindow(size_t n, int windows, ThreadPool* pool) {
  if (pool == nullptr) return 1;
  const size_t wanted = (pool->size() + 1) * kTasksPerThread;
  const size_t w = static_cast<size_t>(windows);
  if (w >= wanted) return 1;
  const size_t chunks = (wanted + w - 1) / w;
  return std::max<size_t>(1, std::min(chunks, n / kMinParallelPoints));
}

}  // namespace

int MsmWindowBits(size_t n) {
  if (n <= 1) return 1;
  int best = 1;
  double best_cost = 0;
  for (int c = 1; c <= 20; ++c) {
    const double cost = WindowCount(c) * (static_cast<double>(n) * kPointCost +
                                          static_cast<double>(size_t{1} << (c - 1)) * kBucketCost);
    if (c == 1 || cost < best_cost) {
      best = c;
      best_cost = cost;
    }
  }
  return best;
}

template <class Curve>
JacobianPoint<Curve> Msm(std::span<const AffinePoint<Curve>> bases,
                         std::span<const Fr> scalars, ThreadPool* pool, int window_bits) {
  using Point = JacobianPoint<Curve>;
  assert(bases.size() == scalars.size());
  assert(window_bits >= 0 && window_bits <= kMaxWindowBits);
  const size_t n = std::min(bases.size(), scalars.size());
  if (n == 0) return Point();
  if (n < kMinParallelPoints) pool = nullptr;
  const int bits = window_bits > 0 ? window_bits : MsmWindowBits(n);
  const int windows = WindowCount(bits);
  const std::vector<int32_t> digits = SignedDigits(scalars.first(n), bits, pool);
  const size_t chunks = ChunksPerWindow(n, windows, pool);
  const size_t chunk_points = (n + chunks - 1) / chunks;
  std::vector<Point> partial(static_cast<size_t>(windows) * chunks);
  // One worker a thread, each claiming tasks one at a time: ParallelFor's chunks of
  // several tasks left a thread idle for up to a chunk at the end (92 % of 2 cores with
  // 22 windows in chunks of 3).
  std::atomic<size_t> next_task{0};
  const size_t workers = pool == nullptr ? 1 : pool->size() + 1;
  ParallelForOrHere(pool, workers, 1, [&](size_t, size_t) {
    WindowScratch<Curve> scratch;
    for (size_t t = next_task++; t < partial.size(); t = next_task++) {
      const size_t w = t / chunks, begin = (t % chunks) * chunk_points;
      const size_t end = std::min(n, begin + chunk_points);
      if (begin < end) {
        partial[t] = WindowSum<Curve>(bases, &digits[w * n], begin, end, bits, scratch);
      }
    }
  });
  Point acc;
  for (size_t w = static_cast<size_t>(windows); w-- > 0;) {
    if (!acc.IsInfinity()) {
      for (int i = 0; i < bits; ++i) acc = acc.Double();
    }
    for (size_t c = 0; c < chunks; ++c) acc = acc + partial[w * chunks + c];
  }
  return acc;
}

template G1 Msm<G1Curve>(std::span<const G1Affine>, std::span<const Fr>, ThreadPool*, int);
template G2 Msm<G2Curve>(std::span<const G2Affine>, std::span<const Fr>, ThreadPool*, int);

G1 MsmG1(std::span<const G1Affine> bases, std::span<const Fr> scalars, ThreadPool* pool) {
  return Msm<G1Curve>(bases, scalars, pool);
}

G2 MsmG2(std::span<const G2Affine> bases, std::span<const Fr> scalars, ThreadPool* pool) {
  return Msm<G2Curve>(bases, scalars, pool);
}

}  // namespace chainaccel::bn254
