// Fuzz target frame_splitter: the keyless FrameSplitter fed arbitrary bytes.
//
// Checks, beyond memory safety: the records are the input, byte for byte and
// in order (nothing lost, duplicated or invented); each hello and frame record
// is well formed and within the maximum; whole and piecewise delivery cut the
// same records up to the first malformed one, and agree on whether there is one.
#include <algorithm>

#include "fuzz_target.hpp"
#include "intact/frame.hpp"
#include "intact/wire_sniff.hpp"
#include "session_recorder.hpp"

using namespace intact;

namespace {

struct Split {
  std::vector<FrameSplitter::Record> records;
  std::size_t buffered = 0;
};

Split split(std::span<const std::uint8_t> input, std::size_t max_payload, bool in_pieces) {
  FrameSplitter sp(max_payload);
  Split out;
  auto collect = [&] {
    for (int i = 0; i < 1'000'000; ++i) {
      auto r = sp.next();
      if (!r) return;
      out.records.push_back(std::move(*r));
    }
    fuzz::fail("next() never returned nullopt", __FILE__, __LINE__);
  };
  if (!in_pieces) {
    sp.feed(input);
    collect();
  } else {
    fuzz::ChunkSchedule schedule(input);
    for (std::size_t at = 0; at < input.size();) {
      std::size_t n = std::min(schedule.next(), input.size() - at);
      sp.feed(input.subspan(at, n));
      collect();
      at += n;
    }
  }
  out.buffered = sp.buffered();
  return out;
}

void check_split(std::span<const std::uint8_t> input, const Split& s, std::size_t max_payload) {
  std::vector<std::uint8_t> joined;
  bool malformed_seen = false;
  for (std::size_t i = 0; i < s.records.size(); ++i) {
    const auto& r = s.records[i];
    FUZZ_CHECK(!r.bytes.empty());
    joined.insert(joined.end(), r.bytes.begin(), r.bytes.end());
    switch (r.kind) {
      case FrameSplitter::Kind::hello:
        FUZZ_CHECK(i == 0 && r.bytes.size() == v1::kHelloSize);
        FUZZ_CHECK(std::equal(v1::kMagic.begin(), v1::kMagic.end(), r.bytes.begin()));
        break;
      case FrameSplitter::Kind::frame:
        // First only in a stream that begins after its hellos (intact/wire_sniff.hpp).
        FUZZ_CHECK(!malformed_seen && (i > 0 || sniff_wire_format(input) == WireSniff::v1_mid_stream));
        FUZZ_CHECK(v1::is_known_frame_type(r.bytes[0]));
        FUZZ_CHECK(r.header.length <= max_payload);
        FUZZ_CHECK(r.bytes.size() == v1::kFrameOverhead + r.header.length);
        FUZZ_CHECK(r.header.seq == v1::decode_header(r.bytes.data()).seq);
        break;
      case FrameSplitter::Kind::malformed:
        FUZZ_CHECK(!r.detail.empty());
        malformed_seen = true;
        break;
    }
  }
  FUZZ_CHECK(joined.size() + s.buffered == input.size());
  FUZZ_CHECK(std::equal(joined.begin(), joined.end(), input.begin()));
  if (malformed_seen) FUZZ_CHECK(s.buffered == 0);
}

std::size_t well_formed_prefix(const Split& s) {
  std::size_t n = 0;
  while (n < s.records.size() && s.records[n].kind != FrameSplitter::Kind::malformed) ++n;
  return n;
}

}  // namespace

INTACT_FUZZ_TARGET(frame_splitter) {
  std::span<const std::uint8_t> input(data, size);
  for (std::size_t max_payload : {v1::kMaxPayload, std::size_t{64}}) {
    Split whole = split(input, max_payload, false);
    Split pieces = split(input, max_payload, true);
    check_split(input, whole, max_payload);
    check_split(input, pieces, max_payload);
    std::size_t n = well_formed_prefix(whole);
    FUZZ_CHECK(n == well_formed_prefix(pieces));
    FUZZ_CHECK((n < whole.records.size()) == (n < pieces.records.size()));
    for (std::size_t i = 0; i < n; ++i)
      FUZZ_CHECK(whole.records[i].bytes == pieces.records[i].bytes);
  }
}
