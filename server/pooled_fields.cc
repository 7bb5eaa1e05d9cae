#include "server/pooled_fields.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <climits>
#include <string>

namespace chainaccel::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;

// Message fields the scan descends into below the top level (a request's ByteBatch is
// one level down).
constexpr int kMaxScanDepth = 3;

// Whether `field` may hold a pool's buffer: a singular bytes field outside any oneof (a
// oneof's other member, parsed later, would drop it), `length` long.
bool PoolableBytes(const FieldDescriptor& field, uint32_t length) {
  return field.type() == FieldDescriptor::TYPE_BYTES && !field.is_repeated() &&
         field.containing_oneof() == nullptr && length >= kMinPooledFieldBytes;
}

// A singular message field outside any oneof, long enough to hold a poolable field.
bool ScannableMessage(const FieldDescriptor& field, uint32_t length) {
  return field.type() == FieldDescriptor::TYPE_MESSAGE && !field.is_repeated() &&
         field.containing_oneof() == nullptr && length >= kMinPooledFieldBytes;
}

// Walks the fields of `message` in `in` up to its current limit, placing buffers of
// `pool` in the poolable bytes fields (recorded in *fields). Stops quietly at anything it
// cannot read: protobuf's parse gives the verdict.
void PlacePoolBuffers(CodedInputStream& in, Message* message, int depth, FieldBufferPool& pool,
                      std::vector<std::pair<Message*, const FieldDescriptor*>>* fields) {
  const google::protobuf::Descriptor& descriptor = *message->GetDescriptor();
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return;  // the limit, the end, or an unreadable tag
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag)) return;
      continue;
    }
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return;
    const int remaining = in.BytesUntilLimit();
    if (remaining < 0 || length > static_cast<uint32_t>(remaining)) return;
    const FieldDescriptor* field =
        descriptor.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
    const auto placed = [&] {
      for (const auto& [m, f] : *fields) {
        if (m == message && f == field) return true;
      }
      return false;
    };
    if (field != nullptr && PoolableBytes(*field, length) && !placed()) {
      message->GetReflection()->SetString(message, field, pool.Take(length));
      fields->emplace_back(message, field);
    } else if (field != nullptr && ScannableMessage(*field, length) && depth < kMaxScanDepth) {
      const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(length));
      PlacePoolBuffers(in, message->GetReflection()->MutableMessage(message, field), depth + 1,
                       pool, fields);
      const int rest = in.BytesUntilLimit();
      const bool skipped = rest >= 0 && in.Skip(rest);
      in.PopLimit(limit);
      if (!skipped) return;
      continue;
    }
    if (!in.Skip(static_cast<int>(length))) return;
  }
}

}  // namespace

PooledFields::~PooledFields() {
  for (std::string* field : sized_) pool_->Give(std::move(*field));
  for (const auto& [message, field] : fields_) {
    std::string scratch;
    const std::string& held = message->GetReflection()->GetStringReference(*message, field, &scratch);
    // The field's own string (never protobuf's shared empty default, whose capacity is
    // below any pooled buffer's).
    if (&held == &scratch || held.capacity() < kMinPooledFieldBytes) continue;
    pool_->Give(std::move(const_cast<std::string&>(held)));
  }
}

void PooledFields::SizeBytes(std::string* field, size_t size, FieldBufferPool* pool) {
  if (pool == nullptr || size < kMinPooledFieldBytes) {
    field->resize(size);
    return;
  }
  pool_ = pool;
  std::string buffer = pool->Take(size);
  buffer.resize(size);  // zeroes: an item an engine leaves unwritten reads as zeros
  field->swap(buffer);
  sized_.push_back(field);
}

bool PooledFields::Parse(const grpc::ByteBuffer& bytes, Message* message, FieldBufferPool* pool) {
  const size_t length = bytes.Length();
  if (pool == nullptr || length < kMinPooledFieldBytes || length > INT_MAX) {
    grpc::ByteBuffer copy(bytes);  // Deserialize consumes the buffer it is given
    return grpc::SerializationTraits<Message>::Deserialize(&copy, message).ok();
  }
  pool_ = pool;
  {
    grpc::ByteBuffer copy(bytes);
    grpc::ProtoBufferReader reader(&copy);
    if (!reader.status().ok()) return false;
    CodedInputStream in(&reader);
    in.PushLimit(static_cast<int>(length));
    PlacePoolBuffers(in, message, 0, *pool, &fields_);
  }
  grpc::ByteBuffer copy(bytes);
  grpc::ProtoBufferReader reader(&copy);
  if (!reader.status().ok()) return false;
  // A merge into the empty message: protobuf's parse without its Clear(), which would
  // drop the buffers just placed.
  return message->MergeFromBoundedZeroCopyStream(&reader, static_cast<int>(length));
}

namespace {

// A serialized message in a pool's buffer, owned by the gRPC slice over it.
struct PooledSlice {
  std::string bytes;
  std::shared_ptr<FieldBufferPool> pool;  // outlives every slice over its buffers
};

void ReturnPooledSlice(void* user_data) {
  std::unique_ptr<PooledSlice> slice(static_cast<PooledSlice*>(user_data));
  slice->pool->Give(std::move(slice->bytes));
}

}  // namespace

bool SerializeWithPool(const Message& message, const std::shared_ptr<FieldBufferPool>& pool,
                       grpc::ByteBuffer* out) {
  const size_t size = message.ByteSizeLong();
  if (pool == nullptr || size < kMinPooledFieldBytes || size > INT_MAX) {
    bool own_buffer = false;
    return grpc::SerializationTraits<Message>::Serialize(message, out, &own_buffer).ok();
  }
  if (!message.IsInitialized()) return false;  // as SerializeToString would refuse it
  auto slice = std::make_unique<PooledSlice>(PooledSlice{pool->Take(size), pool});
  slice->bytes.resize(size);
  char* data = slice->bytes.data();
  // With the sizes ByteSizeLong just cached: a 1M-item response's packed statuses are
  // walked once for their size, not twice.
  message.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(data));
  grpc::Slice whole(data, size, &ReturnPooledSlice, slice.release());
  grpc::ByteBuffer bytes(&whole, 1);
  out->Swap(&bytes);
  return true;
}

}  // namespace chainaccel::server
