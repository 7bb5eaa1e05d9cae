#include "crypto/groth16/verifier.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <utility>

namespace chainaccel::groth16 {

namespace {

using bn254::G1;
using bn254::U256;

std::string PointProblem(const G1Affine& p) {
  return p.IsOnCurve() ? std::string() : "not on the curve";
}

std::string PointProblem(const G2Affine& p) {
  if (!p.IsOnCurve()) return "not on the curve";
  if (!bn254::IsInSubgroupVar(p)) return "not in the subgroup of order r";
  return {};
}

// The checks before any pairing: the proof's points and the signals. Fills `signals`.
VerifyResult CheckItem(const VerifyingKey& vk, const Proof* proof,
                       std::span<const U256> public_signals, std::vector<Fr>* signals) {
  auto malformed = [](std::string reason) {
    return VerifyResult{Verdict::kMalformed, std::move(reason)};
  };
  if (proof == nullptr) return malformed("no proof");
  if (public_signals.size() != vk.n_public) {
    return malformed(std::to_string(public_signals.size()) +
                     " public signals, the key expects nPublic = " +
                     std::to_string(vk.n_public));
  }
  if (std::string p = PointProblem(proof->a); !p.empty()) return malformed("pi_a: " + p);
  if (std::string p = PointProblem(proof->b); !p.empty()) return malformed("pi_b: " + p);
  if (std::string p = PointProblem(proof->c); !p.empty()) return malformed("pi_c: " + p);
  signals->resize(public_signals.size());
  for (size_t i = 0; i < public_signals.size(); ++i) {
    std::optional<Fr> s = Fr::FromCanonical(public_signals[i]);
    if (!s) return malformed("public signal " + std::to_string(i) + " is >= r");
    (*signals)[i] = *s;
  }
  return {Verdict::kValid, {}};
}

// sum_i scalars[i]·IC[i+1] + ic0_scalar·IC[0].
G1 LinearCombination(const VerifyingKey& vk, const Fr& ic0_scalar, std::span<const Fr> scalars) {
  G1 acc = G1::FromAffine(vk.ic[0]).ScalarMulVar(ic0_scalar);
  for (size_t i = 0; i < scalars.size(); ++i) {
    acc = acc + G1::FromAffine(vk.ic[i + 1]).ScalarMulVar(scalars[i]);
  }
  return acc;
}

// The pairing product for already-checked G1 points (alpha side, vk_x side, C side) with
// the key's prepared beta, gamma, delta, times prod e(minus_a[j], b[j]).
bool ProductIsOne(const PreparedVerifyingKey& key, const std::array<G1, 3>& fixed_side,
                  std::span<const G1Affine> minus_a, std::span<const G2Affine> b) {
  std::array<G1Affine, 3> ps;
  bn254::BatchToAffine<bn254::G1Curve>(fixed_side, ps);
  bn254::Fp12 f = bn254::MillerLoop(ps, key.fixed_g2());
  f *= bn254::MillerLoop(minus_a, b);
  return bn254::FinalExponentiation(f).IsOne();
}

// 64-bit SplitMix64 (Steele, Lea, Flood 2014): the seeded stream of the batch scalars.
uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Status OsRandom(std::span<uint64_t> out) {
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  size_t left = out.size_bytes();
  while (left > 0) {
    const ssize_t n = getrandom(bytes, left, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal("getrandom failed: errno " + std::to_string(errno));
    }
    bytes += n;
    left -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

// count scalars rho_j in [1, 2^128), rho_0 = 1, as Fr elements.
Status BatchScalars(size_t count, const BatchRandomness& randomness, std::vector<Fr>* out) {
  std::vector<uint64_t> limbs(2 * count);
  uint64_t state = randomness.seed.value_or(0);
  for (;;) {
    if (randomness.seed) {
      for (uint64_t& l : limbs) l = SplitMix64(&state);
    } else if (Status s = OsRandom(limbs); !s.ok()) {
      return s;
    }
    bool any_zero = false;
    out->assign(count, Fr::One());
    for (size_t j = 1; j < count; ++j) {
      const U256 v{limbs[2 * j], limbs[2 * j + 1], 0, 0};
      any_zero |= bn254::bigint::IsZero(v);
      (*out)[j] = Fr::FromCanonicalUnchecked(v);
    }
    if (!any_zero) return Status::Ok();  // a zero has probability 2^-128 per scalar
  }
}

// The batch's random linear combination, for the items `good` (all passed CheckItem,
// their signals in `signals`) with the scalars `rho` (one per item of `good`):
// prod_k e(-rho_k·A_k, B_k) · e(sum rho·alpha1, beta2) · e(sum rho·vk_x, gamma2)
// · e(sum rho·C, delta2) == 1.
bool CombinationIsOne(const PreparedVerifyingKey& key, std::span<const BatchItem> items,
                      const std::vector<std::vector<Fr>>& signals,
                      const std::vector<size_t>& good, const std::vector<Fr>& rho) {
  const VerifyingKey& vk = key.key();
  Fr rho_sum = Fr::Zero();
  std::vector<Fr> ic_scalars(vk.n_public, Fr::Zero());  // sum_k rho_k·s_ki
  G1 c_sum = G1::Infinity();
  std::vector<G1> minus_a(good.size());
  std::vector<G2Affine> b(good.size());
  for (size_t k = 0; k < good.size(); ++k) {
    const Proof& proof = *items[good[k]].proof;
    rho_sum += rho[k];
    for (size_t i = 0; i < vk.n_public; ++i) ic_scalars[i] += rho[k] * signals[good[k]][i];
    c_sum = c_sum + G1::FromAffine(proof.c).ScalarMulVar(rho[k]);
    minus_a[k] = G1::FromAffine(-proof.a).ScalarMulVar(rho[k]);
    b[k] = proof.b;
  }
  std::vector<G1Affine> minus_a_affine(good.size());
  bn254::BatchToAffine<bn254::G1Curve>(minus_a, minus_a_affine);
  const std::array<G1, 3> fixed_side = {G1::FromAffine(vk.alpha1).ScalarMulVar(rho_sum),
                                        LinearCombination(vk, rho_sum, ic_scalars), c_sum};
  return ProductIsOne(key, fixed_side, minus_a_affine, b);
}

}  // namespace

Status PreparedVerifyingKey::Prepare(const VerifyingKey& vk, PreparedVerifyingKey* out) {
  auto bad = [](const std::string& what, const std::string& problem) {
    return Status::InvalidArgument("verification key: " + what + ": " + problem);
  };
  if (vk.ic.size() != vk.n_public + 1ull) {
    return bad("IC", std::to_string(vk.ic.size()) + " points, expected nPublic + 1 = " +
                         std::to_string(vk.n_public + 1ull));
  }
  if (std::string p = PointProblem(vk.alpha1); !p.empty()) return bad("vk_alpha_1", p);
  if (std::string p = PointProblem(vk.beta2); !p.empty()) return bad("vk_beta_2", p);
  if (std::string p = PointProblem(vk.gamma2); !p.empty()) return bad("vk_gamma_2", p);
  if (std::string p = PointProblem(vk.delta2); !p.empty()) return bad("vk_delta_2", p);
  for (size_t i = 0; i < vk.ic.size(); ++i) {
    if (std::string p = PointProblem(vk.ic[i]); !p.empty()) {
      return bad("IC[" + std::to_string(i) + "]", p);
    }
  }
  PreparedVerifyingKey key;
  key.vk_ = vk;
  key.fixed_g2_ = {bn254::PrepareG2(vk.beta2), bn254::PrepareG2(vk.gamma2),
                   bn254::PrepareG2(vk.delta2)};
  *out = std::move(key);
  return Status::Ok();
}

VerifyResult Verify(const PreparedVerifyingKey& key, const Proof& proof,
                    std::span<const U256> public_signals) {
  const VerifyingKey& vk = key.key();
  std::vector<Fr> signals;
  VerifyResult checked = CheckItem(vk, &proof, public_signals, &signals);
  if (checked.verdict != Verdict::kValid) return checked;
  const std::array<G1, 3> fixed_side = {G1::FromAffine(vk.alpha1),
                                        LinearCombination(vk, Fr::One(), signals),
                                        G1::FromAffine(proof.c)};
  const G1Affine minus_a = -proof.a;
  if (ProductIsOne(key, fixed_side, {&minus_a, 1}, {&proof.b, 1})) return {Verdict::kValid, {}};
  return {Verdict::kInvalid, "the pairing check fails"};
}

Status BatchVerify(const PreparedVerifyingKey& key, std::span<const BatchItem> items,
                   const BatchRandomness& randomness, std::vector<VerifyResult>* out) {
  std::vector<VerifyResult> results(items.size());
  std::vector<std::vector<Fr>> signals(items.size());
  std::vector<size_t> good;
  for (size_t j = 0; j < items.size(); ++j) {
    results[j] = CheckItem(key.key(), items[j].proof, items[j].public_signals, &signals[j]);
    if (results[j].verdict == Verdict::kValid) good.push_back(j);
  }
  std::vector<Fr> rho;
  if (Status s = BatchScalars(good.size(), randomness, &rho); !s.ok()) return s;
  if (!good.empty() && !CombinationIsOne(key, items, signals, good, rho)) {
    for (size_t j : good) results[j] = Verify(key, *items[j].proof, items[j].public_signals);
  }
  *out = std::move(results);
  return Status::Ok();
}

}  // namespace chainaccel::groth16
