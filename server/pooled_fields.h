// PooledFields: parses a request whose large bytes fields take their storage from a
// FieldBufferPool (server/field_buffer_pool.h), sizes a response's large outputs in such
// storage too, and gives it back when it is destroyed.
//
// Before protobuf parses the request, a scan of its wire bytes (tags and lengths only,
// payloads skipped) finds every singular bytes field of at least kMinPooledFieldBytes,
// at the top level or in a singular message field (not in a oneof), and places in it
// an empty buffer from the pool of at least its length. protobuf then parses into those
// buffers: one copy a field, into memory that is already mapped, and no regrowth. The
// parse itself is protobuf's (a merge into the fresh message, which is a parse), so the
// message and the verdict on malformed bytes are exactly protobuf's; the scan only
// chooses capacities, and stops at the first thing it does not understand.
//
// Not thread-safe. The message must outlive this object, and its pooled fields are empty
// once this object is destroyed (their buffers are back in the pool).
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/field_buffer_pool.h"

namespace chainaccel::server {

// Fields shorter than this are parsed the plain way (below glibc's mmap threshold of
// 128 KiB, which the daemon fixes, they come from reused heap memory anyway).
inline constexpr size_t kMinPooledFieldBytes = 256 << 10;

class PooledFields {
 public:
  PooledFields() = default;
  ~PooledFields();

  PooledFields(const PooledFields&) = delete;
  PooledFields& operator=(const PooledFields&) = delete;

  // Parses `bytes` into *message, as grpc::SerializationTraits<M>::Deserialize does
  // (true when they are a valid message), with its large bytes fields' storage from
  // *pool. `pool` null: a plain parse. REQUIRES: *message is empty; called once.
  bool Parse(const grpc::ByteBuffer& bytes, google::protobuf::Message* message,
             FieldBufferPool* pool);

  // Makes *field `size` zero bytes: a buffer from *pool when `size` is at least
  // kMinPooledFieldBytes (given back when this object is destroyed, as the request's are),
  // else a plain resize. For a response's outputs (a recovery's 64 MB of keys). `pool`
  // null: a plain resize. REQUIRES: *field outlives this object; one pool per object.
  void SizeBytes(std::string* field, size_t size, FieldBufferPool* pool);

 private:
  FieldBufferPool* pool_ = nullptr;
  // The request's fields holding a pool's buffer.
  std::vector<std::pair<google::protobuf::Message*, const google::protobuf::FieldDescriptor*>>
      fields_;
  std::vector<std::string*> sized_;  // SizeBytes' fields holding a pool's buffer
};

// Serializes `message` into *out as one slice whose storage comes from *pool and goes
// back to it when gRPC has sent it, when the message is at least kMinPooledFieldBytes
// (a recovery response of 1M items is 85 MB, which gRPC's own serializer copies into
// 1 MiB blocks mapped anew); else as gRPC's serializer does. False when protobuf cannot
// serialize it.
bool SerializeWithPool(const google::protobuf::Message& message,
                       const std::shared_ptr<FieldBufferPool>& pool, grpc::ByteBuffer* out);

}  // namespace chainaccel::server
