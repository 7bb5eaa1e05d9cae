#include "crypto/groth16/engine_layout.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace chainaccel::groth16 {
namespace {

using bn254::Fp;
using bn254::Fp2;
using bn254::U256;

void FpToLimbs(const Fp& v, uint64_t* limbs) {
  const U256& raw = v.raw_montgomery();
  std::copy(raw.begin(), raw.end(), limbs);
}

Fp FpFromLimbs(const uint64_t* limbs) {
  return Fp::FromRawUnchecked(U256{limbs[0], limbs[1], limbs[2], limbs[3]});
}

Fp2 Fp2FromLimbs(const uint64_t* limbs) {
  return Fp2{FpFromLimbs(limbs), FpFromLimbs(limbs + kFieldLimbs)};
}

void Fp2ToLimbs(const Fp2& v, uint64_t* limbs) {
  FpToLimbs(v.c0, limbs);
  FpToLimbs(v.c1, limbs + kFieldLimbs);
}

bool AllZero(const uint64_t* limbs, size_t n) {
  return std::all_of(limbs, limbs + n, [](uint64_t l) { return l == 0; });
}

std::vector<uint64_t> G1Points(std::span<const G1Affine> points) {
  std::vector<uint64_t> out(points.size() * kG1AffineLimbs);
  for (size_t i = 0; i < points.size(); ++i) G1ToLimbs(points[i], &out[i * kG1AffineLimbs]);
  return out;
}

std::vector<G1Affine> G1Points(const std::vector<uint64_t>& limbs) {
  std::vector<G1Affine> out(limbs.size() / kG1AffineLimbs);
  for (size_t i = 0; i < out.size(); ++i) out[i] = G1FromLimbs(&limbs[i * kG1AffineLimbs]);
  return out;
}

// The key's coefficients of `matrix` in compressed rows (counting sort by constraint,
// keeping the file order within a row).
Status MakeRows(const ProvingKey& key, uint32_t matrix, SparseRows* out) {
  std::vector<uint32_t> counts(static_cast<size_t>(key.domain_size) + 1, 0);
  for (const Coefficient& c : key.coefficients) {
    if (c.matrix != matrix) continue;
    if (c.constraint >= key.domain_size || c.signal >= key.n_vars) {
      return Status::InvalidArgument("coefficient of constraint " + std::to_string(c.constraint) +
                                     ", signal " + std::to_string(c.signal) +
                                     " is outside the circuit");
    }
    ++counts[c.constraint + 1];
  }
  for (size_t i = 1; i < counts.size(); ++i) counts[i] += counts[i - 1];
  out->row_offsets = counts;
  out->columns.assign(counts.back(), 0);
  out->values.assign(static_cast<size_t>(counts.back()) * kFieldLimbs, 0);
  std::vector<uint32_t> next(counts.begin(), counts.end() - 1);
  for (const Coefficient& c : key.coefficients) {
    if (c.matrix != matrix) continue;
    const uint32_t at = next[c.constraint]++;
    out->columns[at] = c.signal;
    FrToLimbs(c.value, &out->values[static_cast<size_t>(at) * kFieldLimbs]);
  }
  return Status::Ok();
}

void AppendRows(const SparseRows& rows, uint32_t matrix, std::vector<Coefficient>* out) {
  for (size_t row = 0; row < rows.rows(); ++row) {
    for (uint32_t e = rows.row_offsets[row]; e < rows.row_offsets[row + 1]; ++e) {
      out->push_back(Coefficient{matrix, static_cast<uint32_t>(row), rows.columns[e],
                                 FrFromLimbs(&rows.values[static_cast<size_t>(e) * kFieldLimbs])});
    }
  }
}

}  // namespace

G1Affine G1FromLimbs(const uint64_t* limbs) {
  if (AllZero(limbs, kG1AffineLimbs)) return G1Affine::Infinity();
  return G1Affine::FromXY(FpFromLimbs(limbs), FpFromLimbs(limbs + kFieldLimbs));
}

G2Affine G2FromLimbs(const uint64_t* limbs) {
  if (AllZero(limbs, kG2AffineLimbs)) return G2Affine::Infinity();
  return G2Affine::FromXY(Fp2FromLimbs(limbs), Fp2FromLimbs(limbs + 2 * kFieldLimbs));
}

void G1ToLimbs(const G1Affine& p, uint64_t* limbs) {
  if (p.IsInfinity()) {
    std::fill(limbs, limbs + kG1AffineLimbs, 0);
    return;
  }
  FpToLimbs(p.x, limbs);
  FpToLimbs(p.y, limbs + kFieldLimbs);
}

void G2ToLimbs(const G2Affine& p, uint64_t* limbs) {
  if (p.IsInfinity()) {
    std::fill(limbs, limbs + kG2AffineLimbs, 0);
    return;
  }
  Fp2ToLimbs(p.x, limbs);
  Fp2ToLimbs(p.y, limbs + 2 * kFieldLimbs);
}

Fr FrFromLimbs(const uint64_t* limbs) {
  return Fr::FromRawUnchecked(U256{limbs[0], limbs[1], limbs[2], limbs[3]});
}

void FrToLimbs(const Fr& v, uint64_t* limbs) {
  const U256& raw = v.raw_montgomery();
  std::copy(raw.begin(), raw.end(), limbs);
}

std::vector<Fr> FrVectorFromLimbs(const uint64_t* limbs, size_t count) {
  std::vector<Fr> values(count);
  for (size_t i = 0; i < count; ++i) values[i] = FrFromLimbs(limbs + i * kFieldLimbs);
  return values;
}

void AppendFrLimbs(std::span<const Fr> values, std::vector<uint64_t>* limbs) {
  const size_t at = limbs->size();
  limbs->resize(at + values.size() * kFieldLimbs);
  for (size_t i = 0; i < values.size(); ++i) FrToLimbs(values[i], limbs->data() + at + i * kFieldLimbs);
}

Status MakeEngineCircuit(const ProvingKey& key, std::span<const uint8_t, 32> id,
                         Groth16Circuit* out) {
  Groth16Circuit c;
  std::copy(id.begin(), id.end(), c.id);
  c.n_vars = key.n_vars;
  c.n_public = key.n_public;
  c.domain_size = key.domain_size;
  c.power = static_cast<uint32_t>(key.power);
  if (Status s = MakeRows(key, 0, &c.qap_a); !s.ok()) return s;
  if (Status s = MakeRows(key, 1, &c.qap_b); !s.ok()) return s;
  c.a = G1Points(key.a);
  c.b1 = G1Points(key.b1);
  c.c = G1Points(key.c);
  c.h = G1Points(key.h);
  c.b2.assign(key.b2.size() * kG2AffineLimbs, 0);
  for (size_t i = 0; i < key.b2.size(); ++i) G2ToLimbs(key.b2[i], &c.b2[i * kG2AffineLimbs]);
  *out = std::move(c);
  return Status::Ok();
}

ProvingKey ProvingKeyFromEngineCircuit(const Groth16Circuit& circuit) {
  ProvingKey key;
  key.n_vars = circuit.n_vars;
  key.n_public = circuit.n_public;
  key.domain_size = circuit.domain_size;
  key.power = static_cast<int>(circuit.power);
  key.coefficients.reserve(circuit.qap_a.entries() + circuit.qap_b.entries());
  AppendRows(circuit.qap_a, 0, &key.coefficients);
  AppendRows(circuit.qap_b, 1, &key.coefficients);
  key.a = G1Points(circuit.a);
  key.b1 = G1Points(circuit.b1);
  key.c = G1Points(circuit.c);
  key.h = G1Points(circuit.h);
  key.b2.resize(circuit.b2.size() / kG2AffineLimbs);
  for (size_t i = 0; i < key.b2.size(); ++i) key.b2[i] = G2FromLimbs(&circuit.b2[i * kG2AffineLimbs]);
  return key;
}

Groth16VerifyingKeyData MakeEngineVerifyingKey(const VerifyingKey& vk) {
  Groth16VerifyingKeyData d;
  d.n_public = vk.n_public;
  G1ToLimbs(vk.alpha1, d.alpha1);
  G2ToLimbs(vk.beta2, d.beta2);
  G2ToLimbs(vk.gamma2, d.gamma2);
  G2ToLimbs(vk.delta2, d.delta2);
  d.ic = G1Points(vk.ic);
  return d;
}

VerifyingKey VerifyingKeyFromEngine(const Groth16VerifyingKeyData& data) {
  VerifyingKey vk;
  vk.n_public = data.n_public;
  vk.alpha1 = G1FromLimbs(data.alpha1);
  vk.beta2 = G2FromLimbs(data.beta2);
  vk.gamma2 = G2FromLimbs(data.gamma2);
  vk.delta2 = G2FromLimbs(data.delta2);
  vk.ic = G1Points(data.ic);
  return vk;
}

bn254::G1 G1JacobianFromLimbs(const uint64_t* limbs) {
  return bn254::G1{FpFromLimbs(limbs), FpFromLimbs(limbs + kFieldLimbs),
                   FpFromLimbs(limbs + 2 * kFieldLimbs)};
}

bn254::G2 G2JacobianFromLimbs(const uint64_t* limbs) {
  return bn254::G2{Fp2FromLimbs(limbs), Fp2FromLimbs(limbs + 2 * kFieldLimbs),
                   Fp2FromLimbs(limbs + 4 * kFieldLimbs)};
}

void G1JacobianToLimbs(const bn254::G1& p, uint64_t* limbs) {
  FpToLimbs(p.x, limbs);
  FpToLimbs(p.y, limbs + kFieldLimbs);
  FpToLimbs(p.z, limbs + 2 * kFieldLimbs);
}

void G2JacobianToLimbs(const bn254::G2& p, uint64_t* limbs) {
  Fp2ToLimbs(p.x, limbs);
  Fp2ToLimbs(p.y, limbs + 2 * kFieldLimbs);
  Fp2ToLimbs(p.z, limbs + 4 * kFieldLimbs);
}

ProofMsms MsmsFromParts(const Groth16ProofParts& parts) {
  return ProofMsms{G1JacobianFromLimbs(parts.a), G1JacobianFromLimbs(parts.b1),
                   G1JacobianFromLimbs(parts.c), G1JacobianFromLimbs(parts.h),
                   G2JacobianFromLimbs(parts.b2)};
}

Groth16ProofParts PartsFromMsms(const ProofMsms& msms) {
  Groth16ProofParts parts;
  G1JacobianToLimbs(msms.a, parts.a);
  G1JacobianToLimbs(msms.b1, parts.b1);
  G1JacobianToLimbs(msms.c, parts.c);
  G1JacobianToLimbs(msms.h, parts.h);
  G2JacobianToLimbs(msms.b2, parts.b2);
  return parts;
}

}  // namespace chainaccel::groth16
