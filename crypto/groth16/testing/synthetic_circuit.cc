#include "crypto/groth16/testing/synthetic_circuit.h"

#include <algorithm>
#include <random>
#include <vector>

namespace chainaccel::groth16::testing {

namespace {

using bn254::Fr;

constexpr uint32_t kInputs = kSyntheticPublicInputs + kSyntheticPrivateInputs;
constexpr uint32_t kFirstInput = 1 + kSyntheticOutputs;
constexpr uint32_t kFirstInternal = kFirstInput + kInputs;
// Operands drawn from the most recently defined wires, as chained hash rounds do.
constexpr size_t kRecentWires = 16;
constexpr int kRecentPercent = 70;

class Generator {
 public:
  Generator(uint32_t n_constraints, uint64_t seed) : n_(n_constraints), rng_(seed) {}

  SyntheticCircuit Make() {
    SyntheticCircuit out;
    R1cs& r = out.r1cs;
    r.n_pub_out = kSyntheticOutputs;
    r.n_pub_in = kSyntheticPublicInputs;
    r.n_prv_in = kInputs - kSyntheticPublicInputs;
    r.n_constraints = n_;
    r.n_wires = kFirstInternal + n_ - kSyntheticOutputs;
    r.n_labels = r.n_wires;
    for (R1csMatrix* m : {&r.a, &r.b, &r.c}) m->row_start.reserve(n_ + 1ull);
    r.a.terms.reserve(2ull * n_);
    r.b.terms.reserve(2ull * n_);
    r.c.terms.reserve(n_);
    values_.assign(r.n_wires, Fr::Zero());
    values_[0] = Fr::One();
    for (uint32_t i = 0; i < kInputs; ++i) {
      values_[kFirstInput + i] = Uniform();
      defined_.push_back(kFirstInput + i);
    }
    for (uint32_t c = 0; c < n_; ++c) AddConstraint(c, &r);
    out.witness.values = std::move(values_);
    return out;
  }

 private:
  // The wire constraint c defines: internal wires in order, the outputs last.
  uint32_t FreshWire(uint32_t c) const {
    const uint32_t first_output_row = n_ - kSyntheticOutputs;
    return c >= first_output_row ? 1 + (c - first_output_row) : kFirstInternal + c;
  }

  void AddConstraint(uint32_t c, R1cs* r) {
    std::vector<R1csTerm> a, b;
    if (c < kInputs) a.push_back({kFirstInput + c, Coefficient()});  // read every input
    AddOperands(1 + Below(3) - (a.empty() ? 0 : 1), &a);
    if (Below(4) == 0) b.push_back({0, Coefficient()});  // a constant in B
    AddOperands(1 + Below(2), &b);
    const Fr product = Evaluate(a) * Evaluate(b);
    const uint32_t fresh = FreshWire(c);
    values_[fresh] = product;
    r->a.AppendRow(a);
    r->b.AppendRow(b);
    const R1csTerm out{fresh, Fr::One()};
    r->c.AppendRow(std::span<const R1csTerm>(&out, 1));
    defined_.push_back(fresh);
  }

  // Adds up to `count` terms over distinct earlier wires.
  void AddOperands(uint32_t count, std::vector<R1csTerm>* lc) {
    for (uint32_t i = 0; i < count; ++i) {
      const size_t n = defined_.size();
      const bool recent = Below(100) < kRecentPercent && n > kRecentWires;
      const uint32_t wire = defined_[recent ? n - 1 - Below(kRecentWires) : Below(n)];
      const bool seen = std::any_of(lc->begin(), lc->end(),
                                    [&](const R1csTerm& t) { return t.wire == wire; });
      if (!seen) lc->push_back({wire, Coefficient()});
    }
  }

  Fr Evaluate(const std::vector<R1csTerm>& lc) const {
    Fr sum = Fr::Zero();
    for (const R1csTerm& t : lc) sum += t.value * values_[t.wire];
    return sum;
  }

  // 1 (60%), a small integer (20%) or a uniform element (20%).
  Fr Coefficient() {
    const uint64_t kind = Below(10);
    if (kind < 6) return Fr::One();
    if (kind < 8) return Fr::FromUint64(2 + Below(1 << 16));
    return Uniform();
  }
  Fr Uniform() { return Fr::FromU256Reduced({rng_(), rng_(), rng_(), rng_() >> 2}); }
  uint64_t Below(uint64_t bound) { return rng_() % bound; }

  uint32_t n_;
  std::mt19937_64 rng_;
  std::vector<Fr> values_;
  std::vector<uint32_t> defined_;  // wires usable as operands, in definition order
};

}  // namespace

SyntheticCircuit MakeSyntheticCircuit(uint32_t n_constraints, uint64_t seed) {
  return Generator(n_constraints, seed).Make();
}

uint32_t SyntheticConstraintsForDomainPower(int power) {
  return (uint32_t{1} << power) - kSyntheticPublic - 1;
}

bool IsSatisfied(const R1cs& r1cs, const Witness& witness) {
  if (witness.values.size() != r1cs.n_wires) return false;
  auto eval = [&](std::span<const R1csTerm> lc) {
    Fr sum = Fr::Zero();
    for (const R1csTerm& t : lc) sum += t.value * witness.values[t.wire];
    return sum;
  };
  for (uint32_t c = 0; c < r1cs.n_constraints; ++c) {
    if (eval(r1cs.a.Row(c)) * eval(r1cs.b.Row(c)) != eval(r1cs.c.Row(c))) return false;
  }
  return true;
}

}  // namespace chainaccel::groth16::testing
