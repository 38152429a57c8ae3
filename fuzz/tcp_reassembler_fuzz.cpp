// Fuzz target tcp_reassembler: one direction of a captured TCP connection
// (src/capture/tcp_reassembler) fed segments the input describes.
//
// Input: 4 bytes of initial sequence number, a mode byte, then segments of 5
// bytes each: flags (SYN 1, FIN 2, RST 4, cut 8, far 16), a 16-bit sequence
// offset from the initial number (far: plus 2^31, so wrap-around and stale
// segments happen), a length, and a cut length (used when the cut flag is set).
// In "truth" mode (mode bit 0 clear) every payload carries the true bytes of
// the stream at its sequence numbers, T(seq); otherwise the next input bytes.
//
// Checks, beyond memory safety: what is delivered grows by exactly what
// delivered() says and never shrinks; in truth mode it is the true stream
// T(base), T(base+1), ... (overlaps and retransmissions delivered once, in
// place); nothing is delivered after a reset, an overflow, or once the FIN was
// reached; a hole starts where delivery stopped; waiting bytes stay within the
// bound; delivered plus duplicate bytes never exceed the payload fed.
#include <vector>

#include "capture/tcp_reassembler.hpp"
#include "fuzz_target.hpp"

using intact::capture::TcpReassembler;

namespace {

std::uint8_t truth(std::uint32_t seq) { return static_cast<std::uint8_t>((seq * 2654435761u) >> 24); }

}  // namespace

INTACT_FUZZ_TARGET(tcp_reassembler) {
  if (size < 5) return;
  const std::uint32_t isn = static_cast<std::uint32_t>(data[0]) << 24 | static_cast<std::uint32_t>(data[1]) << 16 |
                            static_cast<std::uint32_t>(data[2]) << 8 | data[3];
  const std::uint8_t mode = data[4];
  const bool truth_mode = (mode & 1) == 0;
  constexpr std::size_t kBounds[] = {64, 1024, intact::capture::kDefaultMaxOutOfOrder, 0};
  const std::size_t bound = kBounds[(mode >> 1) & 3];
  TcpReassembler r(bound);

  std::vector<std::uint8_t> out, payload;
  std::uint64_t fed = 0;
  std::optional<std::uint32_t> base;
  std::size_t at = 5;
  while (at + 5 <= size) {
    const std::uint8_t flags = data[at];
    const bool syn = flags & 1, fin = flags & 2, rst = flags & 4;
    std::uint32_t seq = isn + (static_cast<std::uint32_t>(data[at + 1]) << 8 | data[at + 2]);
    if (flags & 16) seq += 0x80000000u;
    const std::size_t len = data[at + 3];
    const std::uint32_t cut = (flags & 8) ? data[at + 4] : 0;
    at += 5;
    if (!base) base = syn ? seq + 1 : seq;
    const std::uint32_t first = syn ? seq + 1 : seq;  // the payload follows a SYN
    payload.clear();
    if (truth_mode) {
      for (std::size_t i = 0; i < len; ++i) payload.push_back(truth(first + static_cast<std::uint32_t>(i)));
    } else {
      std::size_t n = std::min(len, size - at);
      payload.assign(data + at, data + at + n);
      at += n;
    }

    const bool was_over = r.reset() || r.overflowed() || r.fin_reached();
    const std::uint64_t before = r.delivered();
    const std::size_t out_before = out.size();
    r.add(seq, syn, fin, rst, payload, out, cut);
    fed += payload.size();

    FUZZ_CHECK(r.delivered() >= before);
    FUZZ_CHECK(out.size() - out_before == r.delivered() - before);
    FUZZ_CHECK(out.size() == r.delivered());
    if (was_over) FUZZ_CHECK(r.delivered() == before);
    FUZZ_CHECK(r.delivered() + r.duplicate_bytes() <= fed);
    if (auto h = r.hole()) {
      FUZZ_CHECK(h->offset == r.delivered());
      if (!r.overflowed()) FUZZ_CHECK(h->waiting <= bound);
    }
    if (r.syn_seq()) FUZZ_CHECK(*r.syn_seq() + 1 == *base);
    FUZZ_CHECK(r.started_mid_stream() == !r.syn_seq());
  }
  if (truth_mode && base)
    for (std::size_t i = 0; i < out.size(); ++i)
      FUZZ_CHECK(out[i] == truth(*base + static_cast<std::uint32_t>(i)));
}
