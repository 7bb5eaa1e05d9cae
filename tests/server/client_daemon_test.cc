// Every RPC through the C++ client library (client/client.h) against the real daemon,
// cross-checked with the reference libraries.
#include <catch2/catch.hpp>

#include <algorithm>

#include "client/client.h"
#include "reference.h"
#include "test_server.h"

namespace chainaccel::server {
namespace {

using testing::Keccak256;
using testing::RandomBytes;
using testing::Sha256;

TEST_CASE("The C++ client runs every RPC against the daemon", "[client]") {
  TestServer t;
  Client client(t.server().grpc_address());
  std::mt19937_64 rng(TestSeed());

  SECTION("Hash, fixed and variable layouts") {
    std::vector<std::string> messages;
    for (size_t len = 0; len < 200; ++len) messages.push_back(RandomBytes(rng, len));
    auto digests = client.Hash(v1::HASH_ALGORITHM_KECCAK256, PackBatch(messages));
    REQUIRE(digests.ok());
    CHECK(digests->engine == "cpu");
    REQUIRE(digests->size() == messages.size());
    for (size_t i = 0; i < messages.size(); ++i) {
      REQUIRE(std::string(digests->digest(i)) == Keccak256(messages[i]));
    }
    std::vector<std::string> fixed(100, RandomBytes(rng, 80));
    auto sha = client.Hash(v1::HASH_ALGORITHM_SHA256D, PackBatch(fixed));
    REQUIRE(sha.ok());
    CHECK(std::string(sha->digest(99)) == Sha256(Sha256(fixed[99])));
  }
  SECTION("BuildTree and VerifyProofs") {
    std::string leaves;
    for (int i = 0; i < 21; ++i) leaves += RandomBytes(rng, 32);
    BuildTreeArgs build;
    build.scheme = v1::MERKLE_SCHEME_RFC6962;
    build.leaves = leaves;
    build.proof_indices = {0, 7, 20};
    auto tree = client.BuildTree(build);
    REQUIRE(tree.ok());
    CHECK(tree->leaf_count == 21);
    REQUIRE(tree->Proofs().size() == 3);
    VerifyProofsArgs verify;
    verify.scheme = v1::MERKLE_SCHEME_RFC6962;
    verify.root = tree->root;
    verify.leaf_count = 21;
    const auto proofs = tree->Proofs();
    for (size_t k = 0; k < 3; ++k) {
      const uint64_t index = build.proof_indices[k];
      verify.AddProof(std::string_view(leaves).substr(32 * index, 32), index, proofs[k]);
    }
    // A fourth proof, at the wrong position.
    verify.AddProof(std::string_view(leaves).substr(0, 32), 1, proofs[0]);
    auto verdicts = client.VerifyProofs(verify);
    REQUIRE(verdicts.ok());
    REQUIRE(verdicts->status.size() == 4);
    CHECK(verdicts->valid_count == 3);
    CHECK(verdicts->status[3] == v1::ITEM_INVALID);
  }
  SECTION("Verify and Recover") {
    testing::Ed25519Signer ed(rng);
    testing::Secp256k1Signer k1(rng);
    std::vector<std::string> messages, keys, signatures;
    for (int i = 0; i < 10; ++i) {
      messages.push_back(RandomBytes(rng, 50));
      keys.push_back(ed.public_key);
      signatures.push_back(ed.Sign(messages.back()));
    }
    signatures[4][0] ^= 0x40;
    VerifyArgs args;
    args.scheme = v1::SIGNATURE_SCHEME_ED25519;
    args.messages = PackBatch(messages);
    args.public_keys = PackBatch(keys);
    args.signatures = PackBatch(signatures);
    auto verdicts = client.Verify(std::move(args));
    REQUIRE(verdicts.ok());
    CHECK(verdicts->valid_count == 9);
    CHECK(verdicts->status[4] == v1::ITEM_INVALID);

    const std::string hash = RandomBytes(rng, 32);
    RecoverArgs recover;
    recover.hashes = hash;
    recover.signatures = k1.SignRecoverable(hash);
    auto keys_out = client.Recover(recover);
    REQUIRE(keys_out.ok());
    CHECK(keys_out->status[0] == v1::ITEM_OK);
    CHECK(keys_out->public_keys == k1.uncompressed_key.substr(1));
    CHECK(keys_out->addresses == k1.address);
  }
  SECTION("Admin and health") {
    auto devices = client.GetDevices();
    REQUIRE(devices.ok());
    REQUIRE_FALSE(devices->empty());
    CHECK(devices->front().name == "cpu");
    auto status = client.GetStatus();
    REQUIRE(status.ok());
    // The seven task types, then ExecutionService's four methods.
    CHECK(status->tasks.size() == 11);
    CHECK(status->tasks.back().task == "get_state");
    auto scheduler = client.GetScheduler();
    REQUIRE(scheduler.ok());
    CHECK(scheduler->batching());
    CHECK(scheduler->default_placement() == v1::PLACEMENT_AUTO);
    // 15 task variants on each engine; the CPU engine runs them all.
    CHECK(scheduler->entries_size() == 15 * static_cast<int>(devices->size() -
                                                              std::count_if(devices->begin(), devices->end(),
                                                                            [](const DeviceInfo& d) {
                                                                              return d.tasks.empty();
                                                                            })));
    for (const v1::SchedulerEntry& e : scheduler->entries()) {
      if (e.engine() != "cpu") continue;
      CHECK(e.accepts());
      CHECK(e.fixed_latency_seconds() > 0);
      CHECK(e.per_unit_seconds() > 0);
      CHECK(e.load_balance_scale() == 1);  // no split has run
    }
    auto health = client.CheckHealth();
    REQUIRE(health.ok());
    CHECK(*health == HealthStatus::kServing);
    auto service = client.CheckHealth("chainaccel.v1.MerkleService");
    REQUIRE(service.ok());
    CHECK(*service == HealthStatus::kServing);
  }
  SECTION("Errors come back as the daemon's status") {
    auto bad = client.Hash(v1::HASH_ALGORITHM_UNSPECIFIED, PackBatch(std::vector<std::string>{"x"}));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(bad.status().error_message(), Catch::Contains("algorithm"));
  }
}

}  // namespace
}  // namespace chainaccel::server
