// Fuzz target pcap_file: a capture file's bytes (pcap or pcapng) read by
// PcapFile (src/capture/pcap_file, through libpcap), from memory; each packet
// then goes through the packet decoder as `intact verify` does.
//
// Checks, beyond memory safety: an unreadable capture is an intact::Error of
// Failure::io with a message, nothing else; packets are numbered 1, 2, 3 ...;
// no packet claims more bytes than the file holds, and there are at most as
// many packets as 16-byte record headers fit in the file (the smallest pcap
// record and pcapng block); the link type is one intact reads.
#include <string>

#include "capture/packet_decoder.hpp"
#include "capture/pcap_file.hpp"
#include "fuzz_target.hpp"
#include "intact/failure.hpp"

using namespace intact;
using namespace intact::capture;

INTACT_FUZZ_TARGET(pcap_file) {
  std::span<const std::uint8_t> bytes(data, size);
  std::uint64_t count = 0;
  try {
    PcapFile file(bytes, "fuzz input");
    FUZZ_CHECK(is_supported_link_type(file.link_type()));
    FUZZ_CHECK(!file.link_type_name().empty());
    CapturedPacket p;
    while (file.next(p)) {
      FUZZ_CHECK(p.number == ++count);
      FUZZ_CHECK(p.bytes.size() <= size);
      FUZZ_CHECK(count * 16 <= size);
      DecodedPacket d = decode_packet(file.link_type(), p.bytes);
      if (d.kind == PacketKind::malformed) FUZZ_CHECK(!d.detail.empty());
    }
  } catch (const Error& e) {
    FUZZ_CHECK(e.failure() == Failure::io);
    FUZZ_CHECK(std::string(e.what()).find("fuzz input") != std::string::npos);
  }
}
