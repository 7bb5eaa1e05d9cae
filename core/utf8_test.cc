// IsValidUtf8 and ToValidUtf8 on well-formed text, each kind of malformed sequence, and
// cuts inside multi-byte characters.
#include "core/utf8.h"

#include <catch2/catch.hpp>

namespace chainaccel {
namespace {

TEST_CASE("well-formed UTF-8 is accepted, every malformed kind refused", "[utf8]") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // été € 😀
  CHECK(IsValidUtf8("\xF4\x8F\xBF\xBF"));                                 // U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xFF\xFE" "A"));          // not a lead byte
  CHECK_FALSE(IsValidUtf8("\x80"));                  // a lone continuation byte
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));              // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xE0\x80\xAF"));          // overlong, three bytes
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));          // a surrogate, U+D800
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));      // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xE2\x82"));              // truncated
  CHECK_FALSE(IsValidUtf8(std::string_view("a\0\xC3", 3)));
}

TEST_CASE("ToValidUtf8 replaces malformed bytes and cuts at character boundaries", "[utf8]") {
  CHECK(ToValidUtf8("\xFF\xFE" "A") == "\xEF\xBF\xBD\xEF\xBF\xBD" "A");
  CHECK(ToValidUtf8("ok \xE2\x82\xAC") == "ok \xE2\x82\xAC");
  // A cut inside the euro sign drops the whole character.
  CHECK(ToValidUtf8("ab\xE2\x82\xAC", 4) == "ab");
  CHECK(ToValidUtf8("ab\xE2\x82\xAC", 5) == "ab\xE2\x82\xAC");
  CHECK(IsValidUtf8(ToValidUtf8("\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 7)));
  CHECK(ToValidUtf8("\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 7).size() == 6);
  CHECK(ToValidUtf8(std::string(70000, 'x'), 65536).size() == 65536);
}

}  // namespace
}  // namespace chainaccel
