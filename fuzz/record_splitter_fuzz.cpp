// Fuzz target record_splitter: the tamper proxy's keyless RecordSplitter
// (src/attack/record_splitter) fed arbitrary bytes. The first byte chooses the
// format (even: v1, odd: the lab's); the rest is one direction's stream.
//
// Checks, beyond memory safety: the records, then finish()'s rest, are the
// input byte for byte; messages are numbered 1, 2, 3 ... and only messages are
// numbered; the lab's format has no handshake or close records; what is
// buffered never exceeds one maximal record; whole and piecewise feeding cut
// the same records; display_text() of every message is defined.
#include <algorithm>

#include "attack/record_splitter.hpp"
#include "fuzz_target.hpp"
#include "intact/legacy.hpp"
#include "session_recorder.hpp"

using namespace intact;
using intact::attack::Record;
using intact::attack::RecordSplitter;

namespace {

std::vector<Record> split(WireFormat format, std::span<const std::uint8_t> input, bool in_pieces) {
  RecordSplitter sp(format);
  std::vector<Record> out;
  const std::size_t bound = format == WireFormat::v1
                                ? v1::kFrameOverhead + v1::kMaxPayload
                                : legacy::kMaxMessage + 1 + legacy::kTagHexSize;
  auto collect = [&] {
    for (int i = 0; i < 1'000'000; ++i) {
      auto r = sp.next();
      if (!r) {
        FUZZ_CHECK(sp.buffered() <= bound);
        return;
      }
      out.push_back(std::move(*r));
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
  if (auto rest = sp.finish()) {
    FUZZ_CHECK(rest->kind == Record::Kind::raw && !rest->bytes.empty());
    out.push_back(std::move(*rest));
  }
  FUZZ_CHECK(sp.buffered() == 0);
  FUZZ_CHECK(!sp.finish());
  return out;
}

void check(WireFormat format, std::span<const std::uint8_t> input, const std::vector<Record>& records) {
  std::vector<std::uint8_t> joined;
  std::uint64_t messages = 0;
  for (const auto& r : records) {
    FUZZ_CHECK(!r.bytes.empty());
    joined.insert(joined.end(), r.bytes.begin(), r.bytes.end());
    if (r.kind == Record::Kind::message) {
      FUZZ_CHECK(r.number == ++messages);
      (void)RecordSplitter::display_text(format, r);
    } else {
      FUZZ_CHECK(r.number == 0);
    }
    if (format == WireFormat::legacy)
      FUZZ_CHECK(r.kind == Record::Kind::message || r.kind == Record::Kind::raw);
    if (format == WireFormat::legacy && r.kind == Record::Kind::message) {
      // text '|' 64 hex digits
      FUZZ_CHECK(r.bytes.size() >= 1 + legacy::kTagHexSize);
      FUZZ_CHECK(r.bytes[r.bytes.size() - 1 - legacy::kTagHexSize] == '|');
    }
  }
  FUZZ_CHECK(joined.size() == input.size());
  FUZZ_CHECK(std::equal(joined.begin(), joined.end(), input.begin()));
}

}  // namespace

INTACT_FUZZ_TARGET(record_splitter) {
  if (size == 0) return;
  const WireFormat format = (data[0] & 1) ? WireFormat::legacy : WireFormat::v1;
  std::span<const std::uint8_t> input(data + 1, size - 1);
  auto whole = split(format, input, false);
  auto pieces = split(format, input, true);
  check(format, input, whole);
  check(format, input, pieces);
  // Records before the unsplittable rest are the same however the bytes arrived.
  std::size_t n = 0;
  while (n < whole.size() && n < pieces.size() && whole[n].kind != Record::Kind::raw &&
         pieces[n].kind != Record::Kind::raw)
    ++n;
  for (std::size_t i = 0; i < n; ++i) {
    FUZZ_CHECK(whole[i].kind == pieces[i].kind);
    FUZZ_CHECK(whole[i].bytes == pieces[i].bytes);
  }
  if (n < whole.size() && n < pieces.size()) FUZZ_CHECK(whole[n].kind == pieces[n].kind);
  FUZZ_CHECK((n == whole.size()) == (n == pieces.size()));
}
