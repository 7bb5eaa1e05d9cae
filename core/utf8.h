// UTF-8 checks for text that leaves the daemon in proto `string` fields (which strict
// clients refuse to read when they are not valid UTF-8).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chainaccel {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` as valid UTF-8 of at most `max_bytes` bytes: each byte that does not start a
// well-formed sequence becomes U+FFFD, and the result is cut at a character boundary.
std::string ToValidUtf8(std::string_view text, size_t max_bytes = std::string::npos);

}  // namespace chainaccel
