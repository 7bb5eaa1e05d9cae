// Reads snarkjs's witness file (.wtns), as snarkjs 0.7 (src/wtns_utils.js) and circom's
// witness calculators write it (docs/zk.md):
//
//   "wtns", version 2 (1 is read too), sections:
//    1 header  n8 u32 (32), the prime r (n8 bytes LE), the number of values u32
//    2 values  count × n8 bytes: each value its canonical integer, little-endian
//
// Refusals are INVALID_ARGUMENT naming the section and the problem: wrong magic or
// version, n8 != 32, a prime other than BN254's r, a values section whose size is not
// count × 32, a value >= r, a truncated file. CheckWitnessForKey adds the checks against
// a proving key: exactly nVars values, and value 0 (the constant signal) equal to 1.
// Thread-safe (no shared state).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "crypto/bn254/field.h"
#include "crypto/groth16/keys.h"

namespace chainaccel::groth16 {

struct Witness {
  std::vector<Fr> values;  // values[0] is the constant signal 1 of a circom witness
};

// Parses the bytes of a .wtns into *out (unchanged on error); the values are converted on
// `pool`'s threads when one is given (the lowest bad value is the one reported).
Status ReadWtns(std::span<const uint8_t> bytes, Witness* out, ThreadPool* pool = nullptr);
Status ReadWtnsFile(const std::string& path, Witness* out);

// INVALID_ARGUMENT when the witness cannot be one of `key`'s circuit: its length is not
// key.n_vars, or its first value is not 1.
Status CheckWitnessForKey(const ProvingKey& key, const Witness& witness);

}  // namespace chainaccel::groth16
