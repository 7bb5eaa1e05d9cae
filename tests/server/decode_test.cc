#include "server/decode.h"

#include <catch2/catch.hpp>

namespace chainaccel::server {
namespace {

Limits SmallLimits() {
  Limits l;
  l.max_batch_items = 4;
  return l;
}

TEST_CASE("DecodeByteBatch accepts the fixed layout", "[decode]") {
  v1::ByteBatch b;
  b.set_data(std::string(96, 'x'));
  b.set_item_size(32);
  PackedItems items;
  REQUIRE(DecodeByteBatch(b, "messages", Limits{}, &items).ok());
  CHECK(items.size() == 3);
  CHECK(items[2].size() == 32);
}

TEST_CASE("DecodeByteBatch accepts the variable layout with empty items", "[decode]") {
  v1::ByteBatch b;
  b.set_data("abcdef");
  for (uint64_t o : {0, 0, 2, 6, 6}) b.add_offsets(o);
  PackedItems items;
  REQUIRE(DecodeByteBatch(b, "messages", Limits{}, &items).ok());
  REQUIRE(items.size() == 4);
  CHECK(items[0].empty());
  CHECK(items[1].size() == 2);
  CHECK(items[2].size() == 4);
  CHECK(items[3].empty());
}

TEST_CASE("DecodeByteBatch names the field and item of each packing error", "[decode]") {
  PackedItems items;
  v1::ByteBatch b;
  Status s = DecodeByteBatch(b, "messages", Limits{}, &items);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "messages: empty batch");

  b.set_data(std::string(33, 'x'));
  b.set_item_size(32);
  s = DecodeByteBatch(b, "messages", Limits{}, &items);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "messages.data: 33 bytes is not a multiple of item_size 32");

  b.add_offsets(0);
  s = DecodeByteBatch(b, "messages", Limits{}, &items);
  CHECK(s.message() == "messages.offsets: must be empty when item_size is set");

  v1::ByteBatch v;
  v.set_data("abc");
  for (uint64_t o : {0, 2, 1, 3}) v.add_offsets(o);
  s = DecodeByteBatch(v, "public_keys", Limits{}, &items);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "public_keys.offsets[2]: 1 is below the previous offset 2 (item 1)");

  v.clear_offsets();
  for (uint64_t o : {1, 3}) v.add_offsets(o);
  s = DecodeByteBatch(v, "public_keys", Limits{}, &items);
  CHECK(s.message() == "public_keys.offsets[0]: must be 0, got 1");

  v.clear_offsets();
  for (uint64_t o : {0, 2}) v.add_offsets(o);
  s = DecodeByteBatch(v, "public_keys", Limits{}, &items);
  CHECK(s.message() == "public_keys.offsets[1]: last offset 2 must equal the data size 3");

  v.clear_offsets();
  s = DecodeByteBatch(v, "signatures", Limits{}, &items);
  CHECK(s.message() == "signatures: data given without item_size or offsets");

  // Regression: offsets [0] (zero items) was answered "needs n + 1 entries for n items,
  // got 1", a message that contradicts itself. Zero items is an empty batch, as omitted.
  v1::ByteBatch zero;
  zero.add_offsets(0);
  s = DecodeByteBatch(zero, "messages", Limits{}, &items);
  CHECK(s.message() == "messages: empty batch");
  zero.set_data("abc");
  s = DecodeByteBatch(zero, "messages", Limits{}, &items);
  CHECK(s.message() == "messages.offsets: [0] describes no item, yet data has 3 bytes");
}

TEST_CASE("An RFC 6962 tree of zero raw entries is the empty log however it is sent",
          "[decode]") {
  // Regression: entries sent as offsets [0] (or a fixed size and no data) were refused,
  // while omitting them worked; docs/merkle.md allows the empty log.
  for (int form = 0; form < 3; ++form) {
    v1::BuildTreeRequest r;
    r.set_scheme(v1::MERKLE_SCHEME_RFC6962);
    r.set_leaf_encoding(v1::LEAF_ENCODING_RAW_ENTRIES);
    if (form == 1) r.mutable_entries()->add_offsets(0);
    if (form == 2) r.mutable_entries()->set_item_size(32);
    MerkleBuildTask task;
    INFO("form " << form);
    const Status s = DecodeBuildTreeRequest(r, Limits{}, &task);
    CHECK(s.ok());
    CHECK(task.leaves.size() == 0);
    CHECK(task.leaves_are_entries);
  }
}

TEST_CASE("DecodeByteBatch enforces the item limit with RESOURCE_EXHAUSTED", "[decode]") {
  v1::ByteBatch b;
  b.set_data(std::string(5, 'x'));
  b.set_item_size(1);
  PackedItems items;
  Status s = DecodeByteBatch(b, "messages", SmallLimits(), &items);
  CHECK(s.code() == Status::Code::kResourceExhausted);
  CHECK(s.message() == "messages: 5 items exceed the limit of 4 per batch");
}

TEST_CASE("DecodeVerifyRequest rejects mismatched counts naming both fields", "[decode]") {
  v1::VerifyRequest r;
  r.set_scheme(v1::SIGNATURE_SCHEME_ED25519);
  r.mutable_messages()->set_data(std::string(64, 'm'));
  r.mutable_messages()->set_item_size(32);
  r.mutable_public_keys()->set_data(std::string(96, 'k'));
  r.mutable_public_keys()->set_item_size(32);
  r.mutable_signatures()->set_data(std::string(128, 's'));
  r.mutable_signatures()->set_item_size(64);
  std::vector<ItemStatus> statuses;
  SignatureVerifyTask task;
  Status s = DecodeVerifyRequest(r, Limits{}, &statuses, &task);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "public_keys has 3 items but messages has 2");
}

TEST_CASE("Decoders reject unspecified and unknown enums naming the field", "[decode]") {
  v1::HashRequest h;
  h.mutable_messages()->set_data("abc");
  h.mutable_messages()->set_item_size(3);
  v1::HashResponse response;
  HashTask task;
  Status s = DecodeHashRequest(h, Limits{}, &response, &task);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "algorithm: must be set (SHA256, SHA256D or KECCAK256)");
  h.set_algorithm(static_cast<v1::HashAlgorithm>(77));
  s = DecodeHashRequest(h, Limits{}, &response, &task);
  CHECK(s.message() == "algorithm: unknown value 77");

  Placement p;
  s = DecodePlacement(static_cast<v1::Placement>(9), &p);
  CHECK(s.message() == "placement: unknown value 9");
}

TEST_CASE("DecodeBuildTreeRequest checks proof indices and scheme options", "[decode]") {
  v1::BuildTreeRequest r;
  r.set_scheme(v1::MERKLE_SCHEME_BITCOIN);
  r.set_leaves(std::string(64, 'l'));
  r.add_proof_indices(1);
  r.add_proof_indices(2);
  MerkleBuildTask task;
  Status s = DecodeBuildTreeRequest(r, Limits{}, &task);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "proof_indices[1]: leaf index 2 is not below the 2 leaves");

  r.clear_proof_indices();
  r.set_sort_leaves(true);
  s = DecodeBuildTreeRequest(r, Limits{}, &task);
  CHECK(s.message() == "sort_leaves: only for the OZ_KECCAK_SORTED scheme");

  r.set_sort_leaves(false);
  r.set_leaves("");
  s = DecodeBuildTreeRequest(r, Limits{}, &task);
  CHECK(s.message() == "leaves: the scheme needs at least one leaf");

  r.set_scheme(v1::MERKLE_SCHEME_RFC6962);
  s = DecodeBuildTreeRequest(r, Limits{}, &task);
  CHECK(s.ok());  // the empty log has a root
  CHECK(task.leaves.empty());

  r.set_leaves(std::string(31, 'l'));
  s = DecodeBuildTreeRequest(r, Limits{}, &task);
  CHECK(s.message() == "leaves: 31 bytes is not a multiple of 32");
}

TEST_CASE("DecodeVerifyProofsRequest checks proof packing", "[decode]") {
  v1::VerifyProofsRequest r;
  r.set_scheme(v1::MERKLE_SCHEME_RFC6962);
  r.set_root(std::string(32, 'r'));
  r.set_leaf_count(4);
  r.set_leaves(std::string(64, 'l'));
  r.add_leaf_indices(0);
  r.add_leaf_indices(1);
  r.add_proof_lengths(2);
  r.add_proof_lengths(2);
  r.set_proof_hashes(std::string(32 * 3, 'p'));
  std::vector<ItemStatus> statuses;
  MerkleVerifyTask task;
  Status s = DecodeVerifyProofsRequest(r, Limits{}, &statuses, &task);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "proof_lengths: add up to 4 hashes but proof_hashes holds 3");
  r.set_proof_hashes(std::string(32 * 4, 'p'));
  CHECK(DecodeVerifyProofsRequest(r, Limits{}, &statuses, &task).ok());
  CHECK(statuses.size() == 2);
  r.set_root("short");
  s = DecodeVerifyProofsRequest(r, Limits{}, &statuses, &task);
  CHECK(s.message() == "root: must be 32 bytes, got 5");
}

TEST_CASE("DecodeRecoverRequest sizes the outputs", "[decode]") {
  v1::RecoverRequest r;
  r.set_hashes(std::string(64, 'h'));
  r.set_signatures(std::string(130, 's'));
  v1::RecoverResponse response;
  std::vector<ItemStatus> statuses;
  SignatureRecoverTask task;
  REQUIRE(DecodeRecoverRequest(r, Limits{}, &response, &statuses, &task).ok());
  CHECK(task.count == 2);
  CHECK(response.public_keys().size() == 128);
  CHECK(response.addresses().size() == 40);
  r.set_signatures(std::string(129, 's'));
  Status s = DecodeRecoverRequest(r, Limits{}, &response, &statuses, &task);
  CHECK(s.message() == "signatures: 129 bytes is not a multiple of 65");
}

}  // namespace
}  // namespace chainaccel::server
