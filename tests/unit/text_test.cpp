// What reaches a terminal or a JSON line from the network: printable(), json_escape().
#include "intact/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace intact {
namespace {

TEST(Printable, KeepsPrintableUtf8AsItIs) {
  EXPECT_EQ(printable("hello | world"), "hello | world");
  EXPECT_EQ(printable("tiếng Việt ✓ 日本語 🚀"), "tiếng Việt ✓ 日本語 🚀");
}

TEST(Printable, ShowsC0C1AndDelAsEscapesSoNoTerminalSequenceGetsThrough) {
  EXPECT_EQ(printable("a\x1b[2Jb"), "a\\x1B[2Jb");
  EXPECT_EQ(printable("\x1b]0;pwned\x07"), "\\x1B]0;pwned\\x07");
  EXPECT_EQ(printable("x\x7fy"), "x\\x7Fy");
  EXPECT_EQ(printable("\xc2\x9b" "31m"), "\\x9B31m");  // C1 CSI, as UTF-8
  EXPECT_EQ(printable(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(printable("line\nbreak\r"), "line\\x0Abreak\\x0D");
  EXPECT_EQ(printable("tab\there"), "tab here");
}

TEST(Printable, ShowsBidirectionalOverridesAsEscapes) {
  // "user\u202Egnp.exe" would display as "userexe.png".
  EXPECT_EQ(printable("user\u202Egnp.exe"), "user\\u202Egnp.exe");
  EXPECT_EQ(printable("a\u2066b\u2069c\u200Fd"), "a\\u2066b\\u2069c\\u200Fd");
}

TEST(Printable, ShowsBytesThatAreNotUtf8AsEscapesWithoutLosingAny) {
  EXPECT_EQ(printable("\xff\xfe"), "\\xFF\\xFE");
  EXPECT_EQ(printable("ok\xe2\x82"), "ok\\xE2\\x82");        // truncated sequence
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xED\\xA0\\x80");   // a UTF-16 surrogate
  EXPECT_EQ(printable("\xc0\xaf"), "\\xC0\\xAF");            // overlong '/'
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControlsAndReplacesInvalidUtf8) {
  EXPECT_EQ(json_escape("say \"hi\" \\ there"), "say \\\"hi\\\" \\\\ there");
  EXPECT_EQ(json_escape("a\nb\tc\rd\x01"), "a\\nb\\tc\\rd\\u0001");
  EXPECT_EQ(json_escape("\xff"), "\\uFFFD");
  EXPECT_EQ(json_escape("é✓"), "é✓");
}

}  // namespace
}  // namespace intact
