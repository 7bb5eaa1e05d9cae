// A contract that reads a transaction's proof through the host ABI (tx_proof,
// tx_proof_signals), for the exec tests and benchmarks of proof-carrying transactions.
#pragma once

#include <string_view>

namespace chainaccel::exec::testing {

// Entry points:
//   "echo": n = tx_proof(key); return data and storage key "echo" = i32le(n), then, with
//           a proof, the 32-byte key id and the n signals (4 bytes alone without one).
//   "signals": tx_proof_signals(0), nothing else (traps "no proof" without a proof).
//   "key_oob": tx_proof with its 32-byte output past the end of memory.
//   "signals_oob": tx_proof_signals into the last 16 bytes of memory.
inline constexpr std::string_view kProofEchoWat = R"((module
  (import "env" "tx_proof" (func $tx_proof (param i32) (result i32)))
  (import "env" "tx_proof_signals" (func $signals (param i32)))
  (import "env" "return_data" (func $ret (param i32 i32)))
  (import "env" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 60000) "echo")
  (func (export "echo") (local $n i32) (local $len i32)
    (local.set $n (call $tx_proof (i32.const 4)))
    (i32.store (i32.const 0) (local.get $n))
    (local.set $len (i32.const 4))
    (if (i32.ge_s (local.get $n) (i32.const 0))
      (then
        (call $signals (i32.const 36))
        (local.set $len (i32.add (i32.const 36) (i32.shl (local.get $n) (i32.const 5))))))
    (call $write (i32.const 60000) (i32.const 4) (i32.const 0) (local.get $len))
    (call $ret (i32.const 0) (local.get $len)))
  (func (export "signals") (call $signals (i32.const 0)))
  (func (export "key_oob") (drop (call $tx_proof (i32.const 65520))))
  (func (export "signals_oob") (call $signals (i32.const 65520))))
)";

}  // namespace chainaccel::exec::testing
