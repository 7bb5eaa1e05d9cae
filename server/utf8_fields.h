// Where a protobuf message's bytes hold a `string` field that is not valid UTF-8 (which
// protobuf refuses to parse), so that the error can name the field.
#pragma once

#include <string>
#include <string_view>

namespace google::protobuf {
class Descriptor;
}  // namespace google::protobuf

namespace chainaccel::server {

// The path of the first `string` field of `bytes` (a serialized message of type
// `descriptor`) that is not valid UTF-8, as "transactions[1].function"; empty when there
// is none or the bytes are not a well-formed message.
std::string FindInvalidUtf8Field(const google::protobuf::Descriptor& descriptor,
                                 std::string_view bytes);

}  // namespace chainaccel::server
