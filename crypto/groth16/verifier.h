// The Groth16 verifier of snarkjs's bn128 protocol (snarkjs src/groth16_verify.js):
//
//   vk_x = IC[0] + sum_i s_i·IC[i]          (s_i the public signals, i = 1..nPublic)
//   accept  iff  e(-A, B) · e(alpha1, beta2) · e(vk_x, gamma2) · e(C, delta2) == 1
//
// with every point checked first: A and C on the curve, B on the twist and in the
// subgroup of order r (snarkjs checks the curve only; the pairing is only defined on the
// subgroup, so a B outside it is refused here), every signal < r, exactly nPublic of
// them. A key is checked once, when it is prepared.
//
// Batches of proofs for one key are checked with one random linear combination
// (BatchVerify): for scalars rho_j,
//   prod_j e(-rho_j·A_j, B_j) · e(sum_j rho_j·alpha1, beta2) · e(sum_j rho_j·vk_x_j, gamma2)
//       · e(sum_j rho_j·C_j, delta2) == 1,
// n + 3 Miller loops and one final exponentiation instead of 4n and n. Soundness: rho_1
// = 1 and the others are uniform in [1, 2^128); if some proof j fails its own check,
// its factor is a GT element X_j != 1 of prime order r, and for any fixed choice of the
// other scalars at most one value of rho_j mod r makes the product 1, so a batch with
// a bad proof passes with probability at most 1/(2^128 - 1) per batch. That bound holds
// when the scalars are unpredictable to whoever made the proofs: OS randomness
// (getrandom) by default. A caller-provided 64-bit seed (reproducible tests) makes the
// scalars a function of the seed: anyone who knows or guesses it (2^64 tries at most)
// can make a batch with bad proofs pass, so a seed is for tests and benchmarks, never for
// proofs from an adversary. A batch that fails is re-checked proof by proof, so the
// per-proof verdicts never depend on the randomness except with that probability.
//
// Thread-safe: a PreparedVerifyingKey is immutable after Prepare and may be shared.
// Nothing is constant-time (public data only).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "crypto/bn254/bigint.h"
#include "crypto/bn254/pairing.h"
#include "crypto/groth16/keys.h"

namespace chainaccel::groth16 {

enum class Verdict {
  kValid,      // the pairing check holds
  kInvalid,    // well-formed, but the pairing check fails
  kMalformed,  // a point off the curve or outside the subgroup, a signal >= r, a wrong
               // number of signals: refused before any pairing
};

struct VerifyResult {
  Verdict verdict = Verdict::kMalformed;
  std::string reason;  // empty for kValid; otherwise what failed ("pi_b: not in the subgroup")
};

// A verifying key checked and with its G2 points' Miller-loop lines computed once.
class PreparedVerifyingKey {
 public:
  // INVALID_ARGUMENT naming the point when a key point is not on its curve, a G2 point
  // is not in the subgroup, or ic.size() != n_public + 1.
  static Status Prepare(const VerifyingKey& vk, PreparedVerifyingKey* out);

  const VerifyingKey& key() const { return vk_; }
  // beta2, gamma2, delta2 prepared, in that order (the pairs of alpha1, vk_x and C).
  std::span<const bn254::G2Prepared> fixed_g2() const { return fixed_g2_; }

 private:
  VerifyingKey vk_;
  std::vector<bn254::G2Prepared> fixed_g2_;
};

// Checks one proof: the verdict and, when not kValid, the reason.
VerifyResult Verify(const PreparedVerifyingKey& key, const Proof& proof,
                    std::span<const bn254::U256> public_signals);

// Where BatchVerify's scalars come from.
struct BatchRandomness {
  // Unset: the OS (getrandom). Set: a deterministic stream from this seed (tests only;
  // see the soundness note above).
  std::optional<uint64_t> seed;
};

struct BatchItem {
  const Proof* proof = nullptr;
  std::span<const bn254::U256> public_signals;
};

// Checks proofs of one key; out[j] is proof j's verdict (the same verdict Verify gives,
// with the probability bound above). Malformed items are set aside first; the rest are
// checked as one random linear combination; when that fails, each is checked alone.
// Returns INTERNAL only when the OS cannot supply randomness (then `out` is unchanged).
Status BatchVerify(const PreparedVerifyingKey& key, std::span<const BatchItem> items,
                   const BatchRandomness& randomness, std::vector<VerifyResult>* out);

}  // namespace chainaccel::groth16
