// The verifying keys of proof-carrying transactions (docs/execution.md, "Proof-carrying
// transactions"): the registry's address, a key's canonical encoding and id, and the
// checks a registration and a block's proofs make.
//
// The canonical encoding is the EIP-196/197 form of crypto/groth16/point_bytes.h:
//   u32be(n_public) || alpha1 (64) || beta2 (128) || gamma2 (128) || delta2 (128)
//   || IC[0] .. IC[n_public] (64 each)
// (G1 = x || y, G2 = x_im || x_re || y_im || y_re, 32-byte big-endian coordinates), the
// key id SHA-256("chainaccel-vk-v1" || encoding).
//
// Part of chainaccel_execution_tx, so that the client computes encodings and ids offline
// and the executors check what they register with the same code. Thread-safe: the
// functions share no state.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/groth16_circuit.h"
#include "core/status.h"
#include "core/task.h"

namespace chainaccel::exec {

// REGISTRY = SHA-256("chainaccel-verifying-key-registry-v1"): the address of the
// built-in contract that registers keys (function "register"). A registered key lives
// at state key REGISTRY || key id.
const Hash32& VerifyingKeyRegistryAddress();

// The most public signals a registered key may have: its encoding (4 + 448 + 64 ·
// (n + 1) bytes, 13,316 at 200) then fits the 16 KiB limit of a state value.
inline constexpr uint32_t kMaxKeyPublicSignals = 200;

// SHA-256("chainaccel-vk-v1" || encoding).
Hash32 VerifyingKeyId(std::string_view encoding);

// What a registration checks: the length, n_public <= kMaxKeyPublicSignals, every
// coordinate < p, every point on its curve, the G2 points in the subgroup of order r.
// OK, or INVALID_ARGUMENT naming the problem ("verifying key: gamma2: not in the
// subgroup of order r").
Status CheckVerifyingKeyEncoding(std::string_view encoding);

// The engines' form of a registered key (Montgomery limbs). Checks the length and the
// coordinates' range only (INVALID_ARGUMENT otherwise): REQUIRES an encoding that
// passed CheckVerifyingKeyEncoding (the engine's verifier checks the points again).
Status VerifyingKeyDataFromEncoding(std::string_view encoding, Groth16VerifyingKeyData* out);

// The canonical encoding of a snarkjs verification_key.json (`snarkjs zkey export
// verificationkey`), checked as CheckVerifyingKeyEncoding checks it. INVALID_ARGUMENT
// naming the field or the problem.
Status VerifyingKeyEncoding(std::string_view verification_key_json, std::string* encoding);

// Empty when `signals` fit a key of n_public signals (as many, each < r); else what is
// wrong ("3 public signals, the key takes 2", "public signal 1 is not below r").
std::string PublicSignalsProblem(std::span<const Hash32> signals, uint32_t n_public);

}  // namespace chainaccel::exec
