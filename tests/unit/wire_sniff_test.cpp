// Specification of the one wire-format sniffer (intact/wire_sniff.hpp), as a
// table of first bytes -> verdict, and of the callers that must agree with it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "intact/frame.hpp"
#include "intact/wire_sniff.hpp"

namespace intact {
namespace {

using Bytes = std::vector<std::uint8_t>;
Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

struct Row {
  std::string first_bytes;
  WireSniff verdict;
  const char* why;
};

TEST(SniffWireFormat, ClassifiesEachKindOfOpeningByTheOneRule) {
  using S = WireSniff;
  const std::string tag = "|" + std::string(64, 'A');
  const Row table[] = {
      {"", S::need_more, "nothing yet"},
      {"I", S::need_more, "a prefix of the v1 opening"},
      {"INTAC", S::need_more, "still a prefix"},
      {"INTACT", S::need_more, "the magic without its version byte"},
      {std::string("INTACT\x01", 7), S::v1, "magic and version 1"},
      {std::string("INTACT\x01", 7) + "C" + std::string(32, 'n'), S::v1, "a whole client hello"},
      {std::string("INTACT\x02", 7), S::other, "another intact version"},
      {std::string("INTACT\x00", 7), S::other, "version 0"},
      {"INTO|", S::other, "differs from the magic at byte 3"},
      {"hello" + tag, S::other, "a lab message"},
      {"i", S::other, "the magic is case-sensitive"},
      {std::string("\x01", 1), S::v1_mid_stream, "CONFIRM type byte"},
      {std::string("\x02\0\0\0\0\0\0\0\x05", 9), S::v1_mid_stream, "a DATA header"},
      {std::string("\x05", 1), S::v1_mid_stream, "NOTICE, the highest type"},
      {std::string("\x06", 1), S::other, "not a frame type"},
      {std::string("\0", 1), S::other, "zero is no frame type"},
      {"\xff\xfe", S::other, "binary garbage"},
  };
  for (const Row& r : table) {
    EXPECT_EQ(wire_sniff_name(sniff_wire_format(b(r.first_bytes))), wire_sniff_name(r.verdict)) << r.why;
  }
}

TEST(SniffWireFormat, AVerdictOtherThanNeedMoreNeverChangesAsMoreBytesArrive) {
  const std::string openings[] = {std::string("INTACT\x01", 7), "hello|", std::string("\x02", 1),
                                  std::string("INTACT\x03", 7)};
  for (const auto& o : openings) {
    WireSniff first = sniff_wire_format(b(o));
    ASSERT_NE(first, WireSniff::need_more);
    for (const std::string& more : {std::string("x"), std::string("INTACT"), std::string(100, '\x01')})
      EXPECT_EQ(sniff_wire_format(b(o + more)), first) << o.size();
  }
}

TEST(SniffedFormat, BothV1VerdictsReadAsV1AndOtherAsTheLabsFormat) {
  EXPECT_EQ(sniffed_format(WireSniff::need_more), std::nullopt);
  EXPECT_EQ(sniffed_format(WireSniff::v1), WireFormat::v1);
  EXPECT_EQ(sniffed_format(WireSniff::v1_mid_stream), WireFormat::v1);
  EXPECT_EQ(sniffed_format(WireSniff::other), WireFormat::legacy);
}

// The callers: check_hello and FrameSplitter judge a stream's start by the same rule.
TEST(SniffWireFormat, CheckHelloAgreesWithTheSniffer) {
  EXPECT_EQ(v1::check_hello(b("INTAC"), v1::Role::client, nullptr), v1::HelloCheck::need_more);
  EXPECT_EQ(v1::check_hello(b(std::string("INTACT\x02", 7)), v1::Role::client, nullptr),
            v1::HelloCheck::bad_version);
  EXPECT_EQ(v1::check_hello(b("hello|"), v1::Role::client, nullptr), v1::HelloCheck::not_intact);
  // A frame header is v1, but it is not a hello: a session refuses it at once.
  EXPECT_EQ(v1::check_hello(b(std::string("\x02", 1)), v1::Role::client, nullptr),
            v1::HelloCheck::not_intact);
}

TEST(SniffWireFormat, TheSplitterCutsAStreamBegunAfterItsHellosIntoFrames) {
  Bytes stream(v1::kFrameOverhead + 3, 0);
  v1::encode_header({v1::FrameType::data, 7, 3}, stream.data());
  FrameSplitter sp;
  sp.feed(stream);
  auto r = sp.next();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, FrameSplitter::Kind::frame);
  EXPECT_EQ(r->header.seq, 7u);

  FrameSplitter other;
  other.feed(b(std::string("INTACT\x02", 7) + std::string(33, 'n')));
  auto m = other.next();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->kind, FrameSplitter::Kind::malformed);
}

}  // namespace
}  // namespace intact
