// Lowercase hexadecimal text of bytes: digests and identifiers in status messages, logs
// and file names. (The CLI parses hex in client/cli/hex.h: the client does not link core.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace chainaccel {

// Two lowercase hex digits per byte, most significant nibble first; "" for no bytes.
std::string HexEncode(std::span<const uint8_t> bytes);

inline std::string HexEncode(const uint8_t* bytes, size_t n) {
  return HexEncode(std::span<const uint8_t>(bytes, n));
}

}  // namespace chainaccel
