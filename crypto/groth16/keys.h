// The Groth16 objects of snarkjs's bn128 (BN254) protocol: the verifying key, the
// proving key as a .zkey holds it, a proof. Plain values; the readers (zkey.h,
// snarkjs_json.h) fill them, the verifier (verifier.h) and a prover consume them.
//
// Points are affine (crypto/bn254/curve.h), coordinates in our Montgomery form, always
// < p. ReadZkey checks every point (on the curve, G2 in the subgroup of order r; the A to
// H sections not when ZkeyReadOptions::check_points is false); the JSON readers check
// ranges only, and a struct built by hand carries no promise at all, which is why the
// verifier checks the points it is given (PreparedVerifyingKey::Prepare, Verify).
#pragma once

#include <cstdint>
#include <vector>

#include "crypto/bn254/curve.h"
#include "crypto/bn254/field.h"

namespace chainaccel::groth16 {

using bn254::Fr;
using bn254::G1Affine;
using bn254::G2Affine;

// What a verifier needs (snarkjs `zkey export verificationkey`, less vk_alphabeta_12,
// which is e(alpha1, beta2) and recomputed where it is written).
struct VerifyingKey {
  uint32_t n_public = 0;        // public signals (outputs, then public inputs)
  G1Affine alpha1;
  G2Affine beta2, gamma2, delta2;
  std::vector<G1Affine> ic;     // n_public + 1 points: IC[0] for the constant signal 1
};

// One non-zero entry of the QAP's A or B matrix (.zkey section 4), the value already
// turned back from snarkjs's v·R^2 encoding into v.
struct Coefficient {
  uint32_t matrix = 0;      // 0: A, 1: B
  uint32_t constraint = 0;  // row, < domain_size (the R1CS constraints, then one row per
                            // public signal and the constant 1 that snarkjs appends)
  uint32_t signal = 0;      // column, < n_vars
  Fr value;
};

// A .zkey's Groth16 content, ready for a prover. Signal 0 is the constant 1, signals
// 1..n_public the public ones, the rest private.
struct ProvingKey {
  uint32_t n_vars = 0;       // signals, the constant 1 included
  uint32_t n_public = 0;     // public signals, not counting the constant
  uint32_t domain_size = 0;  // 2^power >= constraints + n_public + 1
  int power = 0;             // log2(domain_size)

  G1Affine alpha1, beta1, delta1;
  G2Affine beta2, gamma2, delta2;
  std::vector<G1Affine> ic;  // section 3: n_public + 1 points

  std::vector<Coefficient> coefficients;  // section 4, in file order (by constraint)

  std::vector<G1Affine> a;   // section 5: n_vars points, [A_i(tau)]_1
  std::vector<G1Affine> b1;  // section 6: n_vars points, [B_i(tau)]_1
  std::vector<G2Affine> b2;  // section 7: n_vars points, [B_i(tau)]_2
  std::vector<G1Affine> c;   // section 8: n_vars - n_public - 1 points, for signals
                             // n_public + 1 .. n_vars - 1 (c[0] is signal n_public + 1)
  std::vector<G1Affine> h;   // section 9: domain_size points, snarkjs's H basis

  VerifyingKey ToVerifyingKey() const {
    return VerifyingKey{n_public, alpha1, beta2, gamma2, delta2, ic};
  }
};

// A Groth16 proof: pi_a, pi_b, pi_c of snarkjs's proof JSON.
struct Proof {
  G1Affine a;
  G2Affine b;
  G1Affine c;
};

}  // namespace chainaccel::groth16
