#include "client/cli/input.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <optional>

#include "client/cli/command.h"
#include "client/cli/hex.h"

namespace chainaccel::cli {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string LineError(size_t line, std::string_view what, std::string_view problem) {
  std::string message = "input line " + std::to_string(line) + ": " + std::string(what);
  message += ' ';
  message += problem;
  return message;
}

size_t CheckedHexSize(std::string_view text, size_t line, std::string_view what) {
  const std::optional<size_t> size = HexSize(text);
  if (!size) throw CliError(LineError(line, what, HexProblem(text)));
  return *size;
}

}  // namespace

std::string ReadInput(const std::string& path) {
  std::FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (file == nullptr) throw CliError("cannot open " + path + ": " + std::strerror(errno));
  constexpr size_t kChunk = size_t{1} << 16;
  std::string content;
  size_t used = 0;
  while (true) {
    if (content.size() - used < kChunk) content.resize(std::max(2 * content.size(), used + kChunk));
    const size_t n = std::fread(content.data() + used, 1, content.size() - used, file);
    used += n;
    if (n == 0) break;
  }
  const bool failed = std::ferror(file) != 0;
  if (file != stdin) std::fclose(file);
  if (failed) throw CliError("cannot read " + path);
  content.resize(used);
  return content;
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

size_t SplitFields(std::string_view line, std::span<std::string_view> fields) {
  size_t count = 0;
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i == line.size()) return count;
    const size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (count < fields.size()) fields[count] = line.substr(start, i - start);
    ++count;
  }
}

void AddHexItem(std::string_view text, size_t line, std::string_view what,
                PackedBatchBuilder* out) {
  const size_t size = CheckedHexSize(text, line, what);
  DecodeHexTo(text, out->Append(size));
}

void AppendHexOfSize(std::string_view text, size_t size, size_t line, std::string_view what,
                     std::string* out) {
  const size_t actual = CheckedHexSize(text, line, what);
  if (actual != size) {
    throw CliError(LineError(line, what,
                             "has " + std::to_string(actual) + " bytes, expected " +
                                 std::to_string(size)));
  }
  const size_t at = out->size();
  out->resize(at + size);
  DecodeHexTo(text, reinterpret_cast<uint8_t*>(out->data() + at));
}

}  // namespace chainaccel::cli
