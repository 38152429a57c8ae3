#include "capture/packet_decoder.hpp"

#include <arpa/inet.h>
#include <pcap/dlt.h>

#include <algorithm>

namespace intact::capture {

namespace {

constexpr std::uint16_t kEtherIPv4 = 0x0800;
constexpr std::uint16_t kEtherIPv6 = 0x86DD;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88A8;
constexpr std::uint8_t kProtoTcp = 6;

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}
std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) << 24 | static_cast<std::uint32_t>(b[at + 1]) << 16 |
         static_cast<std::uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

DecodedPacket malformed(std::string why) {
  DecodedPacket d;
  d.kind = PacketKind::malformed;
  d.detail = std::move(why);
  return d;
}

// `ip_payload_length` is what the IP header claims; `bytes` is what was captured of it.
DecodedPacket decode_tcp(std::span<const std::uint8_t> bytes, std::size_t ip_payload_length,
                         TcpSegment seg) {
  if (bytes.size() < 20 || ip_payload_length < 20) return malformed("a TCP header cut short");
  std::size_t header = static_cast<std::size_t>(bytes[12] >> 4) * 4;
  if (header < 20 || header > ip_payload_length)
    return malformed("a TCP header length out of range");
  if (bytes.size() < header) return malformed("a TCP header cut short by the snap length");
  seg.src.port = be16(bytes, 0);
  seg.dst.port = be16(bytes, 2);
  seg.seq = be32(bytes, 4);
  std::uint8_t flags = bytes[13];
  seg.fin = (flags & 0x01) != 0;
  seg.syn = (flags & 0x02) != 0;
  seg.rst = (flags & 0x04) != 0;
  seg.ack = (flags & 0x10) != 0;
  std::size_t declared = ip_payload_length - header;
  std::size_t recorded = std::min(declared, bytes.size() - header);
  seg.payload = bytes.subspan(header, recorded);
  seg.payload_cut = static_cast<std::uint32_t>(declared - recorded);
  DecodedPacket d;
  d.kind = PacketKind::tcp;
  d.segment = seg;
  return d;
}

DecodedPacket decode_ipv4(std::span<const std::uint8_t> b) {
  if (b.size() < 20) return malformed("an IPv4 header cut short");
  std::size_t ihl = static_cast<std::size_t>(b[0] & 0x0f) * 4;
  std::size_t total = be16(b, 2);
  if (ihl < 20 || total < ihl) return malformed("an IPv4 header with impossible lengths");
  if (b.size() < ihl) return malformed("an IPv4 header cut short");
  std::uint16_t frag = be16(b, 6);
  if ((frag & 0x2000) != 0 || (frag & 0x1fff) != 0) {
    DecodedPacket d;
    d.kind = PacketKind::fragment;
    return d;
  }
  if (b[9] != kProtoTcp) return {};
  TcpSegment seg;
  std::copy_n(b.begin() + 12, 4, seg.src.ip.bytes.begin());
  std::copy_n(b.begin() + 16, 4, seg.dst.ip.bytes.begin());
  // Ethernet pads short frames: the IP total length, not the capture, says where the packet ends.
  std::size_t end = std::min(total, b.size());
  return decode_tcp(b.subspan(ihl, end - ihl), total - ihl, seg);
}

DecodedPacket decode_ipv6(std::span<const std::uint8_t> b) {
  if (b.size() < 40) return malformed("an IPv6 header cut short");
  std::size_t payload_length = be16(b, 4);
  if (payload_length == 0) return malformed("an IPv6 jumbogram (not supported)");
  TcpSegment seg;
  seg.src.ip.v6 = seg.dst.ip.v6 = true;
  std::copy_n(b.begin() + 8, 16, seg.src.ip.bytes.begin());
  std::copy_n(b.begin() + 24, 16, seg.dst.ip.bytes.begin());
  std::uint8_t next = b[6];
  std::size_t at = 40;
  std::size_t end = 40 + payload_length;
  // Walk the extension headers up to TCP; a bounded number of them, each checked.
  for (int hops = 0; hops < 8; ++hops) {
    if (next == kProtoTcp) {
      std::size_t have = std::min(end, b.size());
      if (at > have) return malformed("IPv6 extension headers cut short");
      return decode_tcp(b.subspan(at, have - at), end - at, seg);
    }
    if (next == 44) {
      DecodedPacket d;
      d.kind = PacketKind::fragment;
      return d;
    }
    if (next != 0 && next != 43 && next != 60 && next != 51) return {};
    if (b.size() < at + 2 || end < at + 2) return malformed("an IPv6 extension header cut short");
    std::size_t len = next == 51 ? (static_cast<std::size_t>(b[at + 1]) + 2) * 4
                                 : (static_cast<std::size_t>(b[at + 1]) + 1) * 8;
    next = b[at];
    at += len;
    if (at > end) return malformed("an IPv6 extension header runs past the packet");
  }
  return malformed("too many IPv6 extension headers");
}

DecodedPacket decode_by_version(std::span<const std::uint8_t> b) {
  if (b.empty()) return malformed("an empty packet");
  switch (b[0] >> 4) {
    case 4:
      return decode_ipv4(b);
    case 6:
      return decode_ipv6(b);
    default:
      return {};
  }
}

DecodedPacket decode_by_ethertype(std::uint16_t type, std::span<const std::uint8_t> b) {
  if (type == kEtherIPv4) return decode_ipv4(b);
  if (type == kEtherIPv6) return decode_ipv6(b);
  return {};
}

}  // namespace

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
}

std::string TcpEndpoint::to_string() const {
  return ip.v6 ? "[" + ip.to_string() + "]:" + std::to_string(port)
               : ip.to_string() + ":" + std::to_string(port);
}

bool is_supported_link_type(int link_type) noexcept {
  switch (link_type) {
    case DLT_EN10MB:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      return true;
    default:
      return false;
  }
}

DecodedPacket decode_packet(int link_type, std::span<const std::uint8_t> b) {
  switch (link_type) {
    case DLT_EN10MB: {
      if (b.size() < 14) return malformed("an Ethernet header cut short");
      std::size_t at = 12;
      std::uint16_t type = be16(b, at);
      while (type == kEtherVlan || type == kEtherQinQ) {
        at += 4;
        if (b.size() < at + 2) return malformed("a VLAN tag cut short");
        type = be16(b, at);
      }
      return decode_by_ethertype(type, b.subspan(at + 2));
    }
    case DLT_NULL:
    case DLT_LOOP:
      // The 4-byte family is in the writer's byte order (NULL) or network order
      // (LOOP), and its value for IPv6 differs between systems: the IP version
      // nibble that follows is the reliable signal.
      if (b.size() < 4) return malformed("a loopback header cut short");
      return decode_by_version(b.subspan(4));
    case DLT_LINUX_SLL:
      if (b.size() < 16) return malformed("a Linux cooked header cut short");
      return decode_by_ethertype(be16(b, 14), b.subspan(16));
    case DLT_LINUX_SLL2:
      if (b.size() < 20) return malformed("a Linux cooked v2 header cut short");
      return decode_by_ethertype(be16(b, 0), b.subspan(20));
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      return decode_by_version(b);
    default:
      return malformed("unsupported link type " + std::to_string(link_type));
  }
}

}  // namespace intact::capture
