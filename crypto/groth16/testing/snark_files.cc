#include "crypto/groth16/testing/snark_files.h"

#include <cstring>
#include <optional>

#include "crypto/groth16/point_bytes.h"

namespace chainaccel::groth16::testing {

namespace {

using bn254::Fp;
using bn254::Fp2;
using bn254::G1;
using bn254::G2;
using bn254::U256;

class FileWriter {
 public:
  FileWriter(const char* magic, uint32_t version, uint32_t sections) {
    bytes_.insert(bytes_.end(), magic, magic + 4);
    U32(version);
    U32(sections);
  }
  void U32(uint32_t v) {
    uint8_t b[4];
    StoreU32LE(v, b);
    bytes_.insert(bytes_.end(), b, b + 4);
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void U256LE(const U256& v) {
    for (uint64_t limb : v) {
      for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<uint8_t>(limb >> (8 * i)));
    }
  }
  void Bytes(std::span<const uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  void G1(const G1Affine& p) {
    uint8_t b[kG1Bytes];
    EncodeG1Montgomery(p, b);
    Bytes(b);
  }
  void G2(const G2Affine& p) {
    uint8_t b[kG2Bytes];
    EncodeG2Montgomery(p, b);
    Bytes(b);
  }
  void BeginSection(uint32_t id) {
    U32(id);
    size_at_ = bytes_.size();
    bytes_.resize(bytes_.size() + 8);
  }
  void EndSection() {
    const uint64_t size = bytes_.size() - size_at_ - 8;
    for (int i = 0; i < 8; ++i) bytes_[size_at_ + i] = static_cast<uint8_t>(size >> (8 * i));
  }
  std::vector<uint8_t> Take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
  size_t size_at_ = 0;
};

void WriteCoefficients(const ProvingKey& key, FileWriter& w) {
  // snarkjs writes v·R^2 mod r: the Montgomery form of the element v·R.
  const Fr r_element = Fr::FromRawUnchecked(Fr::kR2);  // the element R = 2^256 mod r
  w.BeginSection(4);
  w.U32(static_cast<uint32_t>(key.coefficients.size()));
  for (const Coefficient& c : key.coefficients) {
    w.U32(c.matrix);
    w.U32(c.constraint);
    w.U32(c.signal);
    w.U256LE((c.value * r_element).raw_montgomery());
  }
  w.EndSection();
}

void WriteGrothHeader(const ProvingKey& key, FileWriter& w) {
  w.BeginSection(2);
  w.U32(32);
  w.U256LE(bn254::FpParams::kModulus);
  w.U32(32);
  w.U256LE(bn254::FrParams::kModulus);
  w.U32(key.n_vars);
  w.U32(key.n_public);
  w.U32(key.domain_size);
  w.G1(key.alpha1);
  w.G1(key.beta1);
  w.G2(key.beta2);
  w.G2(key.gamma2);
  w.G1(key.delta1);
  w.G2(key.delta2);
  w.EndSection();
}

void WriteG1Section(uint32_t id, const std::vector<G1Affine>& points, FileWriter& w) {
  w.BeginSection(id);
  for (const G1Affine& p : points) w.G1(p);
  w.EndSection();
}

}  // namespace

void StoreU32LE(uint32_t v, uint8_t* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

std::vector<uint8_t> WriteZkey(const ProvingKey& key) {
  FileWriter w("zkey", 1, 10);
  w.BeginSection(1);
  w.U32(1);  // Groth16
  w.EndSection();
  WriteGrothHeader(key, w);
  WriteCoefficients(key, w);
  WriteG1Section(3, key.ic, w);
  WriteG1Section(9, key.h, w);
  WriteG1Section(8, key.c, w);
  WriteG1Section(5, key.a, w);
  WriteG1Section(6, key.b1, w);
  w.BeginSection(7);
  for (const G2Affine& p : key.b2) w.G2(p);
  w.EndSection();
  w.BeginSection(10);  // the circuit hash (zero here) and no contribution
  const uint8_t zero_hash[64] = {};
  w.Bytes(zero_hash);
  w.U32(0);
  w.EndSection();
  return w.Take();
}

std::vector<uint8_t> WriteWtns(const Witness& witness) {
  FileWriter w("wtns", 2, 2);
  w.BeginSection(1);
  w.U32(32);
  w.U256LE(bn254::FrParams::kModulus);
  w.U32(static_cast<uint32_t>(witness.values.size()));
  w.EndSection();
  w.BeginSection(2);
  for (const Fr& v : witness.values) w.U256LE(v.ToCanonical());
  w.EndSection();
  return w.Take();
}

namespace {

void WriteLinearCombination(std::span<const R1csTerm> lc, FileWriter& w) {
  w.U32(static_cast<uint32_t>(lc.size()));
  for (const R1csTerm& t : lc) {
    w.U32(t.wire);
    w.U256LE(t.value.ToCanonical());
  }
}

}  // namespace

std::vector<uint8_t> WriteR1cs(const R1cs& r1cs) {
  FileWriter w("r1cs", 1, 3);
  w.BeginSection(1);
  w.U32(32);
  w.U256LE(bn254::FrParams::kModulus);
  w.U32(r1cs.n_wires);
  w.U32(r1cs.n_pub_out);
  w.U32(r1cs.n_pub_in);
  w.U32(r1cs.n_prv_in);
  w.U64(r1cs.n_labels);
  w.U32(r1cs.n_constraints);
  w.EndSection();
  w.BeginSection(2);
  for (uint32_t c = 0; c < r1cs.n_constraints; ++c) {
    WriteLinearCombination(r1cs.a.Row(c), w);
    WriteLinearCombination(r1cs.b.Row(c), w);
    WriteLinearCombination(r1cs.c.Row(c), w);
  }
  w.EndSection();
  w.BeginSection(3);
  for (uint32_t i = 0; i < r1cs.n_wires; ++i) w.U64(i);
  w.EndSection();
  return w.Take();
}

SectionPosition FindSection(std::span<const uint8_t> file, uint32_t id) {
  size_t pos = 12;
  while (pos + 12 <= file.size()) {
    uint32_t sid = 0;
    uint64_t size = 0;
    std::memcpy(&sid, file.data() + pos, 4);  // little-endian hosts only (x86-64, arm64)
    std::memcpy(&size, file.data() + pos + 4, 8);
    if (sid == id) return {pos, pos + 12, static_cast<size_t>(size)};
    pos += 12 + size;
  }
  return {};
}

Fr RandomFr(std::mt19937_64& rng) {
  return Fr::FromU256Reduced({rng(), rng(), rng(), rng() >> 3});
}

G1Affine RandomG1(std::mt19937_64& rng) {
  return G1::Generator().ScalarMulVar(RandomFr(rng)).ToAffine();
}

G2Affine RandomG2(std::mt19937_64& rng) {
  return G2::Generator().ScalarMulVar(RandomFr(rng)).ToAffine();
}

G2Affine TwistPointOutsideSubgroup(std::mt19937_64& rng) {
  for (;;) {
    const Fp2 x{Fp::FromU256Reduced({rng(), rng(), rng(), 0}), Fp::FromUint64(rng())};
    const std::optional<Fp2> y = (x.Square() * x + bn254::G2Curve::B()).SqrtVar();
    if (!y) continue;
    const G2Affine q = G2Affine::FromXY(x, *y);
    if (!bn254::IsInSubgroupVar(q)) return q;
  }
}

ProvingKey RandomProvingKey(uint32_t n_vars, uint32_t n_public, uint32_t domain_size,
                            std::mt19937_64& rng) {
  ProvingKey k;
  k.n_vars = n_vars;
  k.n_public = n_public;
  k.domain_size = domain_size;
  k.power = __builtin_ctz(domain_size);
  k.alpha1 = RandomG1(rng);
  k.beta1 = RandomG1(rng);
  k.delta1 = RandomG1(rng);
  k.beta2 = RandomG2(rng);
  k.gamma2 = RandomG2(rng);
  k.delta2 = RandomG2(rng);
  auto g1s = [&](size_t n) {
    std::vector<G1Affine> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = i % 4 == 3 ? G1Affine::Infinity() : RandomG1(rng);
    return v;
  };
  k.ic = g1s(n_public + 1);
  k.a = g1s(n_vars);
  k.b1 = g1s(n_vars);
  for (uint32_t i = 0; i < n_vars; ++i) {
    k.b2.push_back(i % 4 == 3 ? G2Affine::Infinity() : RandomG2(rng));
  }
  k.c = g1s(n_vars - n_public - 1);
  k.h = g1s(domain_size);
  for (uint32_t i = 0; i < 3 * n_vars; ++i) {
    k.coefficients.push_back({static_cast<uint32_t>(i % 2), i % domain_size, i % n_vars,
                              i == 0 ? -Fr::One() : RandomFr(rng)});
  }
  return k;
}

SimulatedSetup MakeSimulatedSetup(uint32_t n_public, std::mt19937_64& rng) {
  SimulatedSetup s;
  s.alpha = RandomFr(rng);
  s.beta = RandomFr(rng);
  s.gamma = RandomFr(rng);
  s.delta = RandomFr(rng);
  s.vk.n_public = n_public;
  s.vk.alpha1 = G1::Generator().ScalarMulVar(s.alpha).ToAffine();
  s.vk.beta2 = G2::Generator().ScalarMulVar(s.beta).ToAffine();
  s.vk.gamma2 = G2::Generator().ScalarMulVar(s.gamma).ToAffine();
  s.vk.delta2 = G2::Generator().ScalarMulVar(s.delta).ToAffine();
  for (uint32_t i = 0; i <= n_public; ++i) {
    s.ic.push_back(RandomFr(rng));
    s.vk.ic.push_back(G1::Generator().ScalarMulVar(s.ic.back()).ToAffine());
  }
  return s;
}

Proof SimulateProof(const SimulatedSetup& setup, std::span<const Fr> signals,
                    std::mt19937_64& rng) {
  Fr x = setup.ic[0];
  for (size_t i = 0; i < signals.size(); ++i) x += signals[i] * setup.ic[i + 1];
  const Fr a = RandomFr(rng), b = RandomFr(rng);
  const Fr c = (a * b - setup.alpha * setup.beta - x * setup.gamma) * setup.delta.InverseVar();
  return Proof{G1::Generator().ScalarMulVar(a).ToAffine(),
               G2::Generator().ScalarMulVar(b).ToAffine(),
               G1::Generator().ScalarMulVar(c).ToAffine()};
}

}  // namespace chainaccel::groth16::testing
