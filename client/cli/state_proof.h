// Checking a GetState answer with `prove` (docs/execution.md, "State root", "Proofs"):
// the proof of the value, or of the key's absence, against the response's state root.
// The rules are execution/tx/state_proof.h's, which the daemon's tree uses too.
// In chainaccel_cli, not chainaccel_client: the client library links the API only.
#pragma once

#include <string>
#include <string_view>

#include "chainaccel/v1/execution.pb.h"

namespace chainaccel {

struct StateProofVerdict {
  bool valid = false;
  // Why not, when !valid ("proof: siblings[3] is 31 bytes, not 32", "the proof's root
  // ... differs from ..."); empty when valid.
  std::string reason;
};

// Whether `response` (to a GetState of `key` with prove) proves its answer — found and
// value, or not found — under response.state_root(). A caller that trusts a root from
// elsewhere (a block header) compares it with response.state_root() as well.
StateProofVerdict VerifyGetStateProof(std::string_view key, const v1::GetStateResponse& response);

}  // namespace chainaccel
