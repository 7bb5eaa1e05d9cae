// CostModel fits and BatchKey rules.
#include "engines/scheduler/cost_model.h"

#include <catch2/catch.hpp>

#include "engines/scheduler/batch_key.h"

namespace chainaccel {
namespace {

TEST_CASE("the cost model fits a line through batches of different sizes") {
  CostModel model(1, 1, 0.9);
  model.Reset(0, 0, 1e-3, 1e-3, false);  // a poor prior
  for (double n : {100.0, 5000.0, 20.0, 800.0, 3000.0, 64.0, 10000.0, 250.0}) {
    model.Observe(0, 0, n, 50e-6 + n * 2e-7);
  }
  const CostModel::Estimate e = model.Get(0, 0);
  CHECK(e.fixed_seconds == Approx(50e-6).epsilon(1e-6));
  CHECK(e.per_unit_seconds == Approx(2e-7).epsilon(1e-6));
  CHECK(e.observations == 8);
  CHECK_FALSE(e.calibrated);
  CHECK(model.Predict(0, 0, 1000) == Approx(250e-6).epsilon(1e-6));
}

TEST_CASE("the cost model follows an engine that slows down") {
  CostModel model(1, 1, 0.8);
  model.Reset(0, 0, 1e-4, 1e-6, true);
  for (int i = 0; i < 60; ++i) {
    const double n = 100.0 * (1 + i % 5);
    model.Observe(0, 0, n, 1e-4 + n * 3e-6);  // three times slower per item
  }
  CHECK(model.Get(0, 0).per_unit_seconds == Approx(3e-6).epsilon(0.01));
  CHECK(model.Get(0, 0).calibrated);
}

TEST_CASE("batches of one size scale the line through them, keeping its shape") {
  CostModel model(1, 1, 0.9);
  model.Reset(0, 0, 1e-4, 1e-6, true);
  for (int i = 0; i < 20; ++i) model.Observe(0, 0, 1000, 2e-3);
  CHECK(model.Predict(0, 0, 1000) == Approx(2e-3));
  CHECK(model.Get(0, 0).fixed_seconds / model.Get(0, 0).per_unit_seconds == Approx(100));
}

TEST_CASE("regression: slow 1M-item batches do not give the GPU a huge fixed latency") {
  // H200, 2026-12-03: four 1,048,576-item recoveries side by side took ~0.6 s each; the
  // old rule (only the fixed latency follows same-size batches) made the GPU's fixed
  // latency 0.45 s, and every 1,024-item recovery went to the CPU engine afterwards.
  CostModel model(1, 1, 0.9);
  model.Reset(0, 0, 5.2e-3, 155e-9, true);
  for (int i = 0; i < 35; ++i) model.Observe(0, 0, 1048576, 0.6);
  CHECK(model.Predict(0, 0, 1048576) == Approx(0.6));
  CHECK(model.Get(0, 0).fixed_seconds < 0.03);
}

TEST_CASE("the cost model ignores observations that are no measurement") {
  CostModel model(1, 1, 0.9);
  model.Reset(0, 0, 1e-4, 1e-6, false);
  model.Observe(0, 0, 0, 1.0);
  model.Observe(0, 0, 10, -1.0);
  model.Observe(0, 0, 10, std::numeric_limits<double>::infinity());
  CHECK(model.Get(0, 0).observations == 0);
  CHECK(model.Get(0, 0).fixed_seconds == Approx(1e-4));
}

TEST_CASE("batch keys separate every option that changes results") {
  SignatureVerifyTask a;
  a.scheme = SignatureScheme::kEcdsaSecp256k1;
  SignatureVerifyTask b = a;
  CHECK(BatchKeyOf(a) == BatchKeyOf(b));
  b.allow_high_s = true;
  CHECK_FALSE(BatchKeyOf(a) == BatchKeyOf(b));
  b = a;
  b.pre_hash = PreHash::kKeccak256;
  CHECK_FALSE(BatchKeyOf(a) == BatchKeyOf(b));
  b = a;
  b.encoding = SignatureEncoding::kDer;
  CHECK_FALSE(BatchKeyOf(a) == BatchKeyOf(b));
  b = a;
  b.scheme = SignatureScheme::kSchnorrBip340;
  CHECK_FALSE(BatchKeyOf(a) == BatchKeyOf(b));

  MerkleVerifyTask p, q;
  p.scheme = q.scheme = MerkleScheme::kRfc6962;
  p.leaf_count = q.leaf_count = 8;
  CHECK(BatchKeyOf(p) == BatchKeyOf(q));
  q.root[0] = 1;
  CHECK_FALSE(BatchKeyOf(p) == BatchKeyOf(q));
  q.root[0] = 0;
  q.leaf_count = 9;
  CHECK_FALSE(BatchKeyOf(p) == BatchKeyOf(q));

  CHECK_FALSE(Splittable(TaskType::kMerkleBuild));
  CHECK(Splittable(TaskType::kSignatureVerify));
}

TEST_CASE("every cost class has a name and maps back to itself") {
  for (size_t c = 0; c < kCostClassCount; ++c) {
    CHECK(CostClassOf(CostClassKey(c)) == c);
    CHECK(CostClassName(c).find('/') != std::string_view::npos);
    CHECK(CostClassOf(BatchKeyOf(EmptyTaskOf(CostClassKey(c)))) == c);
  }
  CHECK(CostClassName(CostClassOf(BatchKeyOf(SignatureRecoverTask{}))) ==
        "signature_recover/ecdsa_secp256k1");
}

TEST_CASE("work units weigh message bytes for hashes and proof hashes for proofs") {
  std::vector<uint8_t> data(640);
  HashTask sha{HashAlgorithm::kSha256, PackedItems::Fixed(data, 64), nullptr};
  CHECK(WorkUnits(sha, 0, 10) == Approx(20));  // 10 items + 640 / 64 blocks
  CHECK(WorkUnits(sha, 2, 4) == Approx(4));
  CHECK(InputBytes(sha, 2, 4) == 128);
  HashTask keccak{HashAlgorithm::kKeccak256, PackedItems::Fixed(data, 64), nullptr};
  CHECK(WorkUnits(keccak, 0, 10) == Approx(10 + 640.0 / 136));
  std::vector<uint32_t> lengths{3, 5, 7};
  MerkleVerifyTask proofs;
  proofs.proof_lengths = lengths;
  std::vector<uint8_t> leaves(96);
  proofs.leaves = PackedItems::Fixed(leaves, 32);
  CHECK(WorkUnits(proofs, 1, 3) == Approx(2 + 12));
}

}  // namespace
}  // namespace chainaccel
