// Specification of CaptureVerifier and verify_capture_file: whole pcap files,
// written by libpcap in every link type intact verify reads, holding real v1 and
// lab-format conversations; one verdict per message, per connection.
#include "capture/capture_verifier.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "capture_packets.hpp"
#include "intact/failure.hpp"
#include "intact/legacy.hpp"
#include "intact/v1_session.hpp"

namespace intact::capture {
namespace {

using namespace intact::capture::testing;

const Key kKey = Key::from_hex("00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF");

struct Recorded {
  Bytes hello_and_confirm_c2s, hello_and_confirm_s2c;
  std::vector<Bytes> c2s_frames;  // each DATA frame, then the CLOSE
  Bytes s2c_close;
};

void move_output(Session& from, Session& to, Bytes* record) {
  auto out = from.pending_output();
  if (record) record->insert(record->end(), out.begin(), out.end());
  to.feed(out);
  from.consume_output(out.size());
  while (to.poll()) {
  }
}

// A real v1 conversation between two sessions: the bytes of each step.
Recorded v1_bytes(const std::vector<std::string>& lines) {
  V1Session::Options co, so;
  co.role = v1::Role::client, co.name = "alice";
  so.role = v1::Role::server, so.name = "server";
  V1Session client(kKey, co), server(kKey, so);
  Recorded r;
  for (int i = 0; i < 4 && !(client.established() && server.established()); ++i) {
    move_output(client, server, &r.hello_and_confirm_c2s);
    move_output(server, client, &r.hello_and_confirm_s2c);
  }
  for (const auto& line : lines) {
    client.send_data(text_bytes(line));
    r.c2s_frames.emplace_back();
    move_output(client, server, &r.c2s_frames.back());
  }
  client.close();
  r.c2s_frames.emplace_back();
  move_output(client, server, &r.c2s_frames.back());
  server.close();
  move_output(server, client, &r.s2c_close);
  return r;
}

// The conversation as TCP: hellos, CONFIRMs, every frame in its own segment, FINs.
Conversation v1_conversation(TcpEndpoint c, TcpEndpoint s, const std::vector<std::string>& lines,
                             bool close = true, std::size_t mss = 1400) {
  Recorded r = v1_bytes(lines);
  Conversation conv(c, s);
  conv.handshake();
  conv.send(true, std::span(r.hello_and_confirm_c2s).first(v1::kHelloSize), mss);
  conv.send(false, r.hello_and_confirm_s2c, mss);
  conv.send(true, std::span(r.hello_and_confirm_c2s).subspan(v1::kHelloSize), mss);
  std::size_t frames = close ? r.c2s_frames.size() : r.c2s_frames.size() - 1;
  for (std::size_t i = 0; i < frames; ++i) conv.send(true, r.c2s_frames[i], mss);
  if (close) {
    conv.send(false, r.s2c_close, mss);
    conv.fin(true);
    conv.fin(false);
  }
  return conv;
}

struct RecordingSink : VerdictSink {
  std::vector<ConnectionInfo> connections;
  std::vector<VerdictRecord> verdicts;
  void connection(const ConnectionInfo& info) override { connections.push_back(info); }
  void verdict(const VerdictRecord& r) override { verdicts.push_back(r); }
  // "c>s 1 genuine hello" lines: the story a capture tells, packet numbers aside.
  std::vector<std::string> story(std::uint64_t connection = 0) const {
    std::vector<std::string> out;
    for (const auto& v : verdicts) {
      if (connection != 0 && v.connection != connection) continue;
      std::string line = v.direction == Direction::client_to_server ? "c>s " : "s>c ";
      line += v.seq ? std::to_string(*v.seq) + " " : "- ";
      line += std::string(verdict_name(v.verdict));
      if (!v.text.empty()) line += " " + std::string(as_text(v.text));
      out.push_back(line);
    }
    return out;
  }
};

struct TempFile {
  std::string path;
  TempFile() {
    char name[] = "/tmp/intact-capture-test-XXXXXX";
    int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    path = name;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

// In capture order: the server's CONFIRM travels before the client's.
const std::vector<std::string> kHonestStory = {"s>c 0 confirmed",   "c>s 0 confirmed",
                                               "c>s 1 genuine one", "c>s 2 genuine two",
                                               "c>s 3 closed",      "s>c 1 closed"};

TEST(VerifyCaptureFile, AV1ConversationIsGenuineInEveryLinkTypeOverIpv4AndIpv6) {
  for (int link : {DLT_EN10MB, DLT_NULL, DLT_LOOP, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW}) {
    for (bool six : {false, true}) {
      TcpEndpoint c = six ? v6_loopback(40000) : v4(127, 0, 0, 1, 40000);
      TcpEndpoint s = six ? v6_loopback(8080) : v4(127, 0, 0, 1, 8080);
      TempFile f;
      write_pcap(f.path, link, v1_conversation(c, s, {"one", "two"}).packets);
      RecordingSink sink;
      auto stats = verify_capture_file(f.path, kKey, {}, sink);
      SCOPED_TRACE("link type " + std::to_string(link) + (six ? " IPv6" : " IPv4"));
      EXPECT_EQ(sink.story(), kHonestStory);
      ASSERT_EQ(sink.connections.size(), 1u);
      EXPECT_EQ(sink.connections[0].client, c);
      EXPECT_EQ(sink.connections[0].server, s);
      EXPECT_EQ(sink.connections[0].format, WireFormat::v1);
      EXPECT_FALSE(sink.connections[0].began_mid_connection);
      EXPECT_EQ(stats.connections_with_data, 1u);
    }
  }
}

TEST(VerifyCaptureFile, FramesSplitIntoOneByteSegmentsTellTheSameStory) {
  TempFile f;
  write_pcap(f.path, DLT_EN10MB,
             v1_conversation(v4(10, 0, 0, 1, 5555), v4(10, 0, 0, 2, 8080), {"one", "two"}, true, 1)
                 .packets);
  RecordingSink sink;
  verify_capture_file(f.path, kKey, {}, sink);
  EXPECT_EQ(sink.story(), kHonestStory);
}

TEST(VerifyCaptureFile, EachVerdictNamesThePacketThatCompletedItsMessage) {
  TempFile f;
  auto conv = v1_conversation(v4(10, 0, 0, 1, 5555), v4(10, 0, 0, 2, 8080), {"one", "two"});
  write_pcap(f.path, DLT_RAW, conv.packets);
  RecordingSink sink;
  verify_capture_file(f.path, kKey, {}, sink);
  // Packets: 1-3 handshake, 4 client hello, 5 server hello+CONFIRM, 6 client CONFIRM, 7 "one".
  ASSERT_GE(sink.verdicts.size(), 4u);
  EXPECT_EQ(sink.verdicts[2].packet, 7u);
  EXPECT_EQ(as_text(sink.verdicts[2].text), "one");
}

TEST(CaptureVerifier, TwoConnectionsAreJudgedSeparatelyAndNumberedInOrderOfTheirFirstPacket) {
  auto a = v1_conversation(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080), {"one", "two"});
  auto b = v1_conversation(v4(127, 0, 0, 1, 40002), v4(127, 0, 0, 1, 8080), {"one", "two"});
  std::vector<Bytes> interleaved;
  for (std::size_t i = 0; i < std::max(a.packets.size(), b.packets.size()); ++i) {
    if (i < a.packets.size()) interleaved.push_back(a.packets[i]);
    if (i < b.packets.size()) interleaved.push_back(b.packets[i]);
  }
  TempFile f;
  write_pcap(f.path, DLT_EN10MB, interleaved);
  RecordingSink sink;
  verify_capture_file(f.path, kKey, {}, sink);
  ASSERT_EQ(sink.connections.size(), 2u);
  EXPECT_EQ(sink.connections[0].client.port, 40001);
  EXPECT_EQ(sink.connections[1].client.port, 40002);
  EXPECT_EQ(sink.story(1), kHonestStory);
  EXPECT_EQ(sink.story(2), kHonestStory);
}

TEST(CaptureVerifier, AReusedPortPairWithANewSynIsANewConnection) {
  auto first = v1_conversation(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080), {"one", "two"});
  auto second = v1_conversation(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080), {"one", "two"});
  // Same ports, other initial sequence numbers: rebuild the second with them.
  std::vector<Bytes> all = first.packets;
  for (auto p : second.packets) {
    std::uint32_t seq = static_cast<std::uint32_t>(p[24]) << 24 |
                        static_cast<std::uint32_t>(p[25]) << 16 |
                        static_cast<std::uint32_t>(p[26]) << 8 | p[27];
    seq += 12345678;
    p[24] = static_cast<std::uint8_t>(seq >> 24), p[25] = static_cast<std::uint8_t>(seq >> 16);
    p[26] = static_cast<std::uint8_t>(seq >> 8), p[27] = static_cast<std::uint8_t>(seq);
    all.push_back(p);
  }
  TempFile f;
  write_pcap(f.path, DLT_RAW, all);
  RecordingSink sink;
  verify_capture_file(f.path, kKey, {}, sink);
  ASSERT_EQ(sink.connections.size(), 2u);
  EXPECT_EQ(sink.story(1), kHonestStory);
  EXPECT_EQ(sink.story(2), kHonestStory);
}

TEST(CaptureVerifier, LateAcksAndRetransmissionsAfterBothFinsAreNotANewConnection) {
  auto conv = v1_conversation(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080), {"one", "two"});
  std::vector<Bytes> all = conv.packets;
  all.push_back(ip_packet(conv.client, conv.server, conv.client_seq, ACK, {}));  // the last ACK
  all.push_back(conv.packets[7]);  // a data segment retransmitted after the close
  TempFile f;
  write_pcap(f.path, DLT_RAW, all);
  RecordingSink sink;
  auto stats = verify_capture_file(f.path, kKey, {}, sink);
  EXPECT_EQ(stats.connections, 1u);
  EXPECT_EQ(sink.connections.size(), 1u);
  EXPECT_EQ(sink.story(), kHonestStory);
}

TEST(CaptureVerifier, ThePortOptionKeepsOnlyConnectionsOnThatPort) {
  auto a = v1_conversation(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080), {"one", "two"});
  auto b = v1_conversation(v4(127, 0, 0, 1, 40002), v4(127, 0, 0, 1, 9090), {"one", "two"});
  std::vector<Bytes> all = a.packets;
  all.insert(all.end(), b.packets.begin(), b.packets.end());
  TempFile f;
  write_pcap(f.path, DLT_RAW, all);
  RecordingSink sink;
  VerifyOptions options;
  options.port = 9090;
  verify_capture_file(f.path, kKey, options, sink);
  ASSERT_EQ(sink.connections.size(), 1u);
  EXPECT_EQ(sink.connections[0].server.port, 9090);
}

TEST(CaptureVerifier, AConnectionStillOpenWhenTheCaptureEndsIsTruncatedAndSaysWhy) {
  TempFile f;
  write_pcap(
      f.path, DLT_RAW,
      v1_conversation(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080), {"one"}, false).packets);
  RecordingSink sink;
  verify_capture_file(f.path, kKey, {}, sink);
  auto story = sink.story();
  ASSERT_EQ(story.size(), 5u);
  EXPECT_EQ(story[3], "c>s - truncated");
  EXPECT_EQ(story[4], "s>c - truncated");
  EXPECT_NE(sink.verdicts[3].detail.find("the capture ends while this direction was still open"),
            std::string::npos)
      << sink.verdicts[3].detail;
}

TEST(CaptureVerifier, AResetWithoutTheAuthenticatedCloseIsTruncated) {
  auto conv = v1_conversation(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080), {"one"}, false);
  conv.reset(true);
  TempFile f;
  write_pcap(f.path, DLT_RAW, conv.packets);
  RecordingSink sink;
  verify_capture_file(f.path, kKey, {}, sink);
  ASSERT_EQ(sink.verdicts.size(), 5u);
  EXPECT_EQ(sink.verdicts[3].verdict, Verdict::truncated);
  EXPECT_NE(sink.verdicts[3].detail.find("reset"), std::string::npos);
}

TEST(CaptureVerifier, ACaptureThatBeganAfterTheHandshakeCannotDeriveTheKeysAndSaysSo) {
  auto conv = v1_conversation(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080), {"one", "two"});
  std::vector<Bytes> late(conv.packets.begin() + 7, conv.packets.end());  // from "two" on
  TempFile f;
  write_pcap(f.path, DLT_RAW, late);
  RecordingSink sink;
  verify_capture_file(f.path, kKey, {}, sink);
  ASSERT_EQ(sink.connections.size(), 1u);
  EXPECT_TRUE(sink.connections[0].began_mid_connection);
  EXPECT_EQ(sink.connections[0].format, WireFormat::v1);
  ASSERT_FALSE(sink.verdicts.empty());
  EXPECT_EQ(sink.verdicts[0].verdict, Verdict::malformed);
  EXPECT_NE(sink.verdicts[0].detail.find("keys cannot be derived"), std::string::npos);
}

TEST(CaptureVerifier, LabFormatConnectionsAreDetectedAndEveryMessageJudged) {
  HmacSha256 mac(kKey.bytes());
  Bytes c2s, s2c;
  legacy::encode(mac, text_bytes("INTACT is a word too"), c2s);  // not a v1 hello: no version byte
  legacy::encode(mac, text_bytes("second"), c2s);
  legacy::encode(mac, text_bytes("reply"), s2c);
  Conversation conv(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080));
  conv.handshake();
  conv.send(true, c2s, 10);
  conv.send(false, s2c);
  conv.fin(true);
  conv.fin(false);
  TempFile f;
  write_pcap(f.path, DLT_EN10MB, conv.packets);
  RecordingSink sink;
  verify_capture_file(f.path, kKey, {}, sink);
  ASSERT_EQ(sink.connections.size(), 1u);
  EXPECT_EQ(sink.connections[0].format, WireFormat::legacy);
  EXPECT_EQ(sink.story(),
            (std::vector<std::string>{"c>s 1 genuine INTACT is a word too", "c>s 2 genuine second",
                                      "s>c 1 genuine reply", "c>s - ended", "s>c - ended"}));
}

TEST(CaptureVerifier, AConnectionThatCarriedNoBytesIsNotReported) {
  Conversation conv(v4(127, 0, 0, 1, 40001), v4(127, 0, 0, 1, 8080));
  conv.handshake();
  conv.fin(true);
  conv.fin(false);
  TempFile f;
  write_pcap(f.path, DLT_RAW, conv.packets);
  RecordingSink sink;
  auto stats = verify_capture_file(f.path, kKey, {}, sink);
  EXPECT_TRUE(sink.connections.empty());
  EXPECT_TRUE(sink.verdicts.empty());
  EXPECT_EQ(stats.connections, 1u);
  EXPECT_EQ(stats.connections_with_data, 0u);
}

// ---- bounds: what is given up past them is reported, never dropped silently ----

TcpSegment segment_of(TcpEndpoint src, TcpEndpoint dst, std::uint32_t seq, bool syn,
                      std::span<const std::uint8_t> payload = {}) {
  TcpSegment seg;
  seg.src = src, seg.dst = dst, seg.seq = seq, seg.syn = syn, seg.ack = !syn;
  seg.payload = payload;
  return seg;
}

const Bytes kClientHello = [] {
  Bytes b = {'I', 'N', 'T', 'A', 'C', 'T', 1, 'C'};
  b.resize(v1::kHelloSize, 7);
  return b;
}();

TEST(CaptureVerifier, PastMaxConnectionsTheOneIdleTheLongestIsGivenUpAndReported) {
  VerifyOptions options;
  options.max_connections = 3;
  RecordingSink sink;
  CaptureVerifier v(kKey, options, sink);
  std::uint64_t packet = 0;
  for (std::uint16_t i = 0; i < 5; ++i) {
    auto c = v4(10, 0, 0, 1, static_cast<std::uint16_t>(40000 + i)), s = v4(10, 0, 0, 2, 8080);
    v.segment(++packet, segment_of(c, s, 100, true));
    v.segment(++packet, segment_of(c, s, 101, false, kClientHello));
    EXPECT_LE(v.stats().open_connections, 3u);
  }
  // More bytes of the first connection, given up: counted, not verified, not a new connection.
  v.segment(++packet, segment_of(v4(10, 0, 0, 1, 40000), v4(10, 0, 0, 2, 8080), 141, false, kClientHello));
  v.finish();
  EXPECT_EQ(v.stats().connections_over_limit, 2u);
  EXPECT_EQ(v.stats().segments_over_limit, 1u);
  EXPECT_EQ(v.stats().peak_open_connections, 3u);
  EXPECT_EQ(v.stats().connections, 5u);
  std::vector<std::string> over;
  for (const auto& r : sink.verdicts) {
    if (r.verdict != Verdict::over_limit) continue;
    EXPECT_EQ(r.detail.rfind("not verified: over the limit: more than 3 connections", 0), 0u) << r.detail;
    over.push_back(std::to_string(r.connection) + (r.direction == Direction::client_to_server ? " c>s" : " s>c"));
  }
  EXPECT_EQ(over, (std::vector<std::string>{"1 c>s", "1 s>c", "2 c>s", "2 s>c"}));
}

TEST(CaptureVerifier, HeldBytesNeverPassTheTotalBoundTheIdlestConnectionsAreGivenUp) {
  VerifyOptions options;
  options.max_out_of_order = 64 * 1024;
  options.max_held_bytes = min_held_bytes(options.max_out_of_order) + (1u << 20);
  RecordingSink sink;
  CaptureVerifier v(kKey, options, sink);
  EXPECT_EQ(v.stats().max_held_bytes, options.max_held_bytes);
  Bytes piece(1000, 'x');
  std::uint64_t packet = 0;
  for (std::uint16_t i = 0; i < 200; ++i) {
    auto c = v4(10, 0, 0, 1, static_cast<std::uint16_t>(40000 + i)), s = v4(10, 0, 0, 2, 8080);
    v.segment(++packet, segment_of(c, s, 100, true));
    for (std::uint32_t k = 0; k < 50; ++k)  // byte 0 never comes: 50 KB wait behind the hole
      v.segment(++packet, segment_of(c, s, 102 + 1000 * k, false, piece));
    EXPECT_LE(v.stats().held_bytes, options.max_held_bytes);
  }
  v.finish();
  EXPECT_LE(v.stats().peak_held_bytes, options.max_held_bytes);
  EXPECT_GT(v.stats().peak_held_bytes, options.max_held_bytes / 2);
  EXPECT_GT(v.stats().connections_over_limit, 100u);
  std::size_t over = 0;
  for (const auto& r : sink.verdicts) over += r.verdict == Verdict::over_limit;
  EXPECT_EQ(over, 2 * v.stats().connections_over_limit);  // both directions of each
}

TEST(CaptureVerifier, TheTotalBoundIsNeverBelowOneConnectionAtItsLargest) {
  VerifyOptions options;
  options.max_held_bytes = 1;
  options.max_connections = 0;
  RecordingSink sink;
  CaptureVerifier v(kKey, options, sink);
  EXPECT_EQ(v.stats().max_held_bytes, min_held_bytes(kDefaultMaxOutOfOrder));
  EXPECT_EQ(v.stats().max_connections, 1u);
  EXPECT_LE(min_held_bytes(kDefaultMaxOutOfOrder), kDefaultMaxHeldBytes);
}

TEST(VerifyCaptureFile, AFileThatIsNoCaptureIsAnErrorWithExitCode1) {
  TempFile f;
  {
    std::FILE* out = std::fopen(f.path.c_str(), "wb");
    std::fputs("not a capture", out);
    std::fclose(out);
  }
  RecordingSink sink;
  try {
    verify_capture_file(f.path, kKey, {}, sink);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::io);
    EXPECT_NE(std::string(e.what()).find("cannot read capture"), std::string::npos);
  }
}

TEST(VerifyCaptureFile, AnUnsupportedLinkTypeIsAnErrorNamingIt) {
  TempFile f;
  pcap_t* dead = pcap_open_dead(DLT_IEEE802_11, 65535);
  pcap_dumper_t* d = pcap_dump_open(dead, f.path.c_str());
  pcap_dump_close(d);
  pcap_close(dead);
  RecordingSink sink;
  try {
    verify_capture_file(f.path, kKey, {}, sink);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("link type"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace intact::capture
