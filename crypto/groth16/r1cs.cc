#include "crypto/groth16/r1cs.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "crypto/groth16/bin_file.h"

namespace chainaccel::groth16 {

namespace {

constexpr uint32_t kFieldBytes = 32;
constexpr size_t kTermBytes = 4 + kFieldBytes;  // wire u32, value
constexpr const char* kMatrixNames[3] = {"A", "B", "C"};

Status ReadHeader(const BinFile& file, R1cs* r) {
  std::span<const uint8_t> body;
  if (Status s = file.Unique(1, "header", &body); !s.ok()) return s;
  SectionReader reader(body, "r1cs: section 1 (header)");
  uint32_t n8 = 0;
  if (Status s = reader.U32("n8", &n8); !s.ok()) return s;
  if (n8 != kFieldBytes) {
    return reader.Error("n8 is " + std::to_string(n8) +
                        ", expected 32: not a BN254 (bn128) circuit");
  }
  bn254::U256 prime{};
  if (Status s = reader.U256LE("the prime", &prime); !s.ok()) return s;
  if (prime != bn254::FrParams::kModulus) {
    return reader.Error("the prime is not BN254's scalar field r: a circuit for another curve");
  }
  std::span<const uint8_t> labels;
  Status s = reader.U32("nWires", &r->n_wires);
  if (s.ok()) s = reader.U32("nPubOut", &r->n_pub_out);
  if (s.ok()) s = reader.U32("nPubIn", &r->n_pub_in);
  if (s.ok()) s = reader.U32("nPrvIn", &r->n_prv_in);
  if (s.ok()) s = reader.Take(8, "nLabels", &labels);
  if (s.ok()) s = reader.U32("nConstraints", &r->n_constraints);
  if (s.ok()) s = reader.ExpectEnd("nConstraints");
  if (!s.ok()) return s;
  r->n_labels = LoadU64LE(labels.data());
  const uint64_t named = uint64_t{r->n_pub_out} + r->n_pub_in + r->n_prv_in;
  if (named + 1 > r->n_wires) {
    return reader.Error("nWires " + std::to_string(r->n_wires) +
                        " leaves no room for the constant wire and the " +
                        std::to_string(named) + " outputs and inputs");
  }
  return Status::Ok();
}

// Reads one linear combination at body[*pos] into `matrix`'s next row.
Status ReadLinearCombination(std::span<const uint8_t> body, size_t* pos, uint32_t constraint,
                             int which, uint32_t n_wires, R1csMatrix* matrix) {
  auto where = [&] {
    return "r1cs: section 2 (constraints): constraint " + std::to_string(constraint) + ": " +
           kMatrixNames[which];
  };
  if (body.size() - *pos < 4) {
    return Status::InvalidArgument(where() + ": truncated: the term count needs 4 bytes, " +
                                   std::to_string(body.size() - *pos) + " remain");
  }
  const uint32_t n_terms = LoadU32LE(body.data() + *pos);
  *pos += 4;
  if ((body.size() - *pos) / kTermBytes < n_terms) {
    return Status::InvalidArgument(where() + ": truncated: " + std::to_string(n_terms) +
                                   " terms need " + std::to_string(n_terms * kTermBytes) +
                                   " bytes, " + std::to_string(body.size() - *pos) + " remain");
  }
  for (uint32_t t = 0; t < n_terms; ++t, *pos += kTermBytes) {
    const uint8_t* p = body.data() + *pos;
    const uint32_t wire = LoadU32LE(p);
    if (wire >= n_wires) {
      return Status::InvalidArgument(where() + " term " + std::to_string(t) + ": wire " +
                                     std::to_string(wire) + " is not below nWires = " +
                                     std::to_string(n_wires));
    }
    const std::optional<bn254::Fr> v = bn254::Fr::FromBytesLE(
        std::span<const uint8_t, kFieldBytes>(p + 4, kFieldBytes));
    if (!v) {
      return Status::InvalidArgument(where() + " term " + std::to_string(t) +
                                     ": the value is >= r");
    }
    matrix->terms.push_back({wire, *v});
  }
  matrix->row_start.push_back(matrix->terms.size());
  return Status::Ok();
}

Status ReadConstraints(const BinFile& file, R1cs* r) {
  std::span<const uint8_t> body;
  if (Status s = file.Unique(2, "constraints", &body); !s.ok()) return s;
  R1csMatrix* matrices[3] = {&r->a, &r->b, &r->c};
  for (R1csMatrix* m : matrices) {
    m->row_start.reserve(uint64_t{r->n_constraints} + 1);
    // At least one term a row is typical; never trust the count for more than the body.
    m->terms.reserve(std::min<uint64_t>(r->n_constraints, body.size() / kTermBytes / 3));
  }
  size_t pos = 0;
  for (uint32_t c = 0; c < r->n_constraints; ++c) {
    for (int which = 0; which < 3; ++which) {
      if (Status s = ReadLinearCombination(body, &pos, c, which, r->n_wires, matrices[which]);
          !s.ok()) {
        return s;
      }
    }
  }
  if (pos != body.size()) {
    return Status::InvalidArgument(
        "r1cs: section 2 (constraints): wrong size: " + std::to_string(body.size() - pos) +
        " bytes past the end of constraint " + std::to_string(r->n_constraints) +
        " (the header's nConstraints)");
  }
  return Status::Ok();
}

Status RefuseCustomGates(const BinFile& file) {
  for (const BinFile::Section& s : file.sections()) {
    if (s.id == 4 || s.id == 5) {
      return Status::InvalidArgument("r1cs: section " + std::to_string(s.id) +
                                     " (custom gates): custom gates are PLONK-only; a Groth16 "
                                     "setup cannot use this circuit");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ReadR1cs(std::span<const uint8_t> bytes, R1cs* out) {
  BinFile file;
  if (Status s = BinFile::Parse(bytes, "r1cs", 1, 1, &file); !s.ok()) return s;
  R1cs r;
  if (Status s = ReadHeader(file, &r); !s.ok()) return s;
  if (Status s = RefuseCustomGates(file); !s.ok()) return s;
  if (Status s = ReadConstraints(file, &r); !s.ok()) return s;
  *out = std::move(r);
  return Status::Ok();
}

Status ReadR1csFile(const std::string& path, R1cs* out) {
  std::vector<uint8_t> bytes;
  if (Status s = ReadFileBytes(path, &bytes); !s.ok()) return s;
  return ReadR1cs(bytes, out);
}

}  // namespace chainaccel::groth16
