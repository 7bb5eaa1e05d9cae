// Robustness: thousands of mutated requests (flipped bytes, truncations, random field
// values) at every batch RPC. Each must get an answer — OK with per-item verdicts or a
// precise error — and the daemon must stay healthy and correct afterwards.
#include <catch2/catch.hpp>

#include "reference.h"
#include "test_server.h"

namespace chainaccel::server {
namespace {

// Valid requests of every batch method, serialized, with the method's full name.
std::vector<std::pair<std::string, std::string>> SeedRequests(std::mt19937_64& rng) {
  std::vector<std::pair<std::string, std::string>> out;
  testing::Ed25519Signer ed(rng);
  testing::Secp256k1Signer k1(rng);
  const std::string m = testing::RandomBytes(rng, 32);

  v1::HashRequest hash;
  hash.set_algorithm(v1::HASH_ALGORITHM_KECCAK256);
  hash.mutable_messages()->set_data(testing::RandomBytes(rng, 40));
  for (uint64_t o : {0, 3, 3, 17, 40}) hash.mutable_messages()->add_offsets(o);
  out.emplace_back("/chainaccel.v1.HashService/Hash", hash.SerializeAsString());

  v1::BuildTreeRequest tree;
  tree.set_scheme(v1::MERKLE_SCHEME_BITCOIN);
  tree.set_leaves(testing::RandomBytes(rng, 32 * 5));
  tree.add_proof_indices(4);
  out.emplace_back("/chainaccel.v1.MerkleService/BuildTree", tree.SerializeAsString());

  v1::VerifyProofsRequest proofs;
  proofs.set_scheme(v1::MERKLE_SCHEME_RFC6962);
  proofs.set_root(testing::RandomBytes(rng, 32));
  proofs.set_leaf_count(5);
  proofs.set_leaves(testing::RandomBytes(rng, 64));
  proofs.add_leaf_indices(1);
  proofs.add_leaf_indices(4);
  proofs.add_proof_lengths(3);
  proofs.add_proof_lengths(1);
  proofs.set_proof_hashes(testing::RandomBytes(rng, 32 * 4));
  out.emplace_back("/chainaccel.v1.MerkleService/VerifyProofs", proofs.SerializeAsString());

  v1::VerifyRequest ed_verify;
  ed_verify.set_scheme(v1::SIGNATURE_SCHEME_ED25519);
  ed_verify.mutable_messages()->set_data(m);
  ed_verify.mutable_messages()->set_item_size(32);
  ed_verify.mutable_public_keys()->set_data(ed.public_key);
  ed_verify.mutable_public_keys()->set_item_size(32);
  ed_verify.mutable_signatures()->set_data(ed.Sign(m));
  ed_verify.mutable_signatures()->set_item_size(64);
  out.emplace_back("/chainaccel.v1.SignatureService/Verify", ed_verify.SerializeAsString());

  v1::VerifyRequest ecdsa;
  ecdsa.set_scheme(v1::SIGNATURE_SCHEME_ECDSA_SECP256K1);
  ecdsa.set_signature_encoding(v1::SIGNATURE_ENCODING_DER);
  ecdsa.set_pre_hash(v1::PRE_HASH_SHA256D);
  ecdsa.mutable_messages()->set_data(m);
  ecdsa.mutable_messages()->set_item_size(32);
  ecdsa.mutable_public_keys()->set_data(k1.uncompressed_key);
  ecdsa.mutable_public_keys()->set_item_size(65);
  const std::string der = k1.SignEcdsaDer(testing::Sha256(testing::Sha256(m)));
  ecdsa.mutable_signatures()->set_data(der);
  ecdsa.mutable_signatures()->add_offsets(0);
  ecdsa.mutable_signatures()->add_offsets(der.size());
  out.emplace_back("/chainaccel.v1.SignatureService/Verify", ecdsa.SerializeAsString());

  v1::RecoverRequest recover;
  recover.set_hashes(m);
  recover.set_signatures(k1.SignRecoverable(m));
  out.emplace_back("/chainaccel.v1.SignatureService/Recover", recover.SerializeAsString());
  return out;
}

std::string Mutate(std::string bytes, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 4) {
      case 0:  // flip a byte
        if (!bytes.empty()) bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 1:  // truncate
        if (!bytes.empty()) bytes.resize(rng() % bytes.size());
        break;
      case 2: {  // insert random bytes
        const size_t at = bytes.empty() ? 0 : rng() % bytes.size();
        bytes.insert(at, testing::RandomBytes(rng, 1 + rng() % 12));
        break;
      }
      default: {  // append a random field: tag, then a varint or a length-delimited value
        const uint32_t field = 1 + rng() % 12;
        const uint32_t wire = rng() % 2 ? 0 : 2;
        std::string f;
        f.push_back(static_cast<char>((field << 3) | wire));
        uint64_t value = rng() % 3 == 0 ? rng() : rng() % 300;
        if (wire == 2) value %= 64;
        do {
          f.push_back(static_cast<char>((value & 0x7f) | (value > 0x7f ? 0x80 : 0)));
          value >>= 7;
        } while (value);
        if (wire == 2) f += testing::RandomBytes(rng, static_cast<size_t>(f.back() & 0x3f));
        bytes += f;
        break;
      }
    }
  }
  return bytes;
}

TEST_CASE("Mutated requests never crash or wedge the daemon", "[grpc][bad]") {
  TestServer t;
  std::mt19937_64 rng(TestSeed());
  const auto seeds = SeedRequests(rng);
  int ok = 0, rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    const auto& [method, bytes] = seeds[rng() % seeds.size()];
    const std::string last = Mutate(bytes, rng);
    auto [status, response] = RawUnaryCall(t.channel(), method, last);
    if (status.ok()) {
      ++ok;
    } else {
      ++rejected;
      // Only the codes the API documents.
      std::string hex;
      for (unsigned char c : last) {
        hex += "0123456789abcdef"[c >> 4];
        hex += "0123456789abcdef"[c & 15];
      }
      INFO(method << ": " << status.error_code() << " " << status.error_message() << " bytes "
                  << hex);
      const auto code = status.error_code();
      REQUIRE((code == grpc::StatusCode::INVALID_ARGUMENT ||
               code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
               code == grpc::StatusCode::FAILED_PRECONDITION));
      REQUIRE_FALSE(status.error_message().empty());
    }
  }
  INFO(ok << " answered OK, " << rejected << " rejected");
  CHECK(ok > 100);
  CHECK(rejected > 100);
  REQUIRE(t.Serving());
  // And still correct.
  v1::HashRequest request;
  request.set_algorithm(v1::HASH_ALGORITHM_SHA256);
  request.mutable_messages()->set_data("abc");
  request.mutable_messages()->set_item_size(3);
  v1::HashResponse response;
  REQUIRE(t.hash->Hash(Context().get(), request, &response).ok());
  CHECK(response.digests() == testing::Sha256("abc"));
}

}  // namespace
}  // namespace chainaccel::server
