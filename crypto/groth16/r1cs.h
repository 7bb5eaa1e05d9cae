// Reads circom's constraint system file (.r1cs), as circom 2 writes it and r1csfile
// (iden3, src/r1csfile.js; snarkjs's `groth16 setup` reads it with it) reads it:
//
//   "r1cs", version 1, sections (any order, 1 and 2 exactly once):
//    1 header       n8 u32 (32), the prime (n8 bytes LE, BN254's r), nWires u32,
//                   nPubOut u32, nPubIn u32, nPrvIn u32, nLabels u64, nConstraints u32
//    2 constraints  nConstraints × (A, B, C), each linear combination
//                   nTerms u32, nTerms × (wire u32, value n8 bytes LE canonical)
//    3 wire→label   nWires × u64 (not read)
//    4, 5           custom gates (circom's PLONK-only extension): refused
//
// Wire 0 is the constant 1, wires 1..nPubOut the public outputs, then nPubIn public
// inputs, nPrvIn private inputs, then the internal wires: snarkjs's public signals are
// wires 1..nPubOut + nPubIn.
//
// Every refusal is INVALID_ARGUMENT naming the section and the problem ("r1cs: section 2
// (constraints): constraint 7: B term 1: wire 12 is not below nWires = 12"): wrong magic
// or version, n8 != 32, a prime other than BN254's r, counts that leave no room for the
// constant wire and the inputs, a term whose wire is >= nWires or whose value is >= r, a
// truncated file or section, bytes past the last constraint, custom gates.
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "crypto/bn254/field.h"

namespace chainaccel::groth16 {

// One term value·wire of a linear combination.
struct R1csTerm {
  uint32_t wire = 0;
  bn254::Fr value;
};

// One matrix (A, B or C) in compressed rows: constraint c's linear combination is
// terms[row_start[c] .. row_start[c + 1]), in file order. row_start always holds
// constraints + 1 offsets (row_start[0] = 0).
struct R1csMatrix {
  std::vector<uint64_t> row_start{0};
  std::vector<R1csTerm> terms;

  std::span<const R1csTerm> Row(uint32_t constraint) const {
    return std::span<const R1csTerm>(terms).subspan(
        row_start[constraint], row_start[constraint + 1] - row_start[constraint]);
  }
  // Appends `row` as the next constraint's linear combination.
  void AppendRow(std::span<const R1csTerm> row) {
    terms.insert(terms.end(), row.begin(), row.end());
    row_start.push_back(terms.size());
  }
};

struct R1cs {
  uint32_t n_wires = 0;     // the constant wire included
  uint32_t n_pub_out = 0;
  uint32_t n_pub_in = 0;
  uint32_t n_prv_in = 0;
  uint64_t n_labels = 0;
  uint32_t n_constraints = 0;
  R1csMatrix a, b, c;  // each with n_constraints rows

  // snarkjs's nPublic: the public outputs, then the public inputs.
  uint32_t n_public() const { return n_pub_out + n_pub_in; }
};

// Parses the bytes of a .r1cs into *out (unchanged on error).
Status ReadR1cs(std::span<const uint8_t> bytes, R1cs* out);
// The same from a file; INVALID_ARGUMENT also when it cannot be read.
Status ReadR1csFile(const std::string& path, R1cs* out);

}  // namespace chainaccel::groth16
