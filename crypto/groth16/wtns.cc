#include "crypto/groth16/wtns.h"

#include <optional>
#include <utility>

#include "core/parallel_for.h"
#include "crypto/groth16/bin_file.h"

namespace chainaccel::groth16 {

namespace {

Status ReadWtnsHeader(const BinFile& file, uint32_t* count) {
  std::span<const uint8_t> body;
  if (Status s = file.Unique(1, "header", &body); !s.ok()) return s;
  SectionReader r(body, "wtns: section 1 (header)");
  uint32_t n8 = 0;
  if (Status s = r.U32("n8", &n8); !s.ok()) return s;
  if (n8 != 32) {
    return r.Error("n8 is " + std::to_string(n8) + ", expected 32: not a BN254 (bn128) witness");
  }
  bn254::U256 prime{};
  if (Status s = r.U256LE("the prime", &prime); !s.ok()) return s;
  if (prime != bn254::FrParams::kModulus) {
    return r.Error("the prime is not BN254's scalar field r: a witness for another curve");
  }
  if (Status s = r.U32("the number of values", count); !s.ok()) return s;
  return r.ExpectEnd("the number of values");
}

}  // namespace

Status ReadWtns(std::span<const uint8_t> bytes, Witness* out, ThreadPool* pool) {
  BinFile file;
  if (Status s = BinFile::Parse(bytes, "wtns", 1, 2, &file); !s.ok()) return s;
  uint32_t count = 0;
  if (Status s = ReadWtnsHeader(file, &count); !s.ok()) return s;
  std::span<const uint8_t> body;
  if (Status s = file.Unique(2, "values", &body); !s.ok()) return s;
  if (body.size() != uint64_t{count} * 32) {
    return Status::InvalidArgument(
        "wtns: section 2 (values): wrong size: " + std::to_string(body.size()) +
        " bytes, expected the header's " + std::to_string(count) + " values × 32 = " +
        std::to_string(uint64_t{count} * 32));
  }
  Witness w;
  w.values.resize(count);
  // 16,384 values a chunk: a conversion to Montgomery form is ~20 ns.
  const size_t bad = LowestFailingIndex(pool, count, 16384, [&](size_t i) {
    const std::optional<Fr> v = Fr::FromBytesLE(body.subspan(32 * uint64_t{i}).first<32>());
    if (v) w.values[i] = *v;
    return v.has_value();
  });
  if (bad < count) {
    return Status::InvalidArgument("wtns: section 2 (values): value " + std::to_string(bad) +
                                   " is >= r");
  }
  *out = std::move(w);
  return Status::Ok();
}

Status ReadWtnsFile(const std::string& path, Witness* out) {
  std::vector<uint8_t> bytes;
  if (Status s = ReadFileBytes(path, &bytes); !s.ok()) return s;
  return ReadWtns(bytes, out);
}

Status CheckWitnessForKey(const ProvingKey& key, const Witness& witness) {
  if (witness.values.size() != key.n_vars) {
    return Status::InvalidArgument("wtns: " + std::to_string(witness.values.size()) +
                                   " values, but the circuit's nVars is " +
                                   std::to_string(key.n_vars));
  }
  if (witness.values.empty() || !witness.values[0].IsOne()) {
    return Status::InvalidArgument("wtns: value 0 (the constant signal) is not 1");
  }
  return Status::Ok();
}

}  // namespace chainaccel::groth16
