// Specification of decode_packet: one captured packet -> its TCP segment.
#include <gtest/gtest.h>

#include <string>

#include "capture/packet_decoder.hpp"
#include "capture_packets.hpp"
#include "intact/crypto.hpp"

namespace intact::capture {
namespace {

using namespace intact::capture::testing;

const TcpEndpoint kClient = v4(127, 0, 0, 1, 40000);
const TcpEndpoint kServer = v4(127, 0, 0, 1, 8080);

std::string text_of(std::span<const std::uint8_t> b) { return std::string(as_text(b)); }

TEST(PacketDecoder, EthernetIpv4TcpGivesEndpointsSequenceFlagsAndPayload) {
  Bytes f =
      framed(DLT_EN10MB, ip_packet(kClient, kServer, 123456789, PSH | ACK, text_bytes("hello")));
  auto d = decode_packet(DLT_EN10MB, f);
  ASSERT_EQ(d.kind, PacketKind::tcp) << d.detail;
  EXPECT_EQ(d.segment.src, kClient);
  EXPECT_EQ(d.segment.dst, kServer);
  EXPECT_EQ(d.segment.seq, 123456789u);
  EXPECT_TRUE(d.segment.ack);
  EXPECT_FALSE(d.segment.syn || d.segment.fin || d.segment.rst);
  EXPECT_EQ(text_of(d.segment.payload), "hello");
  EXPECT_EQ(d.segment.payload_cut, 0u);
  EXPECT_EQ(d.segment.src.to_string(), "127.0.0.1:40000");
}

TEST(PacketDecoder, EthernetPaddingAfterTheIpPacketIsNotPayload) {
  Bytes f = framed(DLT_EN10MB, ip_packet(kClient, kServer, 1, SYN, {}));
  f.insert(f.end(), 6, 0xEE);  // short frames are padded to 60 bytes on Ethernet
  auto d = decode_packet(DLT_EN10MB, f);
  ASSERT_EQ(d.kind, PacketKind::tcp);
  EXPECT_TRUE(d.segment.syn);
  EXPECT_TRUE(d.segment.payload.empty());
}

TEST(PacketDecoder, VlanTaggedFramesAreDecoded) {
  Bytes ip = ip_packet(kClient, kServer, 7, ACK, text_bytes("x"));
  Bytes f(12, 0);
  put16(f, 0x8100), put16(f, 42), put16(f, 0x8100), put16(f, 43), put16(f, 0x0800);
  f.insert(f.end(), ip.begin(), ip.end());
  auto d = decode_packet(DLT_EN10MB, f);
  ASSERT_EQ(d.kind, PacketKind::tcp) << d.detail;
  EXPECT_EQ(text_of(d.segment.payload), "x");
}

TEST(PacketDecoder, EveryLinkTypeOfLoopbackAndLanCapturesIsDecodedForIpv4AndIpv6) {
  for (int link : {DLT_EN10MB, DLT_NULL, DLT_LOOP, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW}) {
    for (bool six : {false, true}) {
      TcpEndpoint c = six ? v6_loopback(40000) : kClient;
      TcpEndpoint s = six ? v6_loopback(8080) : kServer;
      Bytes f = framed(link, ip_packet(c, s, 99, ACK, text_bytes("payload")));
      auto d = decode_packet(link, f);  // the segment points into f
      ASSERT_EQ(d.kind, PacketKind::tcp) << "link " << link << " v6 " << six << ": " << d.detail;
      EXPECT_EQ(d.segment.dst, s);
      EXPECT_EQ(text_of(d.segment.payload), "payload");
    }
  }
  EXPECT_EQ(v6_loopback(8080).to_string(), "[::1]:8080");
}

TEST(PacketDecoder, Ipv6ExtensionHeadersBeforeTcpAreSkipped) {
  Bytes ip = ip_packet(v6_loopback(1), v6_loopback(2), 5, ACK, text_bytes("after ext"));
  Bytes hop = {6, 0, 0, 0, 0, 0, 0, 0};  // hop-by-hop options, 8 bytes, next header TCP
  ip[6] = 0;                             // next header: hop-by-hop
  ip.insert(ip.begin() + 40, hop.begin(), hop.end());
  std::uint16_t len = static_cast<std::uint16_t>(((ip[4] << 8) | ip[5]) + 8);
  ip[4] = static_cast<std::uint8_t>(len >> 8), ip[5] = static_cast<std::uint8_t>(len);
  auto d = decode_packet(DLT_RAW, ip);
  ASSERT_EQ(d.kind, PacketKind::tcp) << d.detail;
  EXPECT_EQ(text_of(d.segment.payload), "after ext");
}

TEST(PacketDecoder, IpFragmentsAreReportedAndNotDecoded) {
  Bytes ip = ip_packet(kClient, kServer, 1, ACK, text_bytes("frag"));
  ip[6] = 0x20;  // more fragments
  EXPECT_EQ(decode_packet(DLT_RAW, ip).kind, PacketKind::fragment);
}

TEST(PacketDecoder, OtherProtocolsAreIgnored) {
  Bytes ip = ip_packet(kClient, kServer, 1, ACK, text_bytes("udp?"));
  ip[9] = 17;
  EXPECT_EQ(decode_packet(DLT_RAW, ip).kind, PacketKind::not_tcp);
  Bytes arp(12, 0);
  put16(arp, 0x0806);
  arp.insert(arp.end(), 28, 0);
  EXPECT_EQ(decode_packet(DLT_EN10MB, arp).kind, PacketKind::not_tcp);
}

TEST(PacketDecoder, APayloadCutByTheSnapLengthIsTheRecordedPrefixWithTheShortfallCounted) {
  Bytes f = framed(DLT_EN10MB, ip_packet(kClient, kServer, 1, ACK, text_bytes("0123456789")));
  // Erase rather than resize(size - 7): g++ 12 at -O2 cannot prove the size is at
  // least 7 and warns about a huge memset in resize's growth path.
  f.erase(f.end() - 7, f.end());
  auto d = decode_packet(DLT_EN10MB, f);
  ASSERT_EQ(d.kind, PacketKind::tcp);
  EXPECT_EQ(text_of(d.segment.payload), "012");
  EXPECT_EQ(d.segment.payload_cut, 7u);
}

TEST(PacketDecoder, EveryPrefixOfAPacketDecodesWithoutReadingPastItsEnd) {
  for (int link : {DLT_EN10MB, DLT_LINUX_SLL2, DLT_NULL}) {
    for (bool six : {false, true}) {
      Bytes f = framed(link, ip_packet(six ? v6_loopback(1) : kClient,
                                       six ? v6_loopback(2) : kServer, 1, ACK, text_bytes("abc")));
      for (std::size_t n = 0; n <= f.size(); ++n) {
        Bytes prefix(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(
                                                n));  // exact size: ASan sees overreads
        auto d = decode_packet(link, prefix);
        if (d.kind == PacketKind::tcp) {
          EXPECT_LE(d.segment.payload.size(), 3u);
        }
      }
    }
  }
}

TEST(PacketDecoder, LengthFieldsThatLieAreMalformed) {
  Bytes ip = ip_packet(kClient, kServer, 1, ACK, text_bytes("abc"));
  Bytes bad_ihl = ip;
  bad_ihl[0] = 0x44;  // header length 16 < 20
  EXPECT_EQ(decode_packet(DLT_RAW, bad_ihl).kind, PacketKind::malformed);
  Bytes short_total = ip;
  short_total[2] = 0, short_total[3] = 10;  // total length under the header's
  EXPECT_EQ(decode_packet(DLT_RAW, short_total).kind, PacketKind::malformed);
  Bytes big_offset = ip;
  big_offset[20 + 12] = 0xF0;  // TCP header of 60 bytes in a 23-byte segment
  EXPECT_EQ(decode_packet(DLT_RAW, big_offset).kind, PacketKind::malformed);
}

}  // namespace
}  // namespace intact::capture
