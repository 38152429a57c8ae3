// Fuzz target packet_decoder: one captured packet's bytes
// (src/capture/packet_decoder). The first byte chooses the link type among
// the supported ones; the rest is the packet as the capture recorded it.
//
// Checks, beyond memory safety: a malformed packet says why; a TCP segment's
// payload lies inside the captured bytes; cutting the capture short inside the
// payload (a snap length) gives the same segment with the recorded prefix and
// the shortfall counted in payload_cut; the same IP packet decodes the same
// under every link layer that can carry it (raw IP, BSD loopback, Ethernet,
// Linux cooked v1 and v2).
#include <pcap/dlt.h>

#include <vector>

#include "capture/packet_decoder.hpp"
#include "fuzz_target.hpp"

using namespace intact::capture;

namespace {

constexpr int kLinkTypes[] = {DLT_EN10MB,     DLT_NULL, DLT_LOOP, DLT_LINUX_SLL,
                              DLT_LINUX_SLL2, DLT_RAW,  DLT_IPV4, DLT_IPV6};

void check_one(int link, std::span<const std::uint8_t> b, const DecodedPacket& d) {
  if (d.kind == PacketKind::malformed) FUZZ_CHECK(!d.detail.empty());
  if (d.kind != PacketKind::tcp) return;
  const auto& p = d.segment.payload;
  if (!p.empty()) FUZZ_CHECK(p.data() >= b.data() && p.data() + p.size() <= b.data() + b.size());
  FUZZ_CHECK(d.segment.src.ip.v6 == d.segment.dst.ip.v6);
  (void)d.segment.src.to_string();
  (void)link;
}

bool same_segment(const DecodedPacket& a, const DecodedPacket& b) {
  if (a.kind != b.kind) return false;
  if (a.kind != PacketKind::tcp) return true;
  const TcpSegment &x = a.segment, &y = b.segment;
  return x.src == y.src && x.dst == y.dst && x.seq == y.seq && x.syn == y.syn && x.ack == y.ack &&
         x.fin == y.fin && x.rst == y.rst && x.payload_cut == y.payload_cut &&
         std::equal(x.payload.begin(), x.payload.end(), y.payload.begin(), y.payload.end());
}

std::vector<std::uint8_t> framed(std::initializer_list<std::uint8_t> header, std::span<const std::uint8_t> ip) {
  std::vector<std::uint8_t> v(header);
  v.insert(v.end(), ip.begin(), ip.end());
  return v;
}

}  // namespace

INTACT_FUZZ_TARGET(packet_decoder) {
  if (size == 0) return;
  const int link = kLinkTypes[data[0] % std::size(kLinkTypes)];
  std::span<const std::uint8_t> b(data + 1, size - 1);
  const DecodedPacket d = decode_packet(link, b);
  check_one(link, b, d);
  FUZZ_CHECK(same_segment(d, decode_packet(link, b)));

  if (d.kind == PacketKind::tcp && !d.segment.payload.empty()) {
    // Cut the capture at a point inside the payload, chosen from the input.
    const std::size_t off = static_cast<std::size_t>(d.segment.payload.data() - b.data());
    const std::size_t keep = data[0] % d.segment.payload.size();
    const DecodedPacket c = decode_packet(link, b.first(off + keep));
    FUZZ_CHECK(c.kind == PacketKind::tcp);
    FUZZ_CHECK(c.segment.payload.size() == keep);
    FUZZ_CHECK(c.segment.payload_cut == d.segment.payload_cut + (d.segment.payload.size() - keep));
    FUZZ_CHECK(std::equal(c.segment.payload.begin(), c.segment.payload.end(), d.segment.payload.begin()));
    FUZZ_CHECK(c.segment.seq == d.segment.seq && c.segment.src == d.segment.src);
  }

  // The packet as raw IP, under every other link layer.
  if (link == DLT_RAW && !b.empty()) {
    const int version = b[0] >> 4;
    const DecodedPacket raw = decode_packet(DLT_RAW, b);
    FUZZ_CHECK(same_segment(raw, decode_packet(DLT_NULL, framed({2, 0, 0, 0}, b))));
    FUZZ_CHECK(same_segment(raw, decode_packet(DLT_LOOP, framed({0, 0, 0, 2}, b))));
    if (version == 4 || version == 6) {
      const std::uint8_t hi = version == 4 ? 0x08 : 0x86, lo = version == 4 ? 0x00 : 0xDD;
      FUZZ_CHECK(same_segment(raw, decode_packet(DLT_EN10MB, framed({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, hi, lo}, b))));
      FUZZ_CHECK(same_segment(raw, decode_packet(DLT_EN10MB, framed({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                                                     0x81, 0x00, 0, 7, hi, lo}, b))));
      FUZZ_CHECK(same_segment(raw, decode_packet(DLT_LINUX_SLL,
                                                 framed({0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, hi, lo}, b))));
      FUZZ_CHECK(same_segment(raw, decode_packet(DLT_LINUX_SLL2,
                                                 framed({hi, lo, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0}, b))));
      FUZZ_CHECK(same_segment(raw, decode_packet(version == 4 ? DLT_IPV4 : DLT_IPV6, b)));
    }
  }
}
