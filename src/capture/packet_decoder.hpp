// src/capture/packet_decoder.hpp: one captured packet's bytes -> the TCP segment
// inside it (link layer, IPv4 or IPv6, TCP), as a pure function of the bytes.
//
// Understands the link types a loopback or LAN capture uses (Ethernet with
// VLAN tags, BSD null/loop, Linux cooked v1 and v2, raw IP). It never reads a
// file and never trusts a length field: every header is checked against the
// bytes actually captured, and a payload cut short by the capture's snap length
// is returned as the prefix that was recorded, with the shortfall counted.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>

namespace intact::capture {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
  bool v6 = false;
  auto operator<=>(const IpAddress&) const = default;
  std::string to_string() const;
};

struct TcpEndpoint {
  IpAddress ip;
  std::uint16_t port = 0;
  auto operator<=>(const TcpEndpoint&) const = default;
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string to_string() const;
};

struct TcpSegment {
  TcpEndpoint src;
  TcpEndpoint dst;
  std::uint32_t seq = 0;
  bool syn = false;
  bool ack = false;
  bool fin = false;
  bool rst = false;
  std::span<const std::uint8_t> payload;  // the bytes recorded (points into the packet)
  std::uint32_t payload_cut = 0;          // bytes of payload the capture did not record
};

enum class PacketKind {
  tcp,        // `segment` is filled in
  not_tcp,    // another protocol: ignored
  fragment,   // an IP fragment: not reassembled (TCP over loopback never fragments)
  malformed,  // `detail` says what was wrong
};

struct DecodedPacket {
  PacketKind kind = PacketKind::not_tcp;
  TcpSegment segment;
  std::string detail;
};

// `link_type` is the DLT_ value libpcap reports for the capture.
bool is_supported_link_type(int link_type) noexcept;
DecodedPacket decode_packet(int link_type, std::span<const std::uint8_t> captured);

}  // namespace intact::capture
