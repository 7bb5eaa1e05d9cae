// The Groth16 prover of snarkjs's bn128 protocol on the CPU: byte for byte the proof
// `snarkjs groth16 prove` (0.7.6, src/groth16_prove.js) makes from the same .zkey,
// witness and randomness r, s. With w the witness (w[0] = 1), n = key.domain_size:
//
//   1. a[c] = Σ v·w[signal] over the key's matrix-A coefficients of row c, b likewise
//      (matrix B), c[i] = a[i]·b[i], for the n rows;
//   2. each of a, b, c: inverse NTT (crypto/bn254/ntt.h, ffjavascript's roots), entry i
//      times inc^i with inc = w_{2n} (Fr.w[power + 1], Fr.shift when power = 28), forward
//      NTT: the values on the odd coset; h[i] = a_odd[i]·b_odd[i] - c_odd[i];
//   3. the MSMs (crypto/bn254/msm.h): A = Σ w_i·A_i, B1 = Σ w_i·B1_i, B2 = Σ w_i·B2_i
//      (G2), C = Σ_{i > nPublic} w_i·C_{i - nPublic - 1}, H = Σ h_j·H_j;
//   4. pi_a = A + alpha1 + r·delta1, pi_b = B2 + beta2 + s·delta2,
//      pib1 = B1 + beta1 + s·delta1, pi_c = C + H + s·pi_a + r·pib1 - (r·s)·delta1;
//      the public signals are w[1..nPublic].
//
// The steps are separate functions so that an accelerator can replace one (the GPU
// engine runs step 3 on the device and calls ComputeHCoset and AssembleProof).
//
// Threads: every step splits over the optional pool (pool == nullptr: the calling
// thread only). Thread-safe: the key and witness are only read.
// Timing: not constant-time (docs/zk.md, "Prover"): the MSMs' time depends on the
// witness (zero digits are skipped), which can leak information about private inputs to
// whoever can time the prover. r and s come from the OS (getrandom) unless fixed.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/status.h"
#include "crypto/bn254/curve.h"
#include "crypto/groth16/keys.h"
#include "crypto/groth16/wtns.h"

namespace chainaccel {
class ThreadPool;
}

namespace chainaccel::groth16 {

struct ProverRandomness {
  Fr r, s;
};

// r and s uniform in Fr from the OS's randomness (getrandom), by rejection sampling.
ProverRandomness RandomProverRandomness();

struct ProveOptions {
  ThreadPool* pool = nullptr;
  // Tests only: a proof that byte-for-byte comparisons can reproduce. A proof with known
  // r and s reveals the witness's private part to whoever knows them.
  std::optional<ProverRandomness> fixed_randomness;
};

// Steps 1 and 2: h on the odd coset, domain_size values in the H section's order.
// INVALID_ARGUMENT when witness.size() != key.n_vars, key.domain_size is not
// 2^key.power with power <= 28, a coefficient's matrix, constraint or signal is out of
// range, or a point section's size is not the one keys.h gives (a key built by hand).
Status ComputeHCoset(const ProvingKey& key, std::span<const Fr> witness, ThreadPool* pool,
                     std::vector<Fr>* h);

struct ProofMsms {
  bn254::G1 a, b1, c, h;
  bn254::G2 b2;
};

// Step 3. REQUIRES: witness.size() == key.n_vars, h.size() == key.domain_size, the key's
// sections sized as keys.h says (ReadZkey guarantees it).
ProofMsms ComputeMsmsCpu(const ProvingKey& key, std::span<const Fr> witness,
                         std::span<const Fr> h, ThreadPool* pool);

// Step 4: the affine proof.
Proof AssembleProof(const ProvingKey& key, const ProofMsms& msms, const ProverRandomness& rs);

// The whole proof and the public signals w[1..nPublic]; INVALID_ARGUMENT when the witness
// does not fit the key (CheckWitnessForKey: length, w[0] = 1) or ComputeHCoset refuses
// the key. *proof and *public_signals are unchanged on error.
Status Prove(const ProvingKey& key, const Witness& witness, const ProveOptions& options,
             Proof* proof, std::vector<Fr>* public_signals);

}  // namespace chainaccel::groth16
