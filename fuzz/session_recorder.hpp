// fuzz/session_recorder.hpp: drives a Session over one fuzz input and checks
// the invariants every Session promises, whatever the bytes.
//
// The same input is fed whole and in pseudo-random pieces (a schedule derived
// from the input, so a finding reproduces): TCP may cut a stream anywhere, so
// the events must not depend on where. Events are copied out at once, because
// their spans only live until the next feed(). Never writes to a socket or file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_target.hpp"
#include "intact/crypto.hpp"
#include "intact/session.hpp"

namespace intact::fuzz {

struct RecordedEvent {
  EventKind kind;
  MessageType type;
  std::uint64_t seq;
  std::uint64_t missing;
  std::string payload;
  std::string sender;
  std::string detail;
  Failure failure = Failure::none;
  CloseCode close_code = CloseCode::normal;
  ChatOrigin origin = ChatOrigin::v1;
};

inline bool is_terminal(EventKind k) {
  return k == EventKind::protocol_error || k == EventKind::closed || k == EventKind::truncated;
}

// Equal events; the detail of a protocol error may name how many bytes were
// buffered when the bound was hit, which depends on the read sizes.
inline bool same_event(const RecordedEvent& a, const RecordedEvent& b) {
  return a.kind == b.kind && a.type == b.type && a.seq == b.seq && a.missing == b.missing &&
         a.payload == b.payload && a.sender == b.sender &&
         a.close_code == b.close_code && a.origin == b.origin &&
         (a.kind == EventKind::protocol_error || a.detail == b.detail);
}

inline bool same_events(const std::vector<RecordedEvent>& a, const std::vector<RecordedEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_event(a[i], b[i])) return false;
  return true;
}

// Read sizes 1..32, from a generator seeded by the input's FNV-1a hash.
class ChunkSchedule {
 public:
  explicit ChunkSchedule(std::span<const std::uint8_t> input) {
    for (std::uint8_t b : input) state_ = (state_ ^ b) * 0x100000001B3ull;
  }
  std::size_t next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return 1 + static_cast<std::size_t>(state_ >> 33) % 32;
  }

 private:
  std::uint64_t state_ = 0xCBF29CE484222325ull;
};

// Polls until nullopt (bounded: a session that never stops emitting is a finding).
inline void drain(Session& s, std::vector<RecordedEvent>& out) {
  for (int i = 0; i < 1'000'000; ++i) {
    auto e = s.poll();
    if (!e) return;
    out.push_back({e->kind, e->type, e->seq, e->missing, std::string(as_text(e->payload)),
                   std::string(e->sender), e->detail, e->failure, e->close_code, e->origin});
  }
  fail("poll() never returned nullopt", __FILE__, __LINE__);
}

// Feeds `input` (whole, or in scheduled pieces), then EOF; returns every event.
inline std::vector<RecordedEvent> run_session(Session& s, std::span<const std::uint8_t> input,
                                              bool in_pieces) {
  std::vector<RecordedEvent> events;
  drain(s, events);  // whatever the session had to say before any input
  if (!in_pieces) {
    s.feed(input);
    drain(s, events);
  } else {
    ChunkSchedule schedule(input);
    for (std::size_t at = 0; at < input.size();) {
      std::size_t n = std::min(schedule.next(), input.size() - at);
      s.feed(input.subspan(at, n));
      drain(s, events);
      at += n;
    }
  }
  s.feed_eof();
  drain(s, events);
  return events;
}

// What holds for any Session on any input.
inline void check_common_invariants(const Session& s, const std::vector<RecordedEvent>& events,
                                    std::size_t max_payload) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    // Nothing follows a terminal event.
    if (is_terminal(events[i].kind)) FUZZ_CHECK(i + 1 == events.size());
    if (events[i].kind == EventKind::message) FUZZ_CHECK(events[i].payload.size() <= max_payload);
    if (events[i].kind == EventKind::gap) FUZZ_CHECK(events[i].missing > 0);
  }
  // After EOF a session has always reached its end, and says so.
  FUZZ_CHECK(s.finished());
  FUZZ_CHECK(!events.empty() && is_terminal(events.back().kind));
}

}  // namespace intact::fuzz
