#include "crypto/groth16/prover.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "core/parallel_for.h"
#include "core/thread_pool.h"
#include "crypto/bn254/msm.h"
#include "crypto/bn254/ntt.h"

namespace chainaccel::groth16 {
namespace {

using bn254::FrNttDomain;
using bn254::G1;
using bn254::G2;

// Below this many elements a ParallelFor costs more than it saves.
constexpr size_t kParallelGrain = size_t{1} << 12;

// The point sections' sizes of keys.h (ReadZkey guarantees them; a key built by hand may
// not have them).
Status CheckSectionSizes(const ProvingKey& key) {
  const size_t n_vars = key.n_vars;
  if (key.n_public >= key.n_vars || key.a.size() != n_vars || key.b1.size() != n_vars ||
      key.b2.size() != n_vars || key.c.size() != n_vars - key.n_public - 1 ||
      key.h.size() != key.domain_size) {
    return Status::InvalidArgument(
        "prover: the key's A, B1, B2, C or H section does not have the size nVars, "
        "nPublic and domainSize give");
  }
  return Status::Ok();
}

Status CheckKeyShape(const ProvingKey& key, size_t witness_size) {
  if (Status s = CheckSectionSizes(key); !s.ok()) return s;
  if (witness_size != key.n_vars) {
    return Status::InvalidArgument("prover: " + std::to_string(witness_size) +
                                   " witness values, but the circuit's nVars is " +
                                   std::to_string(key.n_vars));
  }
  if (key.power < 0 || key.power > bn254::kFrTwoAdicity ||
      key.domain_size != (uint64_t{1} << key.power)) {
    return Status::InvalidArgument("prover: domainSize " + std::to_string(key.domain_size) +
                                   " is not 2^power with power <= 28");
  }
  for (size_t i = 0; i < key.coefficients.size(); ++i) {
    const Coefficient& c = key.coefficients[i];
    if (c.matrix > 1 || c.constraint >= key.domain_size || c.signal >= key.n_vars) {
      return Status::InvalidArgument("prover: coefficient " + std::to_string(i) +
                                     " is out of range (matrix, constraint or signal)");
    }
  }
  return Status::Ok();
}

// a and b, the rows' evaluations of the A and B matrices at the witness; c = a·b.
void BuildAbc(const ProvingKey& key, std::span<const Fr> witness, ThreadPool* pool,
              std::vector<Fr>* a, std::vector<Fr>* b, std::vector<Fr>* c) {
  a->assign(key.domain_size, Fr::Zero());
  b->assign(key.domain_size, Fr::Zero());
  c->resize(key.domain_size);
  ParallelForOrHere(pool, 2, 1, [&](size_t first, size_t last) {
    for (size_t matrix = first; matrix < last; ++matrix) {
      std::vector<Fr>& out = matrix == 0 ? *a : *b;
      for (const Coefficient& coef : key.coefficients) {
        if (coef.matrix == matrix) out[coef.constraint] += coef.value * witness[coef.signal];
      }
    }
  });
  ParallelForOrHere(pool, key.domain_size, kParallelGrain, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) (*c)[i] = (*a)[i] * (*b)[i];
  });
}

// Values on the domain -> values on the coset inc·<w>: snarkjs's ifft, batchApplyKey, fft.
void ToOddCoset(const FrNttDomain& domain, const Fr& inc, std::vector<Fr>& values,
                ThreadPool* pool) {
  domain.Inverse(values, pool);
  bn254::MultiplyByPowers(values, Fr::One(), inc, pool);
  domain.Forward(values, pool);
}

Fr RandomFrFromOs() {
  for (;;) {
    bn254::U256 limbs;
    auto* bytes = reinterpret_cast<uint8_t*>(limbs.data());
    size_t got = 0;
    while (got < sizeof(limbs)) {
      const ssize_t n = getrandom(bytes + got, sizeof(limbs) - got, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        // No proof may go out with predictable r, s; Linux's getrandom does not fail
        // once the pool is initialised, so this is an unusable system.
        std::perror("prover: getrandom");
        std::abort();
      }
      got += static_cast<size_t>(n);
    }
    limbs[3] &= (uint64_t{1} << 62) - 1;  // 254 bits: r < 2^254, accepted ~76% of draws
    if (auto f = Fr::FromCanonical(limbs)) return *f;
  }
}

}  // namespace

ProverRandomness RandomProverRandomness() {
  ProverRandomness rs;
  rs.r = RandomFrFromOs();
  rs.s = RandomFrFromOs();
  return rs;
}

Status ComputeHCoset(const ProvingKey& key, std::span<const Fr> witness, ThreadPool* pool,
                     std::vector<Fr>* h) {
  if (Status s = CheckKeyShape(key, witness.size()); !s.ok()) return s;
  std::vector<Fr> a, b, c;
  BuildAbc(key, witness, pool, &a, &b, &c);
  const FrNttDomain domain(key.power, pool);
  const Fr inc = key.power == bn254::kFrTwoAdicity ? bn254::FrCosetShift()
                                                   : bn254::FrRootOfUnity(key.power + 1);
  ToOddCoset(domain, inc, a, pool);
  ToOddCoset(domain, inc, b, pool);
  ToOddCoset(domain, inc, c, pool);
  ParallelForOrHere(pool, key.domain_size, kParallelGrain, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) a[i] = a[i] * b[i] - c[i];
  });
  *h = std::move(a);
  return Status::Ok();
}

ProofMsms ComputeMsmsCpu(const ProvingKey& key, std::span<const Fr> witness,
                         std::span<const Fr> h, ThreadPool* pool) {
  ProofMsms msms;
  msms.a = bn254::MsmG1(key.a, witness, pool);
  msms.b1 = bn254::MsmG1(key.b1, witness, pool);
  msms.b2 = bn254::MsmG2(key.b2, witness, pool);
  msms.c = bn254::MsmG1(key.c, witness.subspan(key.n_public + 1), pool);
  msms.h = bn254::MsmG1(key.h, h, pool);
  return msms;
}

Proof AssembleProof(const ProvingKey& key, const ProofMsms& msms, const ProverRandomness& rs) {
  const G1 delta1 = G1::FromAffine(key.delta1);
  const G1 pi_a = msms.a + key.alpha1 + delta1.ScalarMulVar(rs.r);
  const G2 pi_b = msms.b2 + key.beta2 + G2::FromAffine(key.delta2).ScalarMulVar(rs.s);
  const G1 pib1 = msms.b1 + key.beta1 + delta1.ScalarMulVar(rs.s);
  const G1 pi_c = msms.c + msms.h + pi_a.ScalarMulVar(rs.s) + pib1.ScalarMulVar(rs.r) +
                  delta1.ScalarMulVar(-(rs.r * rs.s));
  return Proof{pi_a.ToAffine(), pi_b.ToAffine(), pi_c.ToAffine()};
}

Status Prove(const ProvingKey& key, const Witness& witness, const ProveOptions& options,
             Proof* proof, std::vector<Fr>* public_signals) {
  if (Status s = CheckWitnessForKey(key, witness); !s.ok()) return s;
  std::vector<Fr> h;
  if (Status s = ComputeHCoset(key, witness.values, options.pool, &h); !s.ok()) return s;
  const ProofMsms msms = ComputeMsmsCpu(key, witness.values, h, options.pool);
  const ProverRandomness rs = options.fixed_randomness.has_value()
                                  ? *options.fixed_randomness
                                  : RandomProverRandomness();
  *proof = AssembleProof(key, msms, rs);
  public_signals->assign(witness.values.begin() + 1,
                         witness.values.begin() + 1 + key.n_public);
  return Status::Ok();
}

}  // namespace chainaccel::groth16
