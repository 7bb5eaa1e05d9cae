// Groth16Circuit: a registered Groth16 proving key (BN254, snarkjs's .zkey) in the
// engines' layout, and the raw point and field layouts the proof tasks of core/task.h use.
//
// The engines know neither crypto/ nor the .zkey format (tests/layering), so a key
// reaches them as plain little-endian 64-bit limbs, laid out as the GPU kernels read
// them and the CPU engine converts them (crypto/groth16/engine_layout.h makes one from a
// parsed key; docs/zk.md specifies the layouts):
//   - a field element (Fp or Fr): 4 limbs of a·2^256 mod m (Montgomery form, < m);
//   - a G1 affine point: 8 limbs, x then y; the point at infinity is all zero (never a
//     curve point, since y^2 = x^3 + 3 has no solution with x = y = 0);
//   - a G2 affine point: 16 limbs, x.c0, x.c1, y.c0, y.c1; all zero is infinity.
// The QAP matrices A and B are compressed rows (one row per constraint, domain_size
// rows): row c holds the (signal, value) pairs of the key's coefficient section for that
// constraint, values in Montgomery form.
//
// Immutable once built and shared by shared_ptr<const Groth16Circuit>: thread-safe to read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chainaccel {

inline constexpr size_t kFieldLimbs = 4;
inline constexpr size_t kG1AffineLimbs = 8;
inline constexpr size_t kG2AffineLimbs = 16;
// Jacobian points (X, Y, Z) standing for (X/Z^2, Y/Z^3); Z = 0 is infinity. G1: X, Y, Z
// as 4 limbs each; G2: X.c0, X.c1, Y.c0, Y.c1, Z.c0, Z.c1.
inline constexpr size_t kG1JacobianLimbs = 12;
inline constexpr size_t kG2JacobianLimbs = 24;

// A sparse matrix in compressed rows.
struct SparseRows {
  std::vector<uint32_t> row_offsets;  // rows + 1 entries, non-decreasing, from 0
  std::vector<uint32_t> columns;      // signal of each entry
  std::vector<uint64_t> values;       // kFieldLimbs per entry, Fr Montgomery form

  size_t rows() const { return row_offsets.empty() ? 0 : row_offsets.size() - 1; }
  size_t entries() const { return columns.size(); }
};

struct Groth16Circuit {
  uint8_t id[32] = {};     // SHA-256 of the .zkey bytes: the API's circuit id
  uint32_t n_vars = 0;     // signals, the constant 1 included
  uint32_t n_public = 0;   // public signals (outputs, then public inputs)
  uint32_t domain_size = 0;
  uint32_t power = 0;      // log2(domain_size)

  // The bases of the proof's multi-scalar multiplications (.zkey sections 5 to 9).
  std::vector<uint64_t> a;   // n_vars G1 points
  std::vector<uint64_t> b1;  // n_vars G1 points
  std::vector<uint64_t> b2;  // n_vars G2 points
  std::vector<uint64_t> c;   // n_vars - n_public - 1 G1 points (signals n_public + 1 ...)
  std::vector<uint64_t> h;   // domain_size G1 points
  SparseRows qap_a, qap_b;   // domain_size rows each

  // Bytes the circuit holds in host memory (what registration budgets count).
  uint64_t MemoryBytes() const;
  // The multi-scalar multiplication work of one proof, in G1 points (a G2 point counts
  // as three: an Fp2 multiplication is about three Fp ones): the scheduler's work units.
  double ProofWorkUnits() const;
};

// The randomness-free part of one proof (docs/zk.md): the five multi-scalar
// multiplications as Jacobian points (no inversion needed where they are computed). The
// caller adds r and s.
struct Groth16ProofParts {
  uint64_t a[kG1JacobianLimbs] = {};   // Σ w_i·A_i
  uint64_t b1[kG1JacobianLimbs] = {};  // Σ w_i·B1_i
  uint64_t c[kG1JacobianLimbs] = {};   // Σ_{i > n_public} w_i·C_i
  uint64_t h[kG1JacobianLimbs] = {};   // Σ h_j·H_j, h the quotient's odd-coset values
  uint64_t b2[kG2JacobianLimbs] = {};  // Σ w_i·B2_i
};

// A Groth16 verifying key in the same layouts (snarkjs's verification_key.json).
struct Groth16VerifyingKeyData {
  uint32_t n_public = 0;
  uint64_t alpha1[kG1AffineLimbs] = {};
  uint64_t beta2[kG2AffineLimbs] = {};
  uint64_t gamma2[kG2AffineLimbs] = {};
  uint64_t delta2[kG2AffineLimbs] = {};
  std::vector<uint64_t> ic;  // n_public + 1 G1 points
};

}  // namespace chainaccel
