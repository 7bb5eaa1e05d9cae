// The CPU engine's Groth16 tasks (core/task.h: ProofGenerateTask, ProofVerifyTask) on
// crypto/groth16: the prover's quotient and multi-scalar multiplications, and the batch
// verifier.
#pragma once

#include "core/status.h"
#include "core/task.h"
#include "core/thread_pool.h"

namespace chainaccel {

// Fills every item's parts (kOk) on `pool`. The witnesses are proved one after another,
// each with all of the pool's threads. INVALID_ARGUMENT when the task breaks its
// REQUIRES (no circuit, null pointers), before any work.
Status RunProofGenerate(ThreadPool& pool, ProofGenerateTask& task);

// Fills every item's status; well-formed proofs are checked as one random linear
// combination (OS randomness; crypto/groth16/verifier.h), in slices over the pool.
// INVALID_ARGUMENT when the key is missing or malformed, or the task breaks its
// REQUIRES; INTERNAL when the OS has no randomness.
Status RunProofVerify(ThreadPool& pool, ProofVerifyTask& task);

}  // namespace chainaccel
