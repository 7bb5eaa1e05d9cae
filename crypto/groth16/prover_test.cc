// The prover on a random satisfiable R1CS with a setup whose trapdoor (tau, alpha, beta,
// gamma, delta) the test knows, built as snarkjs's `groth16 setup` lays out a .zkey (the
// A, B1, B2 points, IC and C from the QAP at tau, H = L^{2n}_{2j+1}(tau)/delta, the
// nPublic + 1 rows snarkjs appends): h against the polynomials evaluated directly on the
// odd coset; pi_a and pi_b against their trapdoor scalars; proofs accepted by our
// verifier, also with r = s = 0 and across thread counts; tampered proofs, wrong signals
// and an unsatisfied witness refused; witness length and first-value errors give
// INVALID_ARGUMENT. tests/zk/groth16_prove.mjs holds the prover to snarkjs byte for byte.
#include "crypto/groth16/prover.h"

#include <catch2/catch.hpp>

#include <vector>

#include "core/thread_pool.h"
#include "crypto/bn254/ntt.h"
#include "crypto/groth16/testing/snark_files.h"
#include "crypto/groth16/verifier.h"
#include "tests/support/random.h"

namespace chainaccel::groth16 {
namespace {

using bn254::G1;
using bn254::G2;
using bn254::U256;

struct Term {
  uint32_t signal;
  Fr value;
};
// One R1CS row: (Σ a)·(Σ b) = w[output].
struct Row {
  std::vector<Term> a, b;
  uint32_t output;
};

struct Circuit {
  uint32_t n_vars = 0, n_public = 0;
  std::vector<Row> rows;
  std::vector<Fr> witness;
};

Fr Eval(const std::vector<Term>& terms, const std::vector<Fr>& w) {
  Fr acc;
  for (const Term& t : terms) acc += t.value * w[t.signal];
  return acc;
}

std::vector<Term> RandomTerms(uint32_t below, std::mt19937_64& rng) {
  std::vector<Term> terms;
  const size_t count = 1 + rng() % 3;
  for (size_t k = 0; k < count; ++k) {
    terms.push_back({static_cast<uint32_t>(rng() % below), testing::RandomFr(rng)});
  }
  return terms;
}

// Signals 0 (= 1) and the last two (free private inputs) are chosen; every other signal
// is the output of one row over signals before it or the free ones.
Circuit RandomCircuit(uint32_t n_vars, uint32_t n_public, std::mt19937_64& rng) {
  Circuit c{n_vars, n_public, {}, std::vector<Fr>(n_vars)};
  c.witness[0] = Fr::One();
  c.witness[n_vars - 1] = testing::RandomFr(rng);
  c.witness[n_vars - 2] = testing::RandomFr(rng);
  for (uint32_t t = 1; t + 2 < n_vars; ++t) {
    Row row{RandomTerms(t, rng), RandomTerms(t, rng), t};
    if (rng() % 2) row.a.push_back({n_vars - 1, testing::RandomFr(rng)});
    c.witness[t] = Eval(row.a, c.witness) * Eval(row.b, c.witness);
    c.rows.push_back(row);
  }
  return c;
}

// The QAP's polynomials of every signal at tau, on the 2^power-row domain.
struct Qap {
  std::vector<Fr> u, v, w;  // A_i(tau), B_i(tau), C_i(tau)
};

// L_j(tau) for the 2^log_n-point domain: w^j·(tau^n - 1) / (n·(tau - w^j)).
Fr Lagrange(int log_n, uint64_t j, const Fr& tau) {
  const uint64_t n = uint64_t{1} << log_n;
  const Fr wj = bn254::FrRootOfUnity(log_n).PowVar(std::span<const uint64_t>(&j, 1));
  const Fr zt = tau.PowVar(std::span<const uint64_t>(&n, 1)) - Fr::One();
  return wj * zt * (Fr::FromUint64(n) * (tau - wj)).InverseVar();
}

struct TrapdoorKey {
  Fr tau, alpha, beta, gamma, delta;
  Qap qap;
  ProvingKey key;
};

std::vector<Coefficient> Coefficients(const Circuit& c) {
  std::vector<Coefficient> out;
  for (uint32_t m = 0; m < 2; ++m) {
    for (uint32_t row = 0; row < c.rows.size(); ++row) {
      for (const Term& t : m == 0 ? c.rows[row].a : c.rows[row].b) {
        out.push_back({m, row, t.signal, t.value});
      }
    }
    // snarkjs's extra rows: A[rows + i][i] = 1 for the constant and the public signals.
    for (uint32_t i = 0; m == 0 && i <= c.n_public; ++i) {
      out.push_back({0, static_cast<uint32_t>(c.rows.size()) + i, i, Fr::One()});
    }
  }
  return out;
}

Qap EvaluateQap(const Circuit& c, const std::vector<Coefficient>& coefficients, int power,
                const Fr& tau) {
  Qap q{std::vector<Fr>(c.n_vars), std::vector<Fr>(c.n_vars), std::vector<Fr>(c.n_vars)};
  for (const Coefficient& k : coefficients) {
    (k.matrix == 0 ? q.u : q.v)[k.signal] += k.value * Lagrange(power, k.constraint, tau);
  }
  for (uint32_t row = 0; row < c.rows.size(); ++row) {
    q.w[c.rows[row].output] += Lagrange(power, row, tau);
  }
  return q;
}

G1Affine G1Of(const Fr& k) { return G1::Generator().ScalarMulVar(k).ToAffine(); }
G2Affine G2Of(const Fr& k) { return G2::Generator().ScalarMulVar(k).ToAffine(); }

TrapdoorKey MakeTrapdoorKey(const Circuit& c, std::mt19937_64& rng) {
  TrapdoorKey t{testing::RandomFr(rng), testing::RandomFr(rng), testing::RandomFr(rng),
                testing::RandomFr(rng), testing::RandomFr(rng), {}, {}};
  ProvingKey& key = t.key;
  key.n_vars = c.n_vars;
  key.n_public = c.n_public;
  while ((uint64_t{1} << key.power) < c.rows.size() + c.n_public + 1) ++key.power;
  key.domain_size = 1u << key.power;
  key.coefficients = Coefficients(c);
  t.qap = EvaluateQap(c, key.coefficients, key.power, t.tau);
  key.alpha1 = G1Of(t.alpha);
  key.beta1 = G1Of(t.beta);
  key.delta1 = G1Of(t.delta);
  key.beta2 = G2Of(t.beta);
  key.gamma2 = G2Of(t.gamma);
  key.delta2 = G2Of(t.delta);
  const Fr gamma_inv = t.gamma.InverseVar(), delta_inv = t.delta.InverseVar();
  for (uint32_t i = 0; i < c.n_vars; ++i) {
    key.a.push_back(G1Of(t.qap.u[i]));
    key.b1.push_back(G1Of(t.qap.v[i]));
    key.b2.push_back(G2Of(t.qap.v[i]));
    const Fr k = t.beta * t.qap.u[i] + t.alpha * t.qap.v[i] + t.qap.w[i];
    if (i <= c.n_public) key.ic.push_back(G1Of(k * gamma_inv));
    else key.c.push_back(G1Of(k * delta_inv));
  }
  for (uint32_t j = 0; j < key.domain_size; ++j) {
    key.h.push_back(G1Of(Lagrange(key.power + 1, 2 * j + 1, t.tau) * delta_inv));
  }
  return t;
}

struct Fixture {
  explicit Fixture(const char* name, uint32_t n_vars = 14, uint32_t n_public = 3)
      : rng(chainaccel::testing::MakeRng(name)),
        circuit(RandomCircuit(n_vars, n_public, rng)),
        setup(MakeTrapdoorKey(circuit, rng)) {
    REQUIRE(PreparedVerifyingKey::Prepare(setup.key.ToVerifyingKey(), &vk).ok());
  }
  Witness witness() const { return Witness{circuit.witness}; }
  Verdict Check(const Proof& proof, const std::vector<Fr>& signals) const {
    std::vector<U256> canonical;
    for (const Fr& s : signals) canonical.push_back(s.ToCanonical());
    return Verify(vk, proof, canonical).verdict;
  }

  std::mt19937_64 rng;
  Circuit circuit;
  TrapdoorKey setup;
  PreparedVerifyingKey vk;
};

// p(x) = Σ_k coefficients[k]·x^k.
Fr Horner(const std::vector<Fr>& coefficients, const Fr& x) {
  Fr acc;
  for (size_t k = coefficients.size(); k-- > 0;) acc = acc * x + coefficients[k];
  return acc;
}

TEST_CASE("h on the odd coset equals A·B - C evaluated there directly", "[prover]") {
  Fixture f("prover h coset");
  const ProvingKey& key = f.setup.key;
  std::vector<Fr> h;
  REQUIRE(ComputeHCoset(key, f.circuit.witness, nullptr, &h).ok());
  REQUIRE(h.size() == key.domain_size);
  std::vector<Fr> a(key.domain_size), b(key.domain_size);
  for (const Coefficient& k : key.coefficients) {
    (k.matrix == 0 ? a : b)[k.constraint] += k.value * f.circuit.witness[k.signal];
  }
  std::vector<Fr> c(key.domain_size);
  for (size_t i = 0; i < c.size(); ++i) c[i] = a[i] * b[i];
  bn254::NttInverse(a);  // coefficients; ntt_test.cc holds the NTT to the naive DFT
  bn254::NttInverse(b);
  bn254::NttInverse(c);
  const Fr w2n = bn254::FrRootOfUnity(key.power + 1);
  for (uint64_t j = 0; j < key.domain_size; ++j) {
    const uint64_t e = 2 * j + 1;
    const Fr x = w2n.PowVar(std::span<const uint64_t>(&e, 1));
    CHECK(h[j] == Horner(a, x) * Horner(b, x) - Horner(c, x));
  }
}

TEST_CASE("pi_a and pi_b carry the trapdoor scalars", "[prover]") {
  Fixture f("prover trapdoor scalars");
  const ProverRandomness rs{testing::RandomFr(f.rng), testing::RandomFr(f.rng)};
  Proof proof;
  std::vector<Fr> signals;
  REQUIRE(Prove(f.setup.key, f.witness(), {nullptr, rs}, &proof, &signals).ok());
  Fr a_tau, b_tau;
  for (uint32_t i = 0; i < f.circuit.n_vars; ++i) {
    a_tau += f.circuit.witness[i] * f.setup.qap.u[i];
    b_tau += f.circuit.witness[i] * f.setup.qap.v[i];
  }
  CHECK(proof.a == G1Of(f.setup.alpha + a_tau + rs.r * f.setup.delta));
  CHECK(proof.b == G2Of(f.setup.beta + b_tau + rs.s * f.setup.delta));
  CHECK(signals == std::vector<Fr>(f.circuit.witness.begin() + 1,
                                   f.circuit.witness.begin() + 1 + f.circuit.n_public));
}

TEST_CASE("proofs verify: OS randomness, fixed, r = s = 0, any thread count", "[prover]") {
  Fixture f("prover valid proofs");
  ThreadPool pool(3);
  Proof first, second, fixed, threaded, zero;
  std::vector<Fr> signals;
  REQUIRE(Prove(f.setup.key, f.witness(), {}, &first, &signals).ok());
  CHECK(f.Check(first, signals) == Verdict::kValid);
  REQUIRE(Prove(f.setup.key, f.witness(), {&pool, std::nullopt}, &second, &signals).ok());
  CHECK(f.Check(second, signals) == Verdict::kValid);
  CHECK_FALSE(first.a == second.a);  // fresh r each time
  const ProverRandomness rs{testing::RandomFr(f.rng), testing::RandomFr(f.rng)};
  REQUIRE(Prove(f.setup.key, f.witness(), {nullptr, rs}, &fixed, &signals).ok());
  REQUIRE(Prove(f.setup.key, f.witness(), {&pool, rs}, &threaded, &signals).ok());
  CHECK(f.Check(fixed, signals) == Verdict::kValid);
  CHECK((fixed.a == threaded.a && fixed.b == threaded.b && fixed.c == threaded.c));
  REQUIRE(Prove(f.setup.key, f.witness(), {nullptr, ProverRandomness{}}, &zero, &signals).ok());
  CHECK(f.Check(zero, signals) == Verdict::kValid);
}

TEST_CASE("a larger circuit (domain 2^9) proves with threads", "[prover]") {
  Fixture f("prover larger circuit", 300, 5);
  ThreadPool pool(2);
  Proof proof;
  std::vector<Fr> signals;
  REQUIRE(Prove(f.setup.key, f.witness(), {&pool, std::nullopt}, &proof, &signals).ok());
  CHECK(f.setup.key.domain_size == 512);
  CHECK(f.Check(proof, signals) == Verdict::kValid);
}

TEST_CASE("tampered proofs, wrong signals and a bad witness are refused", "[prover]") {
  Fixture f("prover refusals");
  Proof proof;
  std::vector<Fr> signals;
  REQUIRE(Prove(f.setup.key, f.witness(), {}, &proof, &signals).ok());
  Proof negated = proof;
  negated.a = -proof.a;
  CHECK(f.Check(negated, signals) == Verdict::kInvalid);
  Proof swapped = proof;
  std::swap(swapped.a, swapped.c);
  CHECK(f.Check(swapped, signals) == Verdict::kInvalid);
  std::vector<Fr> wrong = signals;
  wrong[1] += Fr::One();
  CHECK(f.Check(proof, wrong) == Verdict::kInvalid);
  // A witness that breaks a constraint still gives a proof, which does not verify.
  Witness bad = f.witness();
  bad.values[f.circuit.n_public + 1] += Fr::One();
  REQUIRE(Prove(f.setup.key, bad, {}, &proof, &signals).ok());
  CHECK(f.Check(proof, signals) == Verdict::kInvalid);
}

TEST_CASE("a witness that does not fit the key is INVALID_ARGUMENT", "[prover]") {
  Fixture f("prover witness errors");
  Proof proof;
  std::vector<Fr> signals = {Fr::FromUint64(7)};
  Witness shorter = f.witness();
  shorter.values.pop_back();
  Status s = Prove(f.setup.key, shorter, {}, &proof, &signals);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  Witness longer = f.witness();
  longer.values.push_back(Fr::One());
  CHECK(Prove(f.setup.key, longer, {}, &proof, &signals).code() ==
        Status::Code::kInvalidArgument);
  Witness first_not_one = f.witness();
  first_not_one.values[0] = Fr::FromUint64(2);
  CHECK(Prove(f.setup.key, first_not_one, {}, &proof, &signals).code() ==
        Status::Code::kInvalidArgument);
  CHECK(Prove(f.setup.key, Witness{}, {}, &proof, &signals).code() ==
        Status::Code::kInvalidArgument);
  CHECK(signals == std::vector<Fr>{Fr::FromUint64(7)});  // untouched on error
  std::vector<Fr> h;
  CHECK(ComputeHCoset(f.setup.key, shorter.values, nullptr, &h).code() ==
        Status::Code::kInvalidArgument);
  ProvingKey bad_key = f.setup.key;
  bad_key.coefficients[0].signal = bad_key.n_vars;
  CHECK(ComputeHCoset(bad_key, f.circuit.witness, nullptr, &h).code() ==
        Status::Code::kInvalidArgument);
  ProvingKey short_c = f.setup.key;
  short_c.c.pop_back();
  CHECK(Prove(short_c, f.witness(), {}, &proof, &signals).code() ==
        Status::Code::kInvalidArgument);
  ProvingKey short_h = f.setup.key;
  short_h.h.pop_back();
  CHECK(Prove(short_h, f.witness(), {}, &proof, &signals).code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("RandomProverRandomness draws distinct values in Fr", "[prover]") {
  const ProverRandomness a = RandomProverRandomness(), b = RandomProverRandomness();
  CHECK_FALSE(a.r == b.r);
  CHECK_FALSE(a.r == a.s);
}

}  // namespace
}  // namespace chainaccel::groth16
