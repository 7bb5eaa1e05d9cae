#include "crypto/groth16/testing/insecure_setup.h"

#include <random>
#include <span>
#include <string>

#include "crypto/groth16/testing/fixed_base.h"

namespace chainaccel::groth16::testing {

namespace {

using bn254::G1Curve;
using bn254::G2Curve;

// Elements a chunk of a Lagrange basis or a scalar pass works on (one inversion each).
constexpr size_t kChunk = 1 << 14;
// snarkjs reads a 2^28 domain's H points from a different place in the ptau file.
constexpr int kMaxPower = bn254::kFrTwoAdicity - 1;

Fr PowerOfTwoPower(Fr x, int log_m) {
  for (int i = 0; i < log_m; ++i) x = x.Square();
  return x;
}

// z·x_i / (tau - x_i) for x_i = offset·step^i, i < count, z = (tau^m - 1) / m: the
// Lagrange basis polynomials of an m-point domain at tau, for the points x_i of it.
// When tau is a point of the domain, z = 0 and the basis is 1 at tau and 0 elsewhere.
std::vector<Fr> LagrangeTerms(const Fr& tau, int log_m, const Fr& offset, const Fr& step,
                              size_t count, ThreadPool* pool) {
  const Fr m = Fr::FromUint64(uint64_t{1} << log_m);
  const Fr z = (PowerOfTwoPower(tau, log_m) - Fr::One()) * m.InverseVar();
  std::vector<Fr> out(count);
  ForChunks(count, kChunk, pool, [&](size_t begin, size_t end) {
    const uint64_t first = begin;
    Fr x = offset * step.PowVar(std::span<const uint64_t>(&first, 1));
    std::vector<Fr> xs(end - begin), denominators(end - begin);
    for (size_t i = 0; i < xs.size(); ++i, x *= step) {
      xs[i] = x;
      denominators[i] = tau - x;
    }
    bn254::BatchInverseVar(std::span<Fr>(denominators));
    for (size_t i = 0; i < xs.size(); ++i) {
      out[begin + i] = denominators[i].IsZero() ? Fr::One() : z * xs[i] * denominators[i];
    }
  });
  return out;
}

void ScaleAll(std::vector<Fr>& values, const Fr& factor, ThreadPool* pool) {
  ForChunks(values.size(), kChunk, pool, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) values[i] *= factor;
  });
}

// acc[wire] += value·lagrange[constraint] over every term of `matrix`.
void Accumulate(const R1csMatrix& matrix, const std::vector<Fr>& lagrange,
                std::vector<Fr>* acc) {
  const size_t rows = matrix.row_start.size() - 1;
  for (size_t c = 0; c < rows; ++c) {
    for (const R1csTerm& t : matrix.Row(static_cast<uint32_t>(c))) {
      (*acc)[t.wire] += t.value * lagrange[c];
    }
  }
}

// u, v and k = beta·u + alpha·v + w of every signal at tau (see the header).
struct SignalValues {
  std::vector<Fr> u, v, k;
};

SignalValues EvaluateSignals(const R1cs& r1cs, const Trapdoor& t,
                             const std::vector<Fr>& lagrange) {
  SignalValues s;
  s.u.assign(r1cs.n_wires, Fr::Zero());
  s.v.assign(r1cs.n_wires, Fr::Zero());
  std::vector<Fr> w(r1cs.n_wires, Fr::Zero());
  Accumulate(r1cs.a, lagrange, &s.u);
  Accumulate(r1cs.b, lagrange, &s.v);
  Accumulate(r1cs.c, lagrange, &w);
  for (uint32_t p = 0; p <= r1cs.n_public(); ++p) s.u[p] += lagrange[r1cs.n_constraints + p];
  s.k.resize(r1cs.n_wires);
  for (uint32_t i = 0; i < r1cs.n_wires; ++i) s.k[i] = t.beta * s.u[i] + t.alpha * s.v[i] + w[i];
  return s;
}

// Section 4: the A and B entries row by row, then the appended rows' A entries.
std::vector<Coefficient> Coefficients(const R1cs& r1cs) {
  std::vector<Coefficient> out;
  out.reserve(r1cs.a.terms.size() + r1cs.b.terms.size() + r1cs.n_public() + 1);
  for (uint32_t c = 0; c < r1cs.n_constraints; ++c) {
    for (const R1csTerm& t : r1cs.a.Row(c)) out.push_back({0, c, t.wire, t.value});
    for (const R1csTerm& t : r1cs.b.Row(c)) out.push_back({1, c, t.wire, t.value});
  }
  for (uint32_t p = 0; p <= r1cs.n_public(); ++p) {
    out.push_back({0, r1cs.n_constraints + p, p, Fr::One()});
  }
  return out;
}

Status CheckSetupInputs(const R1cs& r1cs, const Trapdoor& t, int power) {
  for (const Fr* e : {&t.tau, &t.alpha, &t.beta, &t.gamma, &t.delta}) {
    if (e->IsZero()) return Status::InvalidArgument("insecure setup: a trapdoor element is zero");
  }
  if (power > kMaxPower) {
    return Status::InvalidArgument(
        "insecure setup: " + std::to_string(r1cs.n_constraints) + " constraints and " +
        std::to_string(r1cs.n_public()) + " public signals need a domain of 2^" +
        std::to_string(power) + " points; at most 2^" + std::to_string(kMaxPower) +
        " are supported");
  }
  return Status::Ok();
}

void FillHeaderPoints(const Trapdoor& t, ProvingKey* k) {
  const bn254::G1 g1 = bn254::G1::Generator();
  const bn254::G2 g2 = bn254::G2::Generator();
  k->alpha1 = g1.ScalarMulVar(t.alpha).ToAffine();
  k->beta1 = g1.ScalarMulVar(t.beta).ToAffine();
  k->delta1 = g1.ScalarMulVar(t.delta).ToAffine();
  k->beta2 = g2.ScalarMulVar(t.beta).ToAffine();
  k->gamma2 = g2.ScalarMulVar(t.gamma).ToAffine();
  k->delta2 = g2.ScalarMulVar(t.delta).ToAffine();
}

// Sections 3 and 5 to 9 from the signals' values and the H basis.
void FillKeyPoints(const R1cs& r1cs, const Trapdoor& t, SignalValues& s, std::vector<Fr>& h,
                   ThreadPool* pool, const SetupProgress& progress, ProvingKey* k) {
  const size_t n_vars = r1cs.n_wires, n_public = r1cs.n_public();
  const size_t g1_count = 3 * n_vars + h.size();
  if (progress) progress("tables");
  const FixedBaseTable<G1Curve> g1(G1Affine::Generator(), FixedBaseWindowBits(g1_count), pool);
  const FixedBaseTable<G2Curve> g2(G2Affine::Generator(), FixedBaseWindowBits(n_vars), pool);
  if (progress) progress("points");
  k->a.resize(n_vars);
  g1.MulMany(s.u, k->a, pool);
  k->b1.resize(n_vars);
  g1.MulMany(s.v, k->b1, pool);
  k->b2.resize(n_vars);
  g2.MulMany(s.v, k->b2, pool);
  std::vector<Fr> ic(s.k.begin(), s.k.begin() + n_public + 1);
  ScaleAll(ic, t.gamma.InverseVar(), nullptr);
  k->ic.resize(n_public + 1);
  g1.MulMany(ic, k->ic, nullptr);
  std::vector<Fr> c(s.k.begin() + n_public + 1, s.k.end());
  ScaleAll(c, t.delta.InverseVar(), pool);
  k->c.resize(c.size());
  g1.MulMany(c, k->c, pool);
  ScaleAll(h, t.delta.InverseVar(), pool);
  k->h.resize(h.size());
  g1.MulMany(h, k->h, pool);
}

}  // namespace

Trapdoor TrapdoorFromSeed(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto nonzero = [&] {
    for (;;) {
      const Fr e = Fr::FromU256Reduced({rng(), rng(), rng(), rng() >> 2});
      if (!e.IsZero()) return e;
    }
  };
  Trapdoor t;
  t.tau = nonzero();
  t.alpha = nonzero();
  t.beta = nonzero();
  t.gamma = nonzero();
  t.delta = nonzero();
  return t;
}

Trapdoor TrapdoorOfUncontributedCeremony() {
  return Trapdoor{Fr::One(), Fr::One(), Fr::One(), Fr::One(), Fr::One()};
}

int SnarkjsDomainPower(uint64_t constraints, uint64_t n_public) {
  const uint64_t v = constraints + n_public;
  return (v == 0 ? 0 : 63 - __builtin_clzll(v)) + 1;
}

std::vector<Fr> LagrangeBasisAt(const Fr& tau, int log_n, ThreadPool* pool) {
  return LagrangeTerms(tau, log_n, Fr::One(), bn254::FrRootOfUnity(log_n),
                       size_t{1} << log_n, pool);
}

std::vector<Fr> OddCosetLagrangeBasisAt(const Fr& tau, int log_n, ThreadPool* pool) {
  return LagrangeTerms(tau, log_n + 1, bn254::FrRootOfUnity(log_n + 1),
                       bn254::FrRootOfUnity(log_n), size_t{1} << log_n, pool);
}

Status InsecureSetup(const R1cs& r1cs, const Trapdoor& trapdoor, ThreadPool* pool,
                     ProvingKey* out, const SetupProgress& progress) {
  const int power = SnarkjsDomainPower(r1cs.n_constraints, r1cs.n_public());
  if (Status s = CheckSetupInputs(r1cs, trapdoor, power); !s.ok()) return s;
  ProvingKey k;
  k.n_vars = r1cs.n_wires;
  k.n_public = r1cs.n_public();
  k.power = power;
  k.domain_size = uint32_t{1} << power;
  if (progress) progress("lagrange");
  SignalValues signals;
  {
    const std::vector<Fr> lagrange = LagrangeBasisAt(trapdoor.tau, power, pool);
    if (progress) progress("qap");
    signals = EvaluateSignals(r1cs, trapdoor, lagrange);
  }
  k.coefficients = Coefficients(r1cs);
  std::vector<Fr> h = OddCosetLagrangeBasisAt(trapdoor.tau, power, pool);
  FillHeaderPoints(trapdoor, &k);
  FillKeyPoints(r1cs, trapdoor, signals, h, pool, progress, &k);
  *out = std::move(k);
  return Status::Ok();
}

}  // namespace chainaccel::groth16::testing
