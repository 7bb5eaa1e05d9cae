#include "client/cli/hex.h"

#include <catch2/catch.hpp>

namespace chainaccel::cli {
namespace {

TEST_CASE("DecodeHex takes a 0x prefix, either case and whitespace", "[hex]") {
  CHECK(DecodeHex("0xDEad be\tEF\r") == std::string("\xde\xad\xbe\xef"));
  CHECK(DecodeHex("  0X01") == std::string("\x01"));
  CHECK(DecodeHex("") == std::string());
  CHECK(DecodeHex("0x") == std::string());
}

TEST_CASE("DecodeHex rejects odd digit counts and non-hex characters", "[hex]") {
  CHECK_FALSE(DecodeHex("abc").has_value());
  CHECK_FALSE(DecodeHex("zz").has_value());
  CHECK_FALSE(DecodeHex("0x0x00").has_value());
  CHECK_FALSE(DecodeHex("00,11").has_value());
}

TEST_CASE("HexSize counts bytes without decoding", "[hex]") {
  CHECK(HexSize("0x 0011 2233") == 4u);
  CHECK_FALSE(HexSize("0g").has_value());
}

TEST_CASE("ToHex writes lower-case digits", "[hex]") {
  CHECK(ToHex(std::string("\x00\xab\xff", 3)) == "00abff");
  std::string out = "x";
  AppendHex("\x01", &out);
  CHECK(out == "x01");
}

}  // namespace
}  // namespace chainaccel::cli

namespace chainaccel::cli {
namespace {

TEST_CASE("HexProblem says which character or that the count is odd", "[hex]") {
  CHECK(HexProblem("0xab c") == "has an odd number of hex digits (3)");
  CHECK(HexProblem("abzz") == "is not hex: 'z' at character 3");
  CHECK(HexProblem("0x12g4") == "is not hex: 'g' at character 5");
}

}  // namespace
}  // namespace chainaccel::cli
