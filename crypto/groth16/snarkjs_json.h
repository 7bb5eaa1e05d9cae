// snarkjs's JSON files for Groth16 on bn128 (BN254), read and written (docs/zk.md):
//
//   verification key (`snarkjs zkey export verificationkey`):
//     {"protocol":"groth16","curve":"bn128","nPublic":n,"vk_alpha_1":G1,"vk_beta_2":G2,
//      "vk_gamma_2":G2,"vk_delta_2":G2,"vk_alphabeta_12":GT,"IC":[G1 × (n+1)]}
//   proof (`snarkjs groth16 prove`):
//     {"pi_a":G1,"pi_b":G2,"pi_c":G1,"protocol":"groth16","curve":"bn128"}
//   public signals: ["s1", ..., "sn"]
//
// Every number is a decimal string of the canonical integer. G1 = [x, y, z] and
// G2 = [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]] in ffjavascript's Jacobian coordinates
// (x/z^2, y/z^3): snarkjs writes affine points with z = "1" (["1","0"] in G2) and the
// point at infinity as ["0","1","0"] (G2: [["0","0"],["1","0"],["0","0"]]); any z is
// read (z = 0 is infinity, a missing z is 1), and we write z = 1 / infinity as snarkjs
// does. GT (vk_alphabeta_12) is Fp12 as [c0, c1] of Fp6 [c0, c1, c2] of Fp2 [c0, c1].
//
// Reading checks the syntax and the ranges only: every coordinate < p, "protocol" is
// "groth16", "curve" is bn128 (ffjavascript's names BN128, BN254 and ALTBN128 in any
// case), nPublic + 1 IC points; vk_alphabeta_12 is not read. Whether the points lie on
// the curve (and G2 in the subgroup) is the verifier's check (verifier.h), since keys
// and proofs can also be built by hand. Public signals are read as integers < 2^256;
// values >= r are the verifier's to refuse, as snarkjs's verifier does.
// Every refusal is INVALID_ARGUMENT naming the field ("proof: pi_b[1][0]: ...").
// Thread-safe; nothing throws out of these functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "crypto/bn254/bigint.h"
#include "crypto/bn254/tower.h"
#include "crypto/groth16/keys.h"

namespace chainaccel::groth16 {

Status ParseVerifyingKeyJson(std::string_view text, VerifyingKey* out);
Status ParseProofJson(std::string_view text, Proof* out);
Status ParsePublicSignalsJson(std::string_view text, std::vector<bn254::U256>* out);

// snarkjs's layout, keys in snarkjs's order, indented by one space (JSON.stringify(x,
// null, 1)). VerifyingKeyToJson computes vk_alphabeta_12 = e(alpha1, beta2) (a pairing,
// about 1 ms). REQUIRES: vk.ic.size() == vk.n_public + 1, points valid for the pairing.
std::string VerifyingKeyToJson(const VerifyingKey& vk);
std::string ProofToJson(const Proof& proof);
std::string PublicSignalsToJson(const std::vector<bn254::U256>& signals);
// The layout of `snarkjs zkey export json` (its "protocol", primes, counts, the key's
// points, "ccoefs" as {matrix, constraint, signal, value} and the A, B1, B2, C, hExps
// points; C has nPublic + 1 leading nulls, as snarkjs's sparse array prints). For tests
// and debugging: it is large (every point of the key).
std::string ProvingKeyToJson(const ProvingKey& key);

// e(p, q) as snarkjs computes it (vk_alphabeta_12): the reduced pairing of
// crypto/bn254/pairing.h raised to M = 2x(6x^2 + 3x + 1), the power that the
// final-exponentiation chain of ffjavascript (and gnark, @noble/curves) returns. Either
// gives the same verdict on every pairing-product check; only the GT values differ.
bn254::Fp12 SnarkjsPairing(const G1Affine& p, const G2Affine& q);

// Decimal text of an integer (for the tools and tests).
std::string ToDecimal(const bn254::U256& v);

}  // namespace chainaccel::groth16
