// Bad input over gRPC: every malformed request gets the documented status, with a
// message naming the field (and item), and the daemon stays healthy afterwards.
#include <grpcpp/generic/generic_stub.h>

#include <catch2/catch.hpp>

#include "test_server.h"

namespace chainaccel::server {
namespace {

v1::ByteBatch Fixed(std::string data, uint32_t item_size) {
  v1::ByteBatch b;
  b.set_data(std::move(data));
  b.set_item_size(item_size);
  return b;
}

void ExpectStatus(const grpc::Status& status, grpc::StatusCode code, const std::string& message) {
  INFO("got " << status.error_code() << ": " << status.error_message());
  CHECK(status.error_code() == code);
  CHECK_THAT(status.error_message(), Catch::Contains(message));
}

// A good request that must still succeed after the bad ones.
void ExpectHealthy(TestServer& t) {
  CHECK(t.Serving());
  v1::HashRequest request;
  request.set_algorithm(v1::HASH_ALGORITHM_SHA256);
  *request.mutable_messages() = Fixed("abc", 3);
  v1::HashResponse response;
  REQUIRE(t.hash->Hash(Context().get(), request, &response).ok());
  CHECK(response.digests().size() == 32);
}

TEST_CASE("Hash rejects bad requests with INVALID_ARGUMENT naming the field", "[grpc][bad]") {
  TestServer t;
  v1::HashResponse response;

  v1::HashRequest request;
  *request.mutable_messages() = Fixed("abc", 3);
  ExpectStatus(t.hash->Hash(Context().get(), request, &response),
               grpc::StatusCode::INVALID_ARGUMENT, "algorithm: must be set");

  request.set_algorithm(static_cast<v1::HashAlgorithm>(42));
  ExpectStatus(t.hash->Hash(Context().get(), request, &response),
               grpc::StatusCode::INVALID_ARGUMENT, "algorithm: unknown value 42");

  request.set_algorithm(v1::HASH_ALGORITHM_KECCAK256);
  request.clear_messages();
  ExpectStatus(t.hash->Hash(Context().get(), request, &response),
               grpc::StatusCode::INVALID_ARGUMENT, "messages: empty batch");

  *request.mutable_messages() = Fixed("abcd", 3);
  ExpectStatus(t.hash->Hash(Context().get(), request, &response),
               grpc::StatusCode::INVALID_ARGUMENT,
               "messages.data: 4 bytes is not a multiple of item_size 3");

  request.mutable_messages()->set_item_size(0);
  for (uint64_t o : {0, 3, 2, 4}) request.mutable_messages()->add_offsets(o);
  ExpectStatus(t.hash->Hash(Context().get(), request, &response),
               grpc::StatusCode::INVALID_ARGUMENT,
               "messages.offsets[2]: 2 is below the previous offset 3 (item 1)");

  request.mutable_messages()->clear_offsets();
  request.mutable_messages()->add_offsets(0);
  request.mutable_messages()->add_offsets(4);
  request.set_placement(static_cast<v1::Placement>(5));
  ExpectStatus(t.hash->Hash(Context().get(), request, &response),
               grpc::StatusCode::INVALID_ARGUMENT, "placement: unknown value 5");

  request.set_placement(v1::PLACEMENT_GPU);
  ExpectStatus(t.hash->Hash(Context().get(), request, &response),
               grpc::StatusCode::FAILED_PRECONDITION, "no healthy GPU engine runs this hash batch");
  ExpectHealthy(t);
}

TEST_CASE("Signature and Merkle requests reject structural errors", "[grpc][bad]") {
  TestServer t;
  {
    v1::VerifyRequest request;
    request.set_scheme(v1::SIGNATURE_SCHEME_ECDSA_SECP256K1);
    *request.mutable_messages() = Fixed(std::string(64, 'm'), 32);
    *request.mutable_public_keys() = Fixed(std::string(33, 'k'), 33);
    *request.mutable_signatures() = Fixed(std::string(128, 's'), 64);
    v1::VerifyResponse response;
    ExpectStatus(t.signature->Verify(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "public_keys has 1 items but messages has 2");
    request.clear_public_keys();
    ExpectStatus(t.signature->Verify(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "public_keys: empty batch");
    request.set_scheme(v1::SIGNATURE_SCHEME_UNSPECIFIED);
    ExpectStatus(t.signature->Verify(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "scheme: must be set");
    request.set_scheme(v1::SIGNATURE_SCHEME_ED25519);
    request.set_pre_hash(static_cast<v1::PreHash>(9));
    ExpectStatus(t.signature->Verify(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "pre_hash: unknown value 9");
    request.set_pre_hash(v1::PRE_HASH_NONE);
    request.set_signature_encoding(v1::SIGNATURE_ENCODING_DER);
    ExpectStatus(t.signature->Verify(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "signature_encoding: DER is only for ECDSA");
  }
  {
    v1::RecoverRequest request;
    request.set_hashes(std::string(64, 'h'));
    request.set_signatures(std::string(65, 's'));
    v1::RecoverResponse response;
    ExpectStatus(t.signature->Recover(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "signatures has 1 items but hashes has 2");
    request.set_hashes(std::string(33, 'h'));
    ExpectStatus(t.signature->Recover(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "hashes: 33 bytes is not a multiple of 32");
  }
  {
    v1::BuildTreeRequest request;
    request.set_scheme(v1::MERKLE_SCHEME_OZ_KECCAK_SORTED);
    request.set_leaves(std::string(96, 'l'));
    request.add_proof_indices(0);
    request.add_proof_indices(3);
    v1::BuildTreeResponse response;
    ExpectStatus(t.merkle->BuildTree(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "proof_indices[1]: leaf index 3 is not below the 3 leaves");
    request.clear_proof_indices();
    request.set_scheme(static_cast<v1::MerkleScheme>(12));
    ExpectStatus(t.merkle->BuildTree(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "scheme: unknown value 12");
    request.set_scheme(v1::MERKLE_SCHEME_BITCOIN);
    request.set_leaf_encoding(v1::LEAF_ENCODING_RAW_ENTRIES);
    ExpectStatus(t.merkle->BuildTree(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "RAW_ENTRIES is only for the RFC6962");
  }
  {
    v1::VerifyProofsRequest request;
    request.set_scheme(v1::MERKLE_SCHEME_BITCOIN);
    request.set_root(std::string(32, 'r'));
    request.set_leaves(std::string(64, 'l'));
    request.add_leaf_indices(0);
    request.add_proof_lengths(0);
    request.add_proof_lengths(0);
    v1::VerifyProofsResponse response;
    ExpectStatus(t.merkle->VerifyProofs(Context().get(), request, &response),
                 grpc::StatusCode::INVALID_ARGUMENT, "leaf_indices has 1 items but leaves has 2");
  }
  ExpectHealthy(t);
}

TEST_CASE("Limits give RESOURCE_EXHAUSTED", "[grpc][bad]") {
  Config config = TestServer::DefaultConfig();
  config.limits.max_batch_items = 1000;
  config.limits.max_message_bytes = 4u << 20;
  TestServer t(config);
  v1::HashResponse response;
  v1::HashRequest request;
  request.set_algorithm(v1::HASH_ALGORITHM_SHA256);
  *request.mutable_messages() = Fixed(std::string(1001, 'x'), 1);
  ExpectStatus(t.hash->Hash(Context().get(), request, &response),
               grpc::StatusCode::RESOURCE_EXHAUSTED,
               "messages: 1001 items exceed the limit of 1000 per batch");

  // Over the message size limit: gRPC refuses it before the handler runs.
  *request.mutable_messages() = Fixed(std::string(5u << 20, 'x'), 1u << 20);
  const grpc::Status status = t.hash->Hash(Context().get(), request, &response);
  CHECK(status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);

  v1::BuildTreeRequest tree;
  tree.set_scheme(v1::MERKLE_SCHEME_BITCOIN);
  tree.set_leaves(std::string(32 * 1001, 'l'));
  v1::BuildTreeResponse tree_response;
  ExpectStatus(t.merkle->BuildTree(Context().get(), tree, &tree_response),
               grpc::StatusCode::RESOURCE_EXHAUSTED, "leaves: 1001 items exceed the limit");
  ExpectHealthy(t);
}

TEST_CASE("Garbage request bytes are refused and the daemon stays healthy", "[grpc][bad]") {
  TestServer t;
  // Field 1 as a length-delimited field claiming 100 bytes that are not there.
  const std::string garbage("\x0a\x64\xff\xfe\x00garbage", 10);
  auto [status, response] = RawUnaryCall(t.channel(), "/chainaccel.v1.HashService/Hash", garbage);
  ExpectStatus(status, grpc::StatusCode::INVALID_ARGUMENT,
               "request: the bytes are not a valid chainaccel.v1.HashRequest");
  ExpectHealthy(t);
}

}  // namespace
}  // namespace chainaccel::server
