// HexEncode: every byte value's two digits, in order, lowercase.
#include "core/hex.h"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

namespace chainaccel {
namespace {

TEST_CASE("HexEncode writes two lowercase digits per byte, high nibble first", "[hex]") {
  CHECK(HexEncode(std::span<const uint8_t>()).empty());
  const std::array<uint8_t, 4> bytes{0x00, 0x0f, 0xa5, 0xff};
  CHECK(HexEncode(bytes) == "000fa5ff");
  CHECK(HexEncode(bytes.data(), 2) == "000f");
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  const std::string hex = HexEncode(all);
  REQUIRE(hex.size() == 512);
  for (size_t i = 0; i < all.size(); ++i) {
    const unsigned value = static_cast<unsigned>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
    CHECK(value == i);
  }
  CHECK(hex.find_first_of("ABCDEF") == std::string::npos);
}

}  // namespace
}  // namespace chainaccel
