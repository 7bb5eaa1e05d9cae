// The insecure setup's parts (fixed-base multiplication, the Lagrange bases, snarkjs's
// domain size, the synthetic circuits) and its keys end to end: a textbook prover that
// follows snarkjs's groth16_prove.js with O(n^2) polynomial evaluations proves a
// synthetic circuit with a key from InsecureSetup, and our verifier accepts the proof
// (and refuses it for other public signals). tests/zk/insecure_setup.mjs holds the keys
// to snarkjs's own prover and verifier.
#include <catch2/catch.hpp>

#include <vector>

#include "core/thread_pool.h"
#include "crypto/groth16/testing/fixed_base.h"
#include "crypto/groth16/testing/insecure_setup.h"
#include "crypto/groth16/testing/snark_files.h"
#include "crypto/groth16/testing/synthetic_circuit.h"
#include "crypto/groth16/verifier.h"
#include "crypto/groth16/zkey.h"
#include "tests/support/random.h"

namespace chainaccel::groth16::testing {
namespace {

using bn254::G1;
using bn254::G2;

TEST_CASE("fixed-base multiplication equals ScalarMulVar", "[insecure_setup]") {
  auto rng = chainaccel::testing::MakeRng("fixed base");
  ThreadPool pool(2);
  std::vector<Fr> scalars = {Fr::Zero(), Fr::One(), -Fr::One(), Fr::FromUint64(1 << 20)};
  for (int i = 0; i < 20; ++i) scalars.push_back(RandomFr(rng));
  for (int window : {1, 5, 8, 13}) {
    INFO("window " << window);
    const G1Affine g1 = RandomG1(rng);
    const G2Affine g2 = RandomG2(rng);
    const FixedBaseTable<bn254::G1Curve> t1(g1, window, &pool);
    const FixedBaseTable<bn254::G2Curve> t2(g2, window, nullptr);
    std::vector<G1Affine> many(scalars.size());
    t1.MulMany(scalars, many, &pool);
    for (size_t i = 0; i < scalars.size(); ++i) {
      const G1 expected = G1::FromAffine(g1).ScalarMulVar(scalars[i]);
      CHECK(t1.Mul(scalars[i]) == expected);
      CHECK(expected == many[i]);
      CHECK(t2.Mul(scalars[i]) == G2::FromAffine(g2).ScalarMulVar(scalars[i]));
    }
  }
  CHECK(FixedBaseWindowBits(1) <= 3);
  CHECK(FixedBaseWindowBits(size_t{1} << 24) == 16);
}

TEST_CASE("snarkjs's domain: the smallest power of two above constraints + public",
          "[insecure_setup]") {
  CHECK(SnarkjsDomainPower(0, 0) == 1);
  CHECK(SnarkjsDomainPower(1, 0) == 1);
  CHECK(SnarkjsDomainPower(3, 4) == 3);  // 3 + 4 + 1 = 8 rows
  CHECK(SnarkjsDomainPower(4, 4) == 4);  // 9 rows
  CHECK(SnarkjsDomainPower(277, 3) == 9);
  for (int power = 3; power <= 27; ++power) {
    CHECK(SnarkjsDomainPower(SyntheticConstraintsForDomainPower(power), kSyntheticPublic) ==
          power);
  }
}

TEST_CASE("the Lagrange bases at tau interpolate 1 and x", "[insecure_setup]") {
  auto rng = chainaccel::testing::MakeRng("lagrange");
  ThreadPool pool(1);
  const Fr tau = RandomFr(rng);
  for (int log_n : {0, 1, 3, 6}) {
    INFO("log_n " << log_n);
    const std::vector<Fr> l = LagrangeBasisAt(tau, log_n, &pool);
    const Fr w = bn254::FrRootOfUnity(log_n);
    Fr sum = Fr::Zero(), x_sum = Fr::Zero(), x = Fr::One();
    for (const Fr& li : l) {
      sum += li;
      x_sum += li * x;
      x *= w;
    }
    CHECK(sum == Fr::One());
    if (log_n > 0) CHECK(x_sum == tau);  // one point interpolates constants only
    const std::vector<Fr> odd = OddCosetLagrangeBasisAt(tau, log_n, nullptr);
    const std::vector<Fr> doubled = LagrangeBasisAt(tau, log_n + 1, nullptr);
    for (size_t i = 0; i < odd.size(); ++i) CHECK(odd[i] == doubled[2 * i + 1]);
  }
}

TEST_CASE("synthetic circuits are satisfied by their witnesses", "[insecure_setup]") {
  auto rng = chainaccel::testing::MakeRng("synthetic");
  const uint64_t seed = rng();
  const SyntheticCircuit c = MakeSyntheticCircuit(300, seed);
  CHECK(c.r1cs.n_constraints == 300);
  CHECK(c.r1cs.n_wires == 1 + 6 + 300);  // the constant, the inputs, one wire a row
  CHECK(c.witness.values.size() == c.r1cs.n_wires);
  CHECK(c.witness.values[0] == Fr::One());
  CHECK(IsSatisfied(c.r1cs, c.witness));
  const SyntheticCircuit again = MakeSyntheticCircuit(300, seed);
  CHECK(again.witness.values == c.witness.values);
  Witness wrong = c.witness;
  wrong.values[1 + rng() % (wrong.values.size() - 1)] += Fr::One();
  CHECK_FALSE(IsSatisfied(c.r1cs, wrong));
}

// p(x) at x from p's values on the n-point domain (O(n) with the Lagrange basis at x).
Fr EvaluateAt(const std::vector<Fr>& values, const Fr& x, int power) {
  const std::vector<Fr> l = LagrangeBasisAt(x, power, nullptr);
  Fr sum = Fr::Zero();
  for (size_t i = 0; i < values.size(); ++i) sum += values[i] * l[i];
  return sum;
}

// snarkjs's h: (a·b - c) on the odd coset w_2n·<w_n> (groth16_prove.js).
std::vector<Fr> OddCosetH(const ProvingKey& key, const std::vector<Fr>& w) {
  std::vector<Fr> a(key.domain_size), b(key.domain_size), c(key.domain_size);
  for (const Coefficient& k : key.coefficients) {
    (k.matrix == 0 ? a : b)[k.constraint] += k.value * w[k.signal];
  }
  for (uint32_t i = 0; i < key.domain_size; ++i) c[i] = a[i] * b[i];
  std::vector<Fr> h(key.domain_size);
  const Fr step = bn254::FrRootOfUnity(key.power);
  Fr x = bn254::FrRootOfUnity(key.power + 1);
  for (uint32_t i = 0; i < key.domain_size; ++i, x *= step) {
    h[i] = EvaluateAt(a, x, key.power) * EvaluateAt(b, x, key.power) -
           EvaluateAt(c, x, key.power);
  }
  return h;
}

template <class Point, class Affine>
Point Combination(const std::vector<Affine>& points, const std::vector<Fr>& scalars,
                  size_t first_scalar) {
  Point sum = Point::Infinity();
  for (size_t i = 0; i < points.size(); ++i) {
    sum = sum + Point::FromAffine(points[i]).ScalarMulVar(scalars[first_scalar + i]);
  }
  return sum;
}

// pi_a, pi_b, pi_c as groth16_prove.js assembles them.
Proof TextbookProve(const ProvingKey& key, const std::vector<Fr>& w, const Fr& r, const Fr& s) {
  const std::vector<Fr> h = OddCosetH(key, w);
  const G1 delta1 = G1::FromAffine(key.delta1);
  const G1 a = Combination<G1>(key.a, w, 0) + key.alpha1 + delta1.ScalarMulVar(r);
  const G1 b1 = Combination<G1>(key.b1, w, 0) + key.beta1 + delta1.ScalarMulVar(s);
  const G2 b2 =
      Combination<G2>(key.b2, w, 0) + key.beta2 + G2::FromAffine(key.delta2).ScalarMulVar(s);
  const G1 c = Combination<G1>(key.c, w, key.n_public + 1) + Combination<G1>(key.h, h, 0) +
               a.ScalarMulVar(s) + b1.ScalarMulVar(r) - delta1.ScalarMulVar(r * s);
  return Proof{a.ToAffine(), b2.ToAffine(), c.ToAffine()};
}

TEST_CASE("a key from the insecure setup proves a synthetic circuit", "[insecure_setup]") {
  auto rng = chainaccel::testing::MakeRng("insecure setup end to end");
  const SyntheticCircuit circuit = MakeSyntheticCircuit(20, rng());
  ThreadPool pool(2);
  ProvingKey made;
  REQUIRE(InsecureSetup(circuit.r1cs, TrapdoorFromSeed(rng()), &pool, &made).ok());
  ProvingKey key;  // through the file, every point checked
  REQUIRE(ReadZkey(WriteZkey(made), &key).ok());
  CHECK(key.domain_size == 32);  // 20 + 4 + 1 rows
  CHECK(key.n_vars == circuit.r1cs.n_wires);
  CHECK(key.coefficients.size() ==
        circuit.r1cs.a.terms.size() + circuit.r1cs.b.terms.size() + kSyntheticPublic + 1);
  CHECK(key.h.size() == 32);
  CHECK(CheckWitnessForKey(key, circuit.witness).ok());

  const Proof proof = TextbookProve(key, circuit.witness.values, RandomFr(rng), RandomFr(rng));
  PreparedVerifyingKey vk;
  REQUIRE(PreparedVerifyingKey::Prepare(key.ToVerifyingKey(), &vk).ok());
  std::vector<bn254::U256> signals;
  for (uint32_t i = 1; i <= key.n_public; ++i) {
    signals.push_back(circuit.witness.values[i].ToCanonical());
  }
  CHECK(Verify(vk, proof, signals).verdict == Verdict::kValid);
  signals[rng() % signals.size()][0] ^= 1;
  CHECK(Verify(vk, proof, signals).verdict == Verdict::kInvalid);
}

TEST_CASE("the insecure setup refuses a zero trapdoor element", "[insecure_setup]") {
  const SyntheticCircuit circuit = MakeSyntheticCircuit(10, 7);
  ProvingKey key;
  Trapdoor t = TrapdoorFromSeed(1);
  t.delta = Fr::Zero();
  CHECK(InsecureSetup(circuit.r1cs, t, nullptr, &key).message() ==
        "insecure setup: a trapdoor element is zero");
}

TEST_CASE("with tau in the domain the Lagrange basis is 1 at tau", "[insecure_setup]") {
  const Fr w = bn254::FrRootOfUnity(3);
  const std::vector<Fr> l = LagrangeBasisAt(w * w, 3, nullptr);
  for (size_t i = 0; i < l.size(); ++i) CHECK(l[i] == (i == 2 ? Fr::One() : Fr::Zero()));
  for (const Fr& h : OddCosetLagrangeBasisAt(Fr::One(), 3, nullptr)) CHECK(h.IsZero());
  const SyntheticCircuit circuit = MakeSyntheticCircuit(10, 7);
  ProvingKey key;
  REQUIRE(InsecureSetup(circuit.r1cs, TrapdoorOfUncontributedCeremony(), nullptr, &key).ok());
  CHECK(key.alpha1 == G1Affine::Generator());
  CHECK(key.delta2 == bn254::G2Affine::Generator());
  for (const G1Affine& h : key.h) CHECK(h.IsInfinity());
}

}  // namespace
}  // namespace chainaccel::groth16::testing
