#include "client/cli/input.h"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "client/cli/command.h"

namespace chainaccel::cli {
namespace {

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  ForEachLine(text, [&](size_t number, std::string_view line) {
    CHECK(number == lines.size() + 1);
    lines.emplace_back(line);
  });
  return lines;
}

TEST_CASE("ForEachLine splits at newlines and ignores a final one", "[input]") {
  CHECK(Lines("a\nb\n") == std::vector<std::string>{"a", "b"});
  CHECK(Lines("a\n\nb") == std::vector<std::string>{"a", "", "b"});
  CHECK(Lines("a\r\n") == std::vector<std::string>{"a\r"});
  CHECK(Lines("").empty());
}

TEST_CASE("SplitFields splits at whitespace and counts every field", "[input]") {
  std::array<std::string_view, 2> fields;
  CHECK(SplitFields("  aa \t bb\r", fields) == 2);
  CHECK(fields[0] == "aa");
  CHECK(fields[1] == "bb");
  CHECK(SplitFields("a b c", fields) == 3);
  CHECK(SplitFields("   ", fields) == 0);
}

TEST_CASE("AddHexItem decodes into the batch and names the line on error", "[input]") {
  PackedBatchBuilder builder;
  AddHexItem("0x0102", 1, "message", &builder);
  AddHexItem("03", 2, "message", &builder);
  const PackedBatch batch = builder.Finish();
  CHECK(batch.data == "\x01\x02\x03");
  CHECK(batch.offsets == std::vector<uint64_t>{0, 2, 3});
  CHECK_THROWS_WITH(AddHexItem("xyz", 7, "public key", &builder),
                    "input line 7: public key is not hex: 'x' at character 1");
  // Regression: an odd number of digits said only "is not hex".
  CHECK_THROWS_WITH(AddHexItem("0xabc", 8, "message", &builder),
                    "input line 8: message has an odd number of hex digits (3)");
}

TEST_CASE("AppendHexOfSize checks the size", "[input]") {
  std::string out;
  AppendHexOfSize("aabb", 2, 1, "hash", &out);
  CHECK(out == "\xaa\xbb");
  CHECK_THROWS_WITH(AppendHexOfSize("aa", 2, 3, "hash", &out),
                    "input line 3: hash has 1 bytes, expected 2");
}

TEST_CASE("ReadInput names a missing file", "[input]") {
  CHECK_THROWS_AS(ReadInput("/nonexistent/chainaccel-input"), CliError);
}

}  // namespace
}  // namespace chainaccel::cli
