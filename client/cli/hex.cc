#include "client/cli/hex.h"

namespace chainaccel::cli {
namespace {

constexpr int kNotHex = -1;
constexpr int kSpace = -2;

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') return kSpace;
  return kNotHex;
}

// `text` without leading whitespace and without a 0x prefix.
std::string_view Digits(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && DigitValue(text[i]) == kSpace) ++i;
  text.remove_prefix(i);
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
  }
  return text;
}

}  // namespace

std::optional<size_t> HexSize(std::string_view text) {
  size_t digits = 0;
  for (char c : Digits(text)) {
    const int v = DigitValue(c);
    if (v == kNotHex) return std::nullopt;
    if (v >= 0) ++digits;
  }
  if (digits % 2 != 0) return std::nullopt;
  return digits / 2;
}

std::string HexProblem(std::string_view text) {
  const std::string_view digits = Digits(text);
  const size_t prefix = text.size() - digits.size();
  size_t count = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    const int v = DigitValue(digits[i]);
    if (v == kNotHex) {
      return "is not hex: '" + std::string(1, digits[i]) + "' at character " +
             std::to_string(prefix + i + 1);
    }
    if (v >= 0) ++count;
  }
  return "has an odd number of hex digits (" + std::to_string(count) + ")";
}

void DecodeHexTo(std::string_view text, uint8_t* out) {
  int high = kNotHex;
  for (char c : Digits(text)) {
    const int v = DigitValue(c);
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      *out++ = static_cast<uint8_t>(high << 4 | v);
      high = kNotHex;
    }
  }
}

std::optional<std::string> DecodeHex(std::string_view text) {
  const std::optional<size_t> size = HexSize(text);
  if (!size) return std::nullopt;
  std::string out(*size, '\0');
  DecodeHexTo(text, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const size_t at = out->size();
  out->resize(at + 2 * bytes.size());
  char* p = out->data() + at;
  for (unsigned char b : bytes) {
    *p++ = kDigits[b >> 4];
    *p++ = kDigits[b & 0xf];
  }
}

std::string ToHex(std::string_view bytes) {
  std::string out;
  AppendHex(bytes, &out);
  return out;
}

}  // namespace chainaccel::cli
