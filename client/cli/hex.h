// Hex text, as the CLI reads and writes it.
//
// Input: an optional 0x (or 0X) prefix, upper- or lower-case digits, and whitespace
// anywhere, which is ignored ("0xDE AD be ef"). Output: lower-case, no prefix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chainaccel::cli {

// Number of bytes `text` decodes to, or nullopt when it holds a character that is
// neither a hex digit nor whitespace, or an odd number of digits.
std::optional<size_t> HexSize(std::string_view text);

// Why HexSize(text) is nullopt, for error messages: "has an odd number of hex digits
// (7)" or "is not hex: 'g' at character 3" (counting from 1, the prefix included).
// REQUIRES: HexSize(text) is nullopt.
std::string HexProblem(std::string_view text);

// Writes the bytes of `text` to `out`. REQUIRES: HexSize(text) is set; out has room.
void DecodeHexTo(std::string_view text, uint8_t* out);

// The bytes of `text`, or nullopt where HexSize would be.
std::optional<std::string> DecodeHex(std::string_view text);

// Appends 2 * bytes.size() lower-case hex digits to *out.
void AppendHex(std::string_view bytes, std::string* out);
std::string ToHex(std::string_view bytes);

}  // namespace chainaccel::cli
