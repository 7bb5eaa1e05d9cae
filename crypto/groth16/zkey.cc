#include "crypto/groth16/zkey.h"

#include <optional>
#include <string_view>
#include <utility>

#include "core/parallel_for.h"
#include "crypto/groth16/bin_file.h"
#include "crypto/groth16/point_bytes.h"

namespace chainaccel::groth16 {

namespace {

using bn254::Fp;
using bn254::U256;

constexpr uint32_t kGroth16Protocol = 1;
constexpr uint32_t kFieldBytes = 32;                  // n8q and n8r of BN254
constexpr size_t kCoefficientBytes = 12 + kFieldBytes;  // matrix, constraint, signal, value
constexpr uint32_t kMaxDomainSize = 1u << bn254::kFrTwoAdicity;

std::string Where(uint32_t id, std::string_view name) {
  return "zkey: section " + std::to_string(id) + " (" + std::string(name) + ")";
}

std::string_view ProtocolName(uint32_t id) {
  switch (id) {
    case 1: return "Groth16";
    case 2: return "PLONK";
    case 10: return "FFLONK";
    default: return "unknown";
  }
}

Status ReadProtocol(const BinFile& file) {
  std::span<const uint8_t> body;
  if (Status s = file.Unique(1, "header", &body); !s.ok()) return s;
  SectionReader r(body, Where(1, "header"));
  uint32_t protocol = 0;
  if (Status s = r.U32("the protocol id", &protocol); !s.ok()) return s;
  if (protocol != kGroth16Protocol) {
    return r.Error("protocol " + std::to_string(protocol) + " (" +
                   std::string(ProtocolName(protocol)) + ") is not Groth16 (1)");
  }
  return r.ExpectEnd("the protocol id");
}

// n8 (which must be 32) and the prime that follows it, which must be `expected`.
Status ReadPrime(SectionReader& r, std::string_view name, const U256& expected,
                 std::string_view field) {
  uint32_t n8 = 0;
  if (Status s = r.U32(std::string("n8") + std::string(name), &n8); !s.ok()) return s;
  if (n8 != kFieldBytes) {
    return r.Error("n8" + std::string(name) + " is " + std::to_string(n8) +
                   ", expected 32: not a BN254 (bn128) key");
  }
  U256 prime{};
  if (Status s = r.U256LE(name, &prime); !s.ok()) return s;
  if (prime != expected) {
    return r.Error(std::string(name) + " is not BN254's " + std::string(field) +
                   " prime: the key is for another curve");
  }
  return Status::Ok();
}

Status ReadG1(SectionReader& r, std::string_view what, bool check, G1Affine* out) {
  std::span<const uint8_t> b;
  if (Status s = r.Take(kG1Bytes, what, &b); !s.ok()) return s;
  const PointError e = DecodeG1Montgomery(b.first<kG1Bytes>(), check, out);
  if (e != PointError::kNone) return r.Error(std::string(what) + ": " + PointErrorText(e));
  return Status::Ok();
}

Status ReadG2(SectionReader& r, std::string_view what, bool check, G2Affine* out) {
  std::span<const uint8_t> b;
  if (Status s = r.Take(kG2Bytes, what, &b); !s.ok()) return s;
  const PointError e = DecodeG2Montgomery(b.first<kG2Bytes>(), check, out);
  if (e != PointError::kNone) return r.Error(std::string(what) + ": " + PointErrorText(e));
  return Status::Ok();
}

Status CheckCounts(const SectionReader& r, const ProvingKey& k) {
  if (k.n_vars < k.n_public + 1ull) {
    return r.Error("nVars " + std::to_string(k.n_vars) + " is not more than nPublic " +
                   std::to_string(k.n_public));
  }
  const uint32_t d = k.domain_size;
  if (d == 0 || (d & (d - 1)) != 0 || d > kMaxDomainSize) {
    return r.Error("domainSize " + std::to_string(d) + " is not a power of two in [1, 2^28]");
  }
  if (d < k.n_public + 1ull) {
    return r.Error("domainSize " + std::to_string(d) + " is smaller than nPublic + 1 = " +
                   std::to_string(k.n_public + 1ull));
  }
  return Status::Ok();
}

Status ReadGrothHeader(const BinFile& file, ProvingKey* k) {
  std::span<const uint8_t> body;
  if (Status s = file.Unique(2, "Groth16 header", &body); !s.ok()) return s;
  SectionReader r(body, Where(2, "Groth16 header"));
  if (Status s = ReadPrime(r, "q", bn254::FpParams::kModulus, "base field"); !s.ok()) return s;
  if (Status s = ReadPrime(r, "r", bn254::FrParams::kModulus, "scalar field"); !s.ok()) {
    return s;
  }
  if (Status s = r.U32("nVars", &k->n_vars); !s.ok()) return s;
  if (Status s = r.U32("nPublic", &k->n_public); !s.ok()) return s;
  if (Status s = r.U32("domainSize", &k->domain_size); !s.ok()) return s;
  if (Status s = CheckCounts(r, *k); !s.ok()) return s;
  k->power = __builtin_ctz(k->domain_size);
  Status s = ReadG1(r, "alpha1", true, &k->alpha1);
  if (s.ok()) s = ReadG1(r, "beta1", true, &k->beta1);
  if (s.ok()) s = ReadG2(r, "beta2", true, &k->beta2);
  if (s.ok()) s = ReadG2(r, "gamma2", true, &k->gamma2);
  if (s.ok()) s = ReadG1(r, "delta1", true, &k->delta1);
  if (s.ok()) s = ReadG2(r, "delta2", true, &k->delta2);
  if (s.ok()) s = r.ExpectEnd("delta2");
  return s;
}

// A section of exactly `count` points of one group, decoded in parallel over `pool` when
// there is one; the lowest-numbered bad point is the one reported.
template <class Point, size_t kBytes, class Decode>
Status ReadPoints(const BinFile& file, uint32_t id, std::string_view name, uint64_t count,
                  std::string_view count_text, bool check, ThreadPool* pool, Decode decode,
                  std::vector<Point>* out) {
  std::span<const uint8_t> body;
  if (Status s = file.Unique(id, name, &body); !s.ok()) return s;
  const std::string where = Where(id, name);
  if (body.size() != count * kBytes) {
    return Status::InvalidArgument(where + ": wrong size: " + std::to_string(body.size()) +
                                   " bytes, expected " + std::string(count_text) + " = " +
                                   std::to_string(count) + " points × " +
                                   std::to_string(kBytes) + " = " +
                                   std::to_string(count * kBytes));
  }
  std::vector<Point> points(count);
  // 1,024 points a chunk: a G2 subgroup check is ~0.13 ms, a G1 curve check ~1 us.
  const uint64_t i = LowestFailingIndex(pool, count, 1024, [&](size_t k) {
    return decode(body.subspan(k * kBytes).template first<kBytes>(), check, &points[k]) ==
           PointError::kNone;
  });
  if (i < count) {
    const PointError e = decode(body.subspan(i * kBytes).template first<kBytes>(), check, &points[i]);
    return Status::InvalidArgument(where + ": point " + std::to_string(i) + ": " +
                                   PointErrorText(e));
  }
  *out = std::move(points);
  return Status::Ok();
}

Status ReadG1Points(const BinFile& file, uint32_t id, std::string_view name, uint64_t count,
                    std::string_view count_text, bool check, ThreadPool* pool,
                    std::vector<G1Affine>* out) {
  return ReadPoints<G1Affine, kG1Bytes>(file, id, name, count, count_text, check, pool,
                                        DecodeG1Montgomery, out);
}

Status ReadG2Points(const BinFile& file, uint32_t id, std::string_view name, uint64_t count,
                    std::string_view count_text, bool check, ThreadPool* pool,
                    std::vector<G2Affine>* out) {
  return ReadPoints<G2Affine, kG2Bytes>(file, id, name, count, count_text, check, pool,
                                        DecodeG2Montgomery, out);
}

// One coefficient; `i` and `r` for the messages.
Status ReadCoefficient(SectionReader& r, uint64_t i, const ProvingKey& k, Coefficient* c) {
  const std::string what = "coefficient " + std::to_string(i);
  std::span<const uint8_t> b;
  if (Status s = r.Take(kCoefficientBytes, what, &b); !s.ok()) return s;
  c->matrix = LoadU32LE(b.data());
  c->constraint = LoadU32LE(b.data() + 4);
  c->signal = LoadU32LE(b.data() + 8);
  if (c->matrix > 1) {
    return r.Error(what + ": matrix " + std::to_string(c->matrix) + " is neither A (0) nor B (1)");
  }
  if (c->constraint >= k.domain_size) {
    return r.Error(what + ": constraint " + std::to_string(c->constraint) +
                   " is not below domainSize " + std::to_string(k.domain_size));
  }
  if (c->signal >= k.n_vars) {
    return r.Error(what + ": signal " + std::to_string(c->signal) + " is not below nVars " +
                   std::to_string(k.n_vars));
  }
  // The file holds the integer v·R^2 mod r; read as Montgomery limbs it is the element
  // v·R, whose canonical value v·R is in turn the Montgomery form of v (docs/zk.md).
  const std::optional<Fr> v_times_r = Fr::FromMontgomeryBytesLE(b.subspan<12, 32>());
  if (!v_times_r) return r.Error(what + ": value is >= r");
  c->value = Fr::FromRawUnchecked(v_times_r->ToCanonical());
  return Status::Ok();
}

Status ReadCoefficients(const BinFile& file, ProvingKey* k) {
  std::span<const uint8_t> body;
  if (Status s = file.Unique(4, "coefficients", &body); !s.ok()) return s;
  SectionReader r(body, Where(4, "coefficients"));
  uint32_t count = 0;
  if (Status s = r.U32("the count", &count); !s.ok()) return s;
  if (r.remaining() != uint64_t{count} * kCoefficientBytes) {
    return r.Error("wrong size: " + std::to_string(body.size()) + " bytes, expected 4 + " +
                   std::to_string(count) + " coefficients × 44 = " +
                   std::to_string(4 + uint64_t{count} * kCoefficientBytes));
  }
  std::vector<Coefficient> coefficients(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (Status s = ReadCoefficient(r, i, *k, &coefficients[i]); !s.ok()) return s;
  }
  k->coefficients = std::move(coefficients);
  return Status::Ok();
}

Status ReadPointSections(const BinFile& file, bool check, ThreadPool* pool, ProvingKey* k) {
  const uint64_t n = k->n_vars;
  const uint64_t n_private = k->n_vars - k->n_public - 1ull;
  Status s = ReadG1Points(file, 3, "IC", k->n_public + 1ull, "nPublic + 1", true, nullptr, &k->ic);
  if (s.ok()) s = ReadG1Points(file, 5, "A points", n, "nVars", check, pool, &k->a);
  if (s.ok()) s = ReadG1Points(file, 6, "B1 points", n, "nVars", check, pool, &k->b1);
  if (s.ok()) s = ReadG2Points(file, 7, "B2 points", n, "nVars", check, pool, &k->b2);
  if (s.ok()) {
    s = ReadG1Points(file, 8, "C points", n_private, "nVars - nPublic - 1", check, pool, &k->c);
  }
  if (s.ok()) {
    s = ReadG1Points(file, 9, "H points", k->domain_size, "domainSize", check, pool, &k->h);
  }
  return s;
}

}  // namespace

Status ReadZkey(std::span<const uint8_t> bytes, ProvingKey* out,
                const ZkeyReadOptions& options) {
  BinFile file;
  if (Status s = BinFile::Parse(bytes, "zkey", 1, 1, &file); !s.ok()) return s;
  ProvingKey key;
  Status s = ReadProtocol(file);
  if (s.ok()) s = ReadGrothHeader(file, &key);
  if (s.ok()) s = ReadCoefficients(file, &key);
  if (s.ok()) s = ReadPointSections(file, options.check_points, options.pool, &key);
  if (!s.ok()) return s;
  *out = std::move(key);
  return Status::Ok();
}

Status ReadZkeyFile(const std::string& path, ProvingKey* out, const ZkeyReadOptions& options) {
  std::vector<uint8_t> bytes;
  if (Status s = ReadFileBytes(path, &bytes); !s.ok()) return s;
  return ReadZkey(bytes, out, options);
}

}  // namespace chainaccel::groth16
