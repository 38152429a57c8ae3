// tests/unit/capture_packets.hpp: builds captured packets and whole TCP
// conversations for the capture tests (IPv4/IPv6, TCP, and every link-layer
// framing intact verify reads), and writes them as pcap files with libpcap.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/packet_decoder.hpp"

namespace intact::capture::testing {

using Bytes = std::vector<std::uint8_t>;

inline void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}

inline TcpEndpoint v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                      std::uint16_t port) {
  TcpEndpoint e;
  e.ip.bytes[0] = a, e.ip.bytes[1] = b, e.ip.bytes[2] = c, e.ip.bytes[3] = d;
  e.port = port;
  return e;
}
inline TcpEndpoint v6_loopback(std::uint16_t port) {
  TcpEndpoint e;
  e.ip.v6 = true;
  e.ip.bytes[15] = 1;
  e.port = port;
  return e;
}

enum TcpFlag : std::uint8_t { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

inline Bytes tcp_header(const TcpEndpoint& src, const TcpEndpoint& dst, std::uint32_t seq,
                        std::uint8_t flags) {
  Bytes t;
  put16(t, src.port);
  put16(t, dst.port);
  put32(t, seq);
  put32(t, 0);          // ack number: the decoder does not need it
  t.push_back(5 << 4);  // data offset: 20 bytes
  t.push_back(flags);
  put16(t, 65535);
  put16(t, 0);  // checksum: loopback captures often carry wrong ones; ignored
  put16(t, 0);
  return t;
}

// An IP packet (v4 or v6 after the endpoints) carrying one TCP segment.
inline Bytes ip_packet(const TcpEndpoint& src, const TcpEndpoint& dst, std::uint32_t seq,
                       std::uint8_t flags, std::span<const std::uint8_t> payload) {
  Bytes tcp = tcp_header(src, dst, seq, flags);
  tcp.insert(tcp.end(), payload.begin(), payload.end());
  Bytes ip;
  if (!src.ip.v6) {
    ip.push_back(0x45);
    ip.push_back(0);
    put16(ip, static_cast<std::uint16_t>(20 + tcp.size()));
    put16(ip, 0);
    put16(ip, 0x4000);  // don't fragment
    ip.push_back(64);
    ip.push_back(6);
    put16(ip, 0);
    ip.insert(ip.end(), src.ip.bytes.begin(), src.ip.bytes.begin() + 4);
    ip.insert(ip.end(), dst.ip.bytes.begin(), dst.ip.bytes.begin() + 4);
  } else {
    put32(ip, 0x60000000);
    put16(ip, static_cast<std::uint16_t>(tcp.size()));
    ip.push_back(6);
    ip.push_back(64);
    ip.insert(ip.end(), src.ip.bytes.begin(), src.ip.bytes.end());
    ip.insert(ip.end(), dst.ip.bytes.begin(), dst.ip.bytes.end());
  }
  ip.insert(ip.end(), tcp.begin(), tcp.end());
  return ip;
}

// The IP packet wrapped in the link-layer header of `link_type`.
inline Bytes framed(int link_type, const Bytes& ip) {
  bool six = (ip[0] >> 4) == 6;
  std::uint16_t ethertype = six ? 0x86DD : 0x0800;
  Bytes f;
  switch (link_type) {
    case DLT_EN10MB:
      f.assign(12, 0);
      put16(f, ethertype);
      break;
    case DLT_NULL: {  // the family in the writer's (here little-endian) byte order
      std::uint32_t family = six ? 10 : 2;
      for (int i = 0; i < 4; ++i) f.push_back(static_cast<std::uint8_t>(family >> (8 * i)));
      break;
    }
    case DLT_LOOP:
      put32(f, six ? 24 : 2);
      break;
    case DLT_LINUX_SLL:
      put16(f, 0), put16(f, 772), put16(f, 6);
      f.insert(f.end(), 8, 0);
      put16(f, ethertype);
      break;
    case DLT_LINUX_SLL2:
      put16(f, ethertype), put16(f, 0), put32(f, 1), put16(f, 772);
      f.push_back(0), f.push_back(6);
      f.insert(f.end(), 8, 0);
      break;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      break;
    default:
      throw std::invalid_argument("link type not built by the tests");
  }
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

// One TCP connection's packets, in the order a capture would hold them.
struct Conversation {
  TcpEndpoint client, server;
  std::uint32_t client_seq = 1000;  // next sequence number of each side
  std::uint32_t server_seq = 70000;
  std::vector<Bytes> packets;  // IP packets

  Conversation(TcpEndpoint c, TcpEndpoint s, std::uint32_t cisn = 1000, std::uint32_t sisn = 70000)
      : client(c), server(s), client_seq(cisn), server_seq(sisn) {}

  void handshake() {
    packets.push_back(ip_packet(client, server, client_seq++, SYN, {}));
    packets.push_back(ip_packet(server, client, server_seq++, SYN | ACK, {}));
    packets.push_back(ip_packet(client, server, client_seq, ACK, {}));
  }
  // Sends `data` in segments of at most `mss` bytes.
  void send(bool from_client, std::span<const std::uint8_t> data, std::size_t mss = 1400) {
    auto& seq = from_client ? client_seq : server_seq;
    for (std::size_t at = 0; at < data.size(); at += mss) {
      auto piece = data.subspan(at, std::min(mss, data.size() - at));
      packets.push_back(from_client ? ip_packet(client, server, seq, PSH | ACK, piece)
                                    : ip_packet(server, client, seq, PSH | ACK, piece));
      seq += static_cast<std::uint32_t>(piece.size());
    }
  }
  void fin(bool from_client) {
    auto& seq = from_client ? client_seq : server_seq;
    packets.push_back(from_client ? ip_packet(client, server, seq++, FIN | ACK, {})
                                  : ip_packet(server, client, seq++, FIN | ACK, {}));
  }
  void reset(bool from_client) {
    auto& seq = from_client ? client_seq : server_seq;
    packets.push_back(from_client ? ip_packet(client, server, seq, RST, {})
                                  : ip_packet(server, client, seq, RST, {}));
  }
};

// Writes the packets as a pcap file of `link_type`, through libpcap itself.
inline void write_pcap(const std::string& path, int link_type,
                       const std::vector<Bytes>& ip_packets) {
  pcap_t* dead = pcap_open_dead(link_type, 262144);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (dumper == nullptr) throw std::runtime_error(pcap_geterr(dead));
  long usec = 0;
  for (const auto& ip : ip_packets) {
    Bytes f = framed(link_type, ip);
    pcap_pkthdr h{};
    h.ts.tv_sec = 1700000000;
    h.ts.tv_usec = usec++;
    h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &h, f.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

}  // namespace intact::capture::testing
