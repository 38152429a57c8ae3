// Specification of JsonLine (intact/json.hpp), the writer behind every --json line.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "intact/json.hpp"

namespace intact {
namespace {

TEST(JsonLine, WritesFieldsInTheOrderAddedWithEachValueTypedAsJson) {
  std::uint64_t seq = 18446744073709551615u;
  EXPECT_EQ(JsonLine::nested().field("event", "message").field("seq", seq).field("ok", true).str(),
            R"({"event":"message","seq":18446744073709551615,"ok":true})");
  EXPECT_EQ(JsonLine::nested().field("n", 0).field("no", false).line(), "{\"n\":0,\"no\":false}\n");
  EXPECT_EQ(JsonLine::nested().str(), "{}");
}

TEST(JsonLine, EveryLineStartsWithTheSchemaVersionANestedObjectHasNone) {
  EXPECT_EQ(kJsonSchemaVersion, 1);
  EXPECT_EQ(JsonLine().str(), R"({"v":1})");
  EXPECT_EQ(JsonLine().field("event", "message").line(), "{\"v\":1,\"event\":\"message\"}\n");
  EXPECT_EQ(JsonLine().raw("by_kind", JsonLine::nested().field("flip", 2).str()).str(),
            R"({"v":1,"by_kind":{"flip":2}})");
}

TEST(JsonLine, EscapesStringsAndBytesSoNetworkTextCannotBreakTheLine) {
  std::vector<std::uint8_t> bytes = {'a', '\n', 0xFF, '"'};
  EXPECT_EQ(JsonLine::nested().field("text", std::string("say \"hi\"\n")).field("raw", bytes).str(),
            R"({"text":"say \"hi\"\n","raw":"a\n\uFFFD\""})");
}

TEST(JsonLine, RawValuesAreWrittenAsGiven) {
  EXPECT_EQ(JsonLine::nested().raw("list", "[1,2]").str(), R"({"list":[1,2]})");
  EXPECT_EQ(json_quote("a\\b"), R"("a\\b")");
}

}  // namespace
}  // namespace intact
