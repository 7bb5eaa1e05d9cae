// signature_op_count: how many modular products and squares (and 32-bit limb products)
// one ECDSA verification, one recovery and one Ed25519 verification cost in the GPU's code
// (kernels/ecdsa.cuh, kernels/ed25519.cuh, compiled for the host with counters), for
// comparing the kernels' rates with the GPU's integer multiply-add ceiling. Averages over
// random valid signatures; one JSON line per operation (Ed25519 twice: the kernel's
// half-size scalars and the full-size equation). Not counted: SHA-512, Ed25519's
// reductions mod L and the half-size scalars' Euclid (shifts and subtractions) and the
// product c S before its reduction.
// Usage: signature_op_count [signatures, default 200]
#define CHAINACCEL_COUNT_MOD_OPS 1

#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "tests/support/signing.h"
#include "kernels/ecdsa.cuh"
#include "kernels/ecdsa_records.h"
#include "kernels/ed25519.cuh"
#include "kernels/ed25519_half_scalars.cuh"

namespace chainaccel {
namespace {

using kernels::mod_op_counts;

// 32-bit limb products: a product 64, a square 36, and the reduction's: 9 for a field
// (secp256k1's p: the high half times 977 and one more; 2^255 - 19: the high half times
// 38 and one more) and up to 5 per high limb per fold for n (the generic fold, about
// 5 x 8 + 5 x 5 + 5 x 2).
constexpr double kLimbProductsPerMul = 64, kLimbProductsPerSqr = 36;
constexpr double kReduceFieldLimbProducts = 9, kReduceScalarLimbProducts = 75;

void Report(const char* op, size_t n, const kernels::ModOpCounts& c) {
  const double field = double(c.field_mul + c.field_sqr) / n;
  const double scalar = double(c.scalar_mul + c.scalar_sqr) / n;
  const double limb_products =
      (c.field_mul * (kLimbProductsPerMul + kReduceFieldLimbProducts) +
       c.field_sqr * (kLimbProductsPerSqr + kReduceFieldLimbProducts) +
       c.scalar_mul * (kLimbProductsPerMul + kReduceScalarLimbProducts) +
       c.scalar_sqr * (kLimbProductsPerSqr + kReduceScalarLimbProducts)) /
      n;
  std::printf("{\"bench\":\"signature_op_count\",\"op\":\"%s\",\"signatures\":%zu,"
              "\"field_mul\":%.1f,\"field_sqr\":%.1f,\"scalar_mul\":%.1f,\"scalar_sqr\":%.1f,"
              "\"field_ops\":%.1f,\"scalar_ops\":%.1f,\"limb_products\":%.0f}\n",
              op, n, double(c.field_mul) / n, double(c.field_sqr) / n,
              double(c.scalar_mul) / n, double(c.scalar_sqr) / n, field, scalar,
              limb_products);
}

int Main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200;
  const std::vector<kernels::AffinePoint>& table = kernels::Secp256k1GeneratorTable();
  std::mt19937_64 rng(1);
  std::vector<std::vector<uint8_t>> records, recover_records;
  for (size_t i = 0; i < n; ++i) {
    const testing::Secp256k1Key key = testing::MakeSecp256k1Key(rng);
    std::vector<uint8_t> hash(32);
    for (auto& b : hash) b = static_cast<uint8_t>(rng());
    const testing::Bytes sig = testing::SignEcdsaCompact(key, hash);
    const uint64_t offsets[2] = {0, 32}, key_offsets[2] = {0, 33}, sig_offsets[2] = {0, 64};
    SignatureVerifyTask task;
    task.scheme = SignatureScheme::kEcdsaSecp256k1;
    task.messages = PackedItems::Variable(hash, offsets);
    task.public_keys = PackedItems::Variable(key.compressed, key_offsets);
    task.signatures = PackedItems::Variable(sig, sig_offsets);
    records.emplace_back(kernels::kEcdsaVerifyRecordBytes);
    kernels::StageEcdsaVerifyRecord(task, 0, records.back().data());
    const testing::Bytes rsig = testing::SignRecoverable(key, hash, 27);
    recover_records.emplace_back(kernels::kEcdsaRecoverRecordBytes, 0);
    std::copy(hash.begin(), hash.end(), recover_records.back().begin());
    std::copy(rsig.begin(), rsig.end(), recover_records.back().begin() + 32);
  }
  mod_op_counts = {};
  for (const auto& r : records) {
    if (kernels::VerifyEcdsaRecord(r.data(), nullptr, false, table.data()) != ItemStatus::kOk) {
      std::fprintf(stderr, "signature_op_count: a valid signature did not verify\n");
      return 1;
    }
  }
  Report("verify (compressed key)", n, mod_op_counts);
  mod_op_counts = {};
  uint8_t result[kernels::kEcdsaRecoverResultBytes];
  for (const auto& r : recover_records) {
    if (kernels::RecoverEcdsaRecord(r.data(), false, table.data(), result) != ItemStatus::kOk) {
      std::fprintf(stderr, "signature_op_count: a valid signature did not recover\n");
      return 1;
    }
  }
  Report("recover", n, mod_op_counts);

  const std::vector<kernels::EdPrecomputed>& ed_table = kernels::Ed25519BaseTable();
  std::vector<uint8_t> ed_messages(32 * n), ed_keys(32 * n), ed_signatures(64 * n);
  for (size_t i = 0; i < n; ++i) {
    const testing::Ed25519Key key = testing::MakeEd25519Key(rng);
    for (size_t b = 0; b < 32; ++b) ed_messages[32 * i + b] = static_cast<uint8_t>(rng());
    const testing::Bytes sig = testing::SignEd25519(key, ByteView(&ed_messages[32 * i], 32));
    std::copy(key.public_key.begin(), key.public_key.end(), &ed_keys[32 * i]);
    std::copy(sig.begin(), sig.end(), &ed_signatures[64 * i]);
  }
  SignatureVerifyTask ed_task;
  ed_task.scheme = SignatureScheme::kEd25519;
  ed_task.messages = PackedItems::Fixed(ed_messages, 32);
  ed_task.public_keys = PackedItems::Fixed(ed_keys, 32);
  ed_task.signatures = PackedItems::Fixed(ed_signatures, 64);
  std::vector<uint8_t> ed_record(kernels::kEd25519RecordBytes);
  // The one-thread kernel's verification (half-size scalars) and the full-size equation.
  using EdVerify = ItemStatus (*)(const uint8_t*, const uint8_t*, uint64_t,
                                  const kernels::EdPrecomputed*);
  const struct {
    const char* op;
    EdVerify verify;
  } ed_verifications[] = {
      {"ed25519 verify", &kernels::VerifyEd25519RecordHalfScalars},
      {"ed25519 verify (full-size scalars)", &kernels::VerifyEd25519Record}};
  for (const auto& v : ed_verifications) {
    mod_op_counts = {};
    for (size_t i = 0; i < n; ++i) {
      kernels::StageEd25519Record(ed_task, i, ed_record.data());  // no products: not counted
      if (v.verify(ed_record.data(), &ed_messages[32 * i], 32, ed_table.data()) !=
          ItemStatus::kOk) {
        std::fprintf(stderr, "signature_op_count: a valid Ed25519 signature did not verify\n");
        return 1;
      }
    }
    Report(v.op, n, mod_op_counts);
  }
  return 0;
}

}  // namespace
}  // namespace chainaccel

int main(int argc, char** argv) { return chainaccel::Main(argc, argv); }
