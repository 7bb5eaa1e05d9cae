// PooledFields and FieldBufferPool (server/pooled_fields.h, server/field_buffer_pool.h):
// a parse with pooled buffers must give exactly protobuf's message and verdict, on valid
// requests split over many slices and on every mutation of them, and the buffers must
// come back to the pool and be reused.
#include "server/pooled_fields.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/support/slice.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "chainaccel/v1/hash.pb.h"
#include "chainaccel/v1/merkle.pb.h"
#include "chainaccel/v1/signature.pb.h"
#include "server/field_buffer_pool.h"

namespace chainaccel::server {
namespace {

using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;

constexpr size_t kLarge = kMinPooledFieldBytes;

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// A length-delimited field on the wire: its tag (a number below 16), its length, `payload`.
std::string LengthField(int number, const std::string& payload) {
  std::string out(1, static_cast<char>(number << 3 | 2));
  for (size_t n = payload.size();; n >>= 7) {
    out.push_back(static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
    if (n <= 0x7f) break;
  }
  return out + payload;
}

// `bytes` as a ByteBuffer of slices of random sizes (1 byte to 64 KiB), as gRPC hands a
// large message over.
grpc::ByteBuffer Sliced(const std::string& bytes, std::mt19937_64& rng) {
  std::vector<grpc::Slice> slices;
  size_t at = 0;
  while (at < bytes.size()) {
    const size_t n = std::min<size_t>(bytes.size() - at, 1 + rng() % (64 << 10));
    slices.emplace_back(bytes.data() + at, n);
    at += n;
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

// Parses `bytes` with the pool and plainly; both must agree on the verdict and, when it
// is valid, on the message. Returns the verdict.
template <typename M>
bool ParsesAsProtobufDoes(const std::string& bytes, FieldBufferPool& pool, std::mt19937_64& rng) {
  M plain;
  const bool plain_ok = plain.ParseFromString(bytes);
  M pooled;
  bool pooled_ok = false;
  {
    PooledFields fields;
    pooled_ok = fields.Parse(Sliced(bytes, rng), &pooled, &pool);
    CHECK(pooled_ok == plain_ok);
    if (pooled_ok && plain_ok) CHECK(MessageDifferencer::Equals(plain, pooled));
  }
  return plain_ok;
}

v1::VerifyRequest LargeVerifyRequest(std::mt19937_64& rng, size_t items) {
  v1::VerifyRequest r;
  r.set_scheme(v1::SIGNATURE_SCHEME_ED25519);
  r.mutable_messages()->set_data(RandomBytes(rng, items * 32));
  r.mutable_messages()->set_item_size(32);
  r.mutable_public_keys()->set_data(RandomBytes(rng, items * 32));
  r.mutable_public_keys()->set_item_size(32);
  r.mutable_signatures()->set_data(RandomBytes(rng, items * 64));
  r.mutable_signatures()->set_item_size(64);
  r.set_allow_high_s(true);
  return r;
}

TEST_CASE("a pooled parse of large requests equals protobuf's, and reuses the buffers",
          "[pooled_fields]") {
  std::mt19937_64 rng(20261207);
  FieldBufferPool pool(size_t{256} << 20);
  const v1::VerifyRequest request = LargeVerifyRequest(rng, 3 * kLarge / 32);
  const std::string bytes = request.SerializeAsString();
  REQUIRE(ParsesAsProtobufDoes<v1::VerifyRequest>(bytes, pool, rng));
  // The three data fields came back: 3 + 3 + 6 times kLarge.
  CHECK(pool.kept_bytes() >= 12 * kLarge);
  const size_t kept = pool.kept_bytes();
  REQUIRE(ParsesAsProtobufDoes<v1::VerifyRequest>(bytes, pool, rng));
  CHECK(pool.kept_bytes() == kept);  // the same buffers again, none new

  v1::HashRequest hash;
  hash.mutable_messages()->set_data(RandomBytes(rng, 2 * kLarge + 7));
  for (uint64_t o : {0ul, 5ul, kLarge, 2 * kLarge + 7}) hash.mutable_messages()->add_offsets(o);
  REQUIRE(ParsesAsProtobufDoes<v1::HashRequest>(hash.SerializeAsString(), pool, rng));

  v1::VerifyProofsRequest proofs;  // large bytes fields at the top level
  proofs.set_leaves(RandomBytes(rng, kLarge * 2));
  proofs.set_proof_hashes(RandomBytes(rng, kLarge + 1));
  proofs.set_root(RandomBytes(rng, 32));
  REQUIRE(ParsesAsProtobufDoes<v1::VerifyProofsRequest>(proofs.SerializeAsString(), pool, rng));
}

TEST_CASE("a pooled parse agrees with protobuf on repeated, merged and misplaced fields",
          "[pooled_fields]") {
  std::mt19937_64 rng(7);
  FieldBufferPool pool(size_t{64} << 20);
  const auto field = LengthField;
  const std::string big = RandomBytes(rng, kLarge + 100);
  const std::string bigger = RandomBytes(rng, 2 * kLarge);
  // ByteBatch.data twice (the last wins), smaller then larger and larger then smaller.
  CHECK(ParsesAsProtobufDoes<v1::VerifyRequest>(field(2, field(1, big) + field(1, bigger)), pool, rng));
  CHECK(ParsesAsProtobufDoes<v1::VerifyRequest>(field(2, field(1, bigger) + field(1, big)), pool, rng));
  // The ByteBatch twice: merged, data from the second.
  CHECK(ParsesAsProtobufDoes<v1::VerifyRequest>(field(2, field(1, big)) + field(2, field(1, bigger)),
                                                pool, rng));
  // A field number the message does not have, large, and an enum field sent as bytes
  // (both kept as unknown fields).
  CHECK(ParsesAsProtobufDoes<v1::VerifyRequest>(field(15, bigger) + field(2, field(1, big)), pool,
                                                rng));
  CHECK(ParsesAsProtobufDoes<v1::VerifyRequest>(field(1, bigger), pool, rng));
  // The ByteBatch's data field sent as a varint, then as bytes.
  CHECK(ParsesAsProtobufDoes<v1::VerifyRequest>(field(2, std::string("\x08\x05") + field(1, big)),
                                                pool, rng));
  // A length past the end, at the top level and inside the ByteBatch.
  CHECK_FALSE(ParsesAsProtobufDoes<v1::VerifyRequest>(field(2, field(1, big)).substr(0, kLarge),
                                                      pool, rng));
  std::string inner = field(2, field(1, big));
  inner[1] = static_cast<char>(inner[1] + 1);  // the ByteBatch's length one too many
  CHECK_FALSE(ParsesAsProtobufDoes<v1::VerifyRequest>(inner, pool, rng));
}

TEST_CASE("a pooled parse agrees with protobuf on every truncation and on byte mutations",
          "[pooled_fields]") {
  std::mt19937_64 rng(11);
  FieldBufferPool pool(size_t{64} << 20);
  v1::VerifyRequest request = LargeVerifyRequest(rng, kLarge / 32 + 3);
  request.mutable_messages()->clear_item_size();
  for (uint64_t i = 0; i <= request.messages().data().size(); i += 32) {
    request.mutable_messages()->add_offsets(i);
  }
  const std::string bytes = request.SerializeAsString();
  // Cuts in the headers (where the scan reads) and in the payloads.
  std::vector<size_t> cuts;
  for (size_t i = 0; i < 64; ++i) cuts.push_back(i);
  for (int i = 0; i < 64; ++i) cuts.push_back(rng() % bytes.size());
  for (const size_t cut : cuts) {
    ParsesAsProtobufDoes<v1::VerifyRequest>(bytes.substr(0, cut), pool, rng);
  }
  // Bytes changed within the first 64 (tags, lengths, scalars) and anywhere.
  for (int round = 0; round < 200; ++round) {
    std::string mutated = bytes;
    const size_t at = round < 150 ? rng() % 64 : rng() % mutated.size();
    mutated[at] = static_cast<char>(rng());
    ParsesAsProtobufDoes<v1::VerifyRequest>(mutated, pool, rng);
  }
  CHECK(pool.kept_bytes() <= size_t{64} << 20);
}

// A message type with what the daemon's requests do not have: a oneof of bytes fields, a
// repeated bytes field and a nested message in a oneof.
const google::protobuf::Descriptor* OddMessageType(google::protobuf::DescriptorPool& types) {
  google::protobuf::FileDescriptorProto file;
  file.set_name("odd.proto");
  file.set_syntax("proto3");
  auto* inner = file.add_message_type();
  inner->set_name("Inner");
  auto* data = inner->add_field();
  data->set_name("data");
  data->set_number(1);
  data->set_type(google::protobuf::FieldDescriptorProto::TYPE_BYTES);
  data->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  auto* odd = file.add_message_type();
  odd->set_name("Odd");
  odd->add_oneof_decl()->set_name("choice");
  const auto add = [&](const char* name, int number, bool message, bool repeated, bool oneof) {
    auto* f = odd->add_field();
    f->set_name(name);
    f->set_number(number);
    f->set_type(message ? google::protobuf::FieldDescriptorProto::TYPE_MESSAGE
                        : google::protobuf::FieldDescriptorProto::TYPE_BYTES);
    if (message) f->set_type_name(".Inner");
    f->set_label(repeated ? google::protobuf::FieldDescriptorProto::LABEL_REPEATED
                          : google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
    if (oneof) f->set_oneof_index(0);
  };
  add("a", 1, false, false, true);
  add("b", 2, false, false, true);
  add("c", 3, true, false, true);
  add("d", 4, false, true, false);
  add("e", 5, true, false, false);
  REQUIRE(types.BuildFile(file) != nullptr);
  return types.FindMessageTypeByName("Odd");
}

TEST_CASE("a pooled parse agrees with protobuf on oneofs and repeated bytes",
          "[pooled_fields]") {
  std::mt19937_64 rng(13);
  google::protobuf::DescriptorPool types;
  const google::protobuf::Descriptor* type = OddMessageType(types);
  google::protobuf::DynamicMessageFactory factory(&types);
  const Message* prototype = factory.GetPrototype(type);
  FieldBufferPool pool(size_t{64} << 20);
  const auto field = LengthField;
  const std::string x = RandomBytes(rng, kLarge + 5);
  const std::string y = RandomBytes(rng, kLarge * 2);
  for (const std::string& bytes :
       {field(1, x) + field(2, y), field(2, y) + field(1, x), field(1, x) + field(3, field(1, y)),
        field(3, field(1, y)) + field(1, x), field(4, x) + field(4, y) + field(5, field(1, x)),
        field(5, field(1, x)) + field(5, field(1, y)) + field(1, y)}) {
    std::unique_ptr<Message> plain(prototype->New());
    REQUIRE(plain->ParseFromString(bytes));
    std::unique_ptr<Message> pooled(prototype->New());
    {
      PooledFields fields;
      REQUIRE(fields.Parse(Sliced(bytes, rng), pooled.get(), &pool));
      CHECK(MessageDifferencer::Equals(*plain, *pooled));
    }
  }
  CHECK(pool.kept_bytes() > 0);
}

TEST_CASE("SizeBytes gives a large output field zeroed pooled storage, and takes it back",
          "[pooled_fields]") {
  FieldBufferPool pool(size_t{64} << 20);
  std::string kept;
  kept.reserve(kLarge + 10);
  kept.assign(kLarge + 10, 'x');  // a used buffer: SizeBytes must zero it
  const char* kept_data = kept.data();
  pool.Give(std::move(kept));
  v1::RecoverResponse response;
  {
    PooledFields fields;
    fields.SizeBytes(response.mutable_public_keys(), kLarge, &pool);
    fields.SizeBytes(response.mutable_addresses(), 100, &pool);  // small: plain
    CHECK(response.public_keys().data() == kept_data);
    CHECK(response.public_keys() == std::string(kLarge, '\0'));
    CHECK(response.addresses() == std::string(100, '\0'));
    CHECK(pool.kept_bytes() == 0);
  }
  CHECK(pool.kept_bytes() >= kLarge);
  CHECK(response.public_keys().empty());  // back in the pool
  PooledFields no_pool;
  no_pool.SizeBytes(response.mutable_public_keys(), kLarge, nullptr);
  CHECK(response.public_keys().size() == kLarge);
}

TEST_CASE("a large response is serialized into one pooled slice that comes back to the pool",
          "[pooled_fields]") {
  std::mt19937_64 rng(17);
  auto pool = std::make_shared<FieldBufferPool>(size_t{64} << 20);
  v1::RecoverResponse response;
  response.set_public_keys(RandomBytes(rng, kLarge * 2));
  response.set_addresses(RandomBytes(rng, kLarge));
  for (int i = 0; i < 1000; ++i) response.add_status(v1::ITEM_OK);
  const std::string expected = response.SerializeAsString();
  for (int round = 0; round < 2; ++round) {
    {
      grpc::ByteBuffer out;
      REQUIRE(SerializeWithPool(response, pool, &out));
      std::vector<grpc::Slice> slices;
      REQUIRE(out.Dump(&slices).ok());
      REQUIRE(slices.size() == 1);
      CHECK(std::string(reinterpret_cast<const char*>(slices[0].begin()), slices[0].size()) ==
            expected);
    }
    CHECK(pool->kept_bytes() >= expected.size());  // back once gRPC's slice is gone
  }
  // Small messages and no pool: gRPC's own serialization.
  v1::RecoverResponse small;
  small.add_status(v1::ITEM_INVALID);
  for (const std::shared_ptr<FieldBufferPool>& p : {pool, std::shared_ptr<FieldBufferPool>()}) {
    grpc::ByteBuffer out;
    REQUIRE(SerializeWithPool(p == nullptr ? response : small, p, &out));
    std::vector<grpc::Slice> slices;
    REQUIRE(out.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    CHECK(bytes == (p == nullptr ? expected : small.SerializeAsString()));
  }
}

TEST_CASE("FieldBufferPool takes the smallest buffer that fits, within twice the size",
          "[pooled_fields]") {
  FieldBufferPool pool(1000);
  std::string a;
  a.reserve(100);
  std::string b;
  b.reserve(400);
  const char* a_data = a.data();
  const char* b_data = b.data();
  pool.Give(std::move(a));
  pool.Give(std::move(b));
  CHECK(pool.kept_bytes() >= 500);
  const std::string for_90 = pool.Take(90);
  CHECK(for_90.data() == a_data);
  CHECK(for_90.empty());
  const std::string for_150 = pool.Take(150);  // the 400-byte one would waste too much
  CHECK(for_150.data() != b_data);
  CHECK(for_150.capacity() >= 150);
  const std::string for_250 = pool.Take(250);
  CHECK(for_250.data() == b_data);
  CHECK(pool.kept_bytes() == 0);
}

TEST_CASE("FieldBufferPool keeps at most its bytes, freeing the oldest, and frees unused ones",
          "[pooled_fields]") {
  FieldBufferPool pool(1000);
  std::string too_large;
  too_large.reserve(2000);
  pool.Give(std::move(too_large));
  CHECK(pool.kept_bytes() == 0);
  for (int i = 0; i < 3; ++i) {
    std::string s;
    s.reserve(400);
    pool.Give(std::move(s));
  }
  CHECK(pool.kept_bytes() <= 1000);
  CHECK(pool.kept_bytes() >= 800);
  CHECK(pool.FreeUnusedFor(std::chrono::hours(1)) == 0);
  CHECK(pool.FreeUnusedFor(std::chrono::seconds(0)) >= 800);
  CHECK(pool.kept_bytes() == 0);
}

}  // namespace
}  // namespace chainaccel::server
