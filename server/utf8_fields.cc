#include "server/utf8_fields.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <map>

#include "core/utf8.h"

namespace chainaccel::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

// Walks the fields of one message; true (with *path set) at the first bad string.
bool Walk(const google::protobuf::Descriptor& descriptor, std::string_view bytes,
          const std::string& prefix, int depth, std::string* path) {
  if (depth > 32) return false;  // deeper than any message of the API
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::map<int, int> seen;  // occurrences per field number, for repeated indexes
  while (const uint32_t tag = in.ReadTag()) {
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    uint32_t length = 0;
    std::string value;
    if (!in.ReadVarint32(&length) || !in.ReadString(&value, static_cast<int>(length))) return false;
    const FieldDescriptor* field = descriptor.FindFieldByNumber(number);
    if (field == nullptr) continue;
    std::string name = prefix + field->name();
    if (field->is_repeated()) name += "[" + std::to_string(seen[number]++) + "]";
    if (field->type() == FieldDescriptor::TYPE_STRING && !IsValidUtf8(value)) {
      *path = name;
      return true;
    }
    if (field->type() == FieldDescriptor::TYPE_MESSAGE &&
        Walk(*field->message_type(), value, name + ".", depth + 1, path)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string FindInvalidUtf8Field(const google::protobuf::Descriptor& descriptor,
                                 std::string_view bytes) {
  std::string path;
  Walk(descriptor, bytes, "", 0, &path);
  return path;
}

}  // namespace chainaccel::server
