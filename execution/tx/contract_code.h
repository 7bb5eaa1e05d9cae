// Where contracts live (docs/execution.md, "Contracts" and "State"): a contract's address,
// and the state key under which the state holds its code hash, so that the state root
// covers which code runs at every address as well as the data.
//
//   address   = SHA-256("chainaccel-contract-v1" || code hash || salt)
//   CODE      = SHA-256("chainaccel-contract-code-v1")
//   code key  = CODE || address  (64 bytes) -> code hash (32 bytes)
//
// CODE is a reserved address in the pattern of the verifying-key registry's
// (verifying_key.h) and of the nonces' (transaction.h): no contract lives there (a
// contract's address is the SHA-256 of another preimage), and a contract writes only the
// keys under its own address, so no contract storage key, registry key or nonce record
// is ever a code key.
//
// Part of chainaccel_execution_tx, so that a client computes addresses and code keys
// offline (GetState of a code key shows which code a height runs). Thread-safe: the
// functions share no state.
#pragma once

#include <string>
#include <string_view>

#include "core/task.h"

namespace chainaccel::exec {

// SHA-256("chainaccel-contract-v1" || code_hash || salt).
Hash32 ContractAddress(const Hash32& code_hash, ByteView salt);

// CODE = SHA-256("chainaccel-contract-code-v1"): the reserved address whose keys hold
// the deployed contracts' code hashes.
const Hash32& ContractCodeNamespace();

// CODE || address: the state key of the code hash of the contract at `address`.
std::string ContractCodeKey(const Hash32& address);

// Whether `state_key` is a code key; when it is, *address (when not null) gets the
// contract's address.
bool ParseContractCodeKey(std::string_view state_key, Hash32* address);

}  // namespace chainaccel::exec
