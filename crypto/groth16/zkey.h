// Reads snarkjs's Groth16 proving key (.zkey), exactly as snarkjs 0.7 writes it
// (src/zkey_new.js, src/zkey_utils.js; the format is in docs/zk.md):
//
//   "zkey", version 1, sections (any order, each exactly once):
//    1 header        u32 protocol (1 = Groth16)
//    2 Groth header  n8q u32, q, n8r u32, r, nVars u32, nPublic u32, domainSize u32,
//                    alpha1, beta1 (G1), beta2, gamma2 (G2), delta1 (G1), delta2 (G2)
//    3 IC            nPublic + 1 G1 points
//    4 coefficients  u32 count, count × (matrix u32, constraint u32, signal u32, v·R^2 mod r)
//    5 A             nVars G1         6 B1  nVars G1          7 B2  nVars G2
//    8 C             nVars - nPublic - 1 G1                   9 H   domainSize G1
//   10 contributions (the MPC transcript; not read)
//
// Points are affine, each coordinate its Montgomery form a·2^256 mod p in 32 bytes
// little-endian (ffjavascript's toRprLEM), G2 coordinates c0 then c1; all zero bytes is
// the point at infinity.
//
// Every refusal is INVALID_ARGUMENT naming the section and the problem: wrong magic or
// version, another protocol, another curve (q or r not BN254's, n8 != 32), inconsistent
// counts (nVars <= nPublic, a domain size that is not a power of two or too small for
// nPublic + 1 rows), a section of the wrong size, a truncated file, a coordinate >= p,
// a point not on the curve, a G2 point outside the subgroup of order r, a coefficient
// whose matrix, constraint or signal is out of range or whose value is >= r.
//
// Cost: the G2 subgroup check is about 0.13 ms a point (docs/zk.md), so checking the
// nVars points of B2 dominates reading a large key; `check_points = false` skips the
// curve and subgroup checks of sections 5 to 9 (the header and IC are always checked) for
// a key from a trusted source, and ZkeyReadOptions::pool spreads the checks over threads.
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/status.h"
#include "core/thread_pool.h"
#include "crypto/groth16/keys.h"

namespace chainaccel::groth16 {

struct ZkeyReadOptions {
  bool check_points = true;  // curve (and G2 subgroup) checks of the A, B1, B2, C, H points
  // Decodes and checks each point section in parallel over this pool (not owned; null:
  // the calling thread). The result, the error included, is the same either way.
  ThreadPool* pool = nullptr;
};

// Parses the bytes of a .zkey into *out (unchanged on error).
Status ReadZkey(std::span<const uint8_t> bytes, ProvingKey* out,
                const ZkeyReadOptions& options = {});
// The same from a file; INVALID_ARGUMENT also when it cannot be read.
Status ReadZkeyFile(const std::string& path, ProvingKey* out,
                    const ZkeyReadOptions& options = {});

}  // namespace chainaccel::groth16
