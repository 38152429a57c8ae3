// Specification of VerdictReport: the lines `intact verify` prints, in text and JSON,
// and the counts its exit code comes from. Captured text is never shown raw.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "capture/verdict_report.hpp"

namespace intact::capture {
namespace {

VerdictRecord genuine_data(std::string text, std::uint64_t seq = 1) {
  VerdictRecord r;
  r.connection = 1;
  r.format = WireFormat::v1;
  r.direction = Direction::client_to_server;
  r.packet = 8;
  r.verdict = Verdict::genuine;
  r.seq = seq;
  r.frame_type = v1::FrameType::data;
  r.text.assign(text.begin(), text.end());
  r.text_verified = true;
  return r;
}

TEST(VerdictReport, AGenuineMessageIsOneLineWithConnectionDirectionSeqVerdictTypeTextAndPacket) {
  std::ostringstream out;
  VerdictReport report(out, false);
  report.verdict(genuine_data("hello"));
  EXPECT_EQ(out.str(), "#1 c>s seq 1 genuine DATA \"hello\" [packet 8]\n");
  EXPECT_EQ(report.bad(), 0u);
}

TEST(VerdictReport, ControlCharactersInCapturedTextNeverReachTheTerminal) {
  std::ostringstream out;
  VerdictReport report(out, false);
  report.verdict(genuine_data("a\x1b]0;owned\x07 b\n"));
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
  EXPECT_EQ(out.str().find('\x07'), std::string::npos);
  EXPECT_NE(out.str().find("\\x1B]0;owned\\x07 b\\x0A"), std::string::npos) << out.str();
}

TEST(VerdictReport, AModifiedMessageIsShownAsCapturedAndMarkedUntrustedAndCountsAsBad) {
  std::ostringstream out;
  VerdictReport report(out, false);
  VerdictRecord r = genuine_data("Two", 2);
  r.verdict = Verdict::modified;
  r.text_verified = false;
  r.detail = "The received message has lost its integrity.";
  report.verdict(r);
  EXPECT_EQ(out.str(),
            "#1 c>s seq 2 modified DATA \"Two\" (as captured, not trusted) -- The received message "
            "has lost its integrity. [packet 8]\n");
  EXPECT_EQ(report.bad(), 1u);
  EXPECT_EQ(report.count(Verdict::modified), 1u);
}

TEST(VerdictReport, LongTextIsCutWithAnEllipsis) {
  std::ostringstream out;
  VerdictReport report(out, false);
  report.verdict(genuine_data(std::string(500, 'x')));
  EXPECT_NE(out.str().find("\"" + std::string(200, 'x') + "\"..."), std::string::npos);
}

TEST(VerdictReport, JsonLinesCarryEveryFieldWithTextEscapedAsValidJson) {
  std::ostringstream out;
  VerdictReport report(out, true);
  VerdictRecord r = genuine_data("say \"hi\"\n\xff");
  r.format = WireFormat::legacy;
  r.frame_type.reset();
  report.verdict(r);
  EXPECT_EQ(
      out.str(),
      "{\"v\":1,\"event\":\"verdict\",\"connection\":1,\"format\":\"legacy\",\"direction\":\"c2s\","
      "\"packet\":8,\"verdict\":\"genuine\",\"message\":1,\"text\":\"say \\\"hi\\\"\\n\\uFFFD\","
      "\"text_verified\":true}\n");
}

TEST(VerdictReport, TheSummarySaysWhetherEveryMessageWasGenuine) {
  std::ostringstream good, bad;
  VerdictReport ok(good, false), not_ok(bad, false);
  CaptureStats stats;
  stats.packets = 10;
  stats.connections_with_data = 1;
  ok.verdict(genuine_data("a"));
  ok.summary(stats);
  EXPECT_NE(good.str().find(
                "summary: 10 packets, 1 connection verified: 1 genuine; every message is genuine"),
            std::string::npos)
      << good.str();
  VerdictRecord gap = genuine_data("", 3);
  gap.verdict = Verdict::missing;
  gap.missing = 1;
  not_ok.verdict(gap);
  not_ok.summary(stats);
  EXPECT_NE(bad.str().find("1 missing; NOT every message is genuine"), std::string::npos)
      << bad.str();
}

}  // namespace
}  // namespace intact::capture
