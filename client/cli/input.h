// Reading the CLI's inputs: whole files or standard input, split into lines and fields
// without an allocation per line, and hex fields decoded straight into their batch.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "client/packed_batch.h"

namespace chainaccel::cli {

// The whole content of the file at `path`, or of standard input for "-".
// Throws CliError when it cannot be read.
std::string ReadInput(const std::string& path);

// Calls f(line_number, line) for each line of `text`, numbered from 1, without its
// '\n'. A last line without '\n' counts; a final '\n' does not start another line.
template <typename F>
void ForEachLine(std::string_view text, F&& f) {
  size_t number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    f(++number, text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

// True when `line` holds only whitespace.
bool IsBlank(std::string_view line);

// Splits `line` at whitespace into at most fields.size() fields and returns how many
// fields the line holds (possibly more than it stored).
size_t SplitFields(std::string_view line, std::span<std::string_view> fields);

// Decodes hex `text` (field `what` of input line `line`) and appends it to *out as one
// item. Throws CliError naming the line and field when it is not hex.
void AddHexItem(std::string_view text, size_t line, std::string_view what,
                PackedBatchBuilder* out);

// Decodes hex `text` and appends its bytes to *out; they must be `size` bytes.
// Throws CliError naming the line and field otherwise.
void AppendHexOfSize(std::string_view text, size_t size, size_t line, std::string_view what,
                     std::string* out);

}  // namespace chainaccel::cli
