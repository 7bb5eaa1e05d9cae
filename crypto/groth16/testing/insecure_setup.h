// INSECURE, test and benchmark only: a Groth16 setup whose trapdoor (tau, alpha, beta,
// gamma, delta) is chosen by the caller and therefore known. Anyone who knows it can
// forge proofs for any statement; a key made here must never secure anything.
//
// It writes the proving key that snarkjs 0.7.6 would produce with `groth16 setup` on a
// powers-of-tau file of secret tau (and alpha, beta), followed by phase-2 contributions
// whose product is delta (snarkjs src/zkey_new.js, then src/zkey_contribute.js):
//
//   n = 2^power, power = floor(log2(nConstraints + nPublic)) + 1 (snarkjs's cirPower:
//     the smallest power of two >= nConstraints + nPublic + 1);
//   rows: the R1CS constraints, then one row per signal s = 0..nPublic with A = 1·w_s;
//   L_c(tau): the Lagrange basis of the n-point domain <w> (w = ffjavascript's Fr.w[power])
//     at tau (ptau section 12's entries for this power);
//   u_s = Σ_A-entries v·L_c(tau) (+ L_(nConstraints+s)(tau) for s <= nPublic),
//   v_s = Σ_B-entries v·L_c(tau), w_s = Σ_C-entries v·L_c(tau),
//   k_s = beta·u_s + alpha·v_s + w_s;
//   section 3  IC[s] = (k_s / gamma)·G1, s <= nPublic
//   section 4  the A and B entries, constraint by constraint (A then B, file order), then
//              the nPublic + 1 appended A entries of value 1
//   section 5  A[s] = u_s·G1     6  B1[s] = v_s·G1     7  B2[s] = v_s·G2
//   section 8  C[s] = (k_s / delta)·G1, s > nPublic
//   section 9  H[i] = (L'_(2i+1)(tau) / delta)·G1, i < n, with L' the Lagrange basis of
//              the 2n-point domain (ptau section 12's odd entries for power + 1): the
//              prover's h values live on the odd coset w_2n·<w>, where Z = x^n - 1 is -2,
//              and Σ h_i·L'_(2i+1)(tau) = a(tau)·b(tau) - c(tau)
//   header     alpha1, beta1, beta2, gamma2, delta1, delta2 = the trapdoor times G1 / G2.
// snarkjs's own keys always have gamma = 1; any non-zero gamma works the same way for
// the prover and the verifier. The contributions section holds a zero circuit hash and no
// contribution (snarkjs's prover and `zkey export verificationkey` do not read it;
// `zkey verify` would refuse the key, having no ceremony to check it against).
//
// Cost: (2·nVars + nVars - nPublic - 1 + n) G1 and nVars G2 fixed-base multiplications
// (fixed_base.h), spread over the pool; the Lagrange bases use one inversion per chunk.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "crypto/groth16/keys.h"
#include "crypto/groth16/r1cs.h"

namespace chainaccel::groth16::testing {

struct Trapdoor {
  Fr tau, alpha, beta, gamma, delta;
};

// Five uniform non-zero elements drawn from mt19937_64(seed): reproducible, public.
Trapdoor TrapdoorFromSeed(uint64_t seed);
// Every element 1: the trapdoor of snarkjs's own key from a `powersoftau new` file with no
// contribution and `groth16 setup` with no `zkey contribute`, so that a key made here
// can be compared with snarkjs's byte for byte (all but the circuit hash). Degenerate:
// tau = 1 is a point of the domain, so A, B1, B2 are the first row's and H is all zero.
Trapdoor TrapdoorOfUncontributedCeremony();

// snarkjs's cirPower for a circuit: floor(log2(constraints + public)) + 1 (1 when both
// are zero), as zkey_new.js computes it with misc.js's log2.
int SnarkjsDomainPower(uint64_t constraints, uint64_t n_public);

// L_i(tau) for i < 2^log_n: the Lagrange basis of the domain <w>, w = FrRootOfUnity(log_n),
// at tau (when tau = w^j: 1 for i = j, else 0). REQUIRES: 0 <= log_n <= 28.
std::vector<Fr> LagrangeBasisAt(const Fr& tau, int log_n, ThreadPool* pool);
// L'_(2i+1)(tau) for i < 2^log_n: the odd-index Lagrange basis of the 2^(log_n + 1)-point
// domain at tau. REQUIRES: 0 <= log_n <= 27.
std::vector<Fr> OddCosetLagrangeBasisAt(const Fr& tau, int log_n, ThreadPool* pool);

// Called with the name of each phase as it starts ("lagrange", "qap", "tables",
// "points"), for the tool's timings.
using SetupProgress = std::function<void(std::string_view phase)>;

// The proving key of `r1cs` for `trapdoor` (see above). pool may be null.
// REQUIRES: each matrix has r1cs.n_constraints rows and every wire < r1cs.n_wires (as
// ReadR1cs and MakeSyntheticCircuit give).
// INVALID_ARGUMENT when a trapdoor element is zero or when the circuit needs a domain
// of more than 2^27 points (snarkjs takes a 2^28 domain's H points from another ptau
// section, not reproduced here).
Status InsecureSetup(const R1cs& r1cs, const Trapdoor& trapdoor, ThreadPool* pool,
                     ProvingKey* out, const SetupProgress& progress = {});

}  // namespace chainaccel::groth16::testing
