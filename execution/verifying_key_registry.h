// The verifying-key registry: the built-in contract at VerifyingKeyRegistryAddress()
// (execution/tx/verifying_key.h) that registers the Groth16 keys of proof-carrying
// transactions (docs/execution.md, "Proof-carrying transactions"). No wasm lives there:
// the executors run it natively, over the same HostState as a wasm contract, so that
// Block-STM versions and validates its reads and writes like any other.
#pragma once

#include "execution/contract_vm.h"

namespace chainaccel::exec {

// Runs a call to the registry. Entry point "register", input = a key's canonical
// encoding: charges 20,000 + input bytes (OUT_OF_GAS with gas_used = gas_limit when the
// limit is lower), then reads state key `key id`; when present the call is OK and writes
// nothing, else the key is checked (CheckVerifyingKeyEncoding: REVERTED with its message
// when it fails) and written. OK returns the 32-byte key id. Any other entry point is
// TRAPPED "unknown entry point ..." with gas 0. kBlocked when the read met Block-STM's
// ESTIMATE. `state` holds the registry's own keys (the executor prefixes its address).
// Thread-safe (no state of its own).
CallOutcome RunVerifyingKeyRegistry(const CallContext& context, HostState& state);

}  // namespace chainaccel::exec
