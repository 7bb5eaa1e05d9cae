// Multi-scalar multiplication Σ_i scalars[i]·bases[i] on BN254's G1 and G2 (Pippenger's
// bucket method), the bulk of a Groth16 prover's work (crypto/groth16/prover.h).
//
// Algorithm. Each scalar's canonical integer (< r < 2^254) is cut into windows of c bits
// recoded as signed digits d in [-2^(c-1), 2^(c-1)] (a digit above 2^(c-1) becomes
// d - 2^c and carries one into the next window), so a window needs 2^(c-1) buckets and
// -P costs a negation. Per window, bases[i] goes into bucket |d| - 1, negated when
// d < 0; the buckets are then summed as Σ_k k·B_k by a running sum (2 additions a
// bucket); the window sums are combined by Horner's rule (c doublings a window). Zero digits and bases at infinity are skipped,
// so sparse and small scalars (0 and 1, common in circom witnesses) cost little. Every
// case of the group law (P + P in a bucket, P + (-P), infinity) goes through the
// branches of curve.h's additions: repeated bases are correct.
//
// Buckets are summed in affine coordinates: the window's points are sorted by bucket
// (counting sort), then in rounds every bucket's points 2k and 2k+1 are added into
// point k, all the round's additions sharing one field inversion (Montgomery's trick;
// for G2 over the Fp norms of the Fp2 denominators): 5M + 1S an addition instead of the
// 7M + 4S of a mixed Jacobian one (measured 1.6 to 1.9 times faster a window). The
// buckets' sum then uses Jacobian additions.
//
// Window width c (MsmWindowBits): the c minimising (⌊254/c⌋ + 1)·(n·160 + 2^(c-1)·800),
// ns per point and per bucket fitted to bench/groth16_prove_bench.cc's window sweep
// (msm.cc; bench/RESULTS.md, issue 13).
//
// Threads. The (window, chunk of points) pairs are independent tasks, each summing its
// own buckets; one worker a thread of `pool` (core/thread_pool.h: ParallelFor, the
// caller takes part) claims them one at a time. Points are cut into chunks only when
// there are fewer windows than 4 tasks a thread.
// pool == nullptr: the calling thread only. Memory: 4 bytes a digit (n·(⌊254/c⌋ + 1))
// plus, per running task, a copy of its points sorted by bucket (72 bytes a G1 point,
// 136 a G2 point) and half as many field elements twice for the inversions: about
// 1.1 GB for a G1 MSM of 2^22 points on 2 threads (c = 17: 0.25 GB of digits, 0.44 GB
// a task).
//
// Contract. REQUIRES: bases.size() == scalars.size(); bases on the curve (for G2 in the
// subgroup, as ReadZkey checks); any scalars (0, 1, r - 1 ...). n = 0 gives the point at
// infinity. Thread-safe (no shared state). Variable-time in the scalars and the bases:
// for public data or provers whose timing is not secret (docs/zk.md, "Prover").
#pragma once

#include <cstddef>
#include <span>

#include "crypto/bn254/curve.h"
#include "crypto/bn254/field.h"

namespace chainaccel {
class ThreadPool;
}

namespace chainaccel::bn254 {

// The window width Pippenger uses for n points (model above), 1 for n <= 1.
int MsmWindowBits(size_t n);

G1 MsmG1(std::span<const G1Affine> bases, std::span<const Fr> scalars, ThreadPool* pool);
G2 MsmG2(std::span<const G2Affine> bases, std::span<const Fr> scalars, ThreadPool* pool);

// The same with an explicit window width (benchmarks, tests); window_bits == 0 chooses
// MsmWindowBits(n). REQUIRES: 0 <= window_bits <= 24.
template <class Curve>
JacobianPoint<Curve> Msm(std::span<const AffinePoint<Curve>> bases,
                         std::span<const Fr> scalars, ThreadPool* pool, int window_bits = 0);

extern template G1 Msm<G1Curve>(std::span<const G1Affine>, std::span<const Fr>, ThreadPool*,
                                int);
extern template G2 Msm<G2Curve>(std::span<const G2Affine>, std::span<const Fr>, ThreadPool*,
                                int);

}  // namespace chainaccel::bn254
