// Fuzz target v1_established: a server whose handshake with the documented
// client succeeded, then fed arbitrary bytes as the client's frames.
//
// Checks, beyond memory safety: whole and piecewise delivery give the same
// events; --strict gives exactly the lenient events up to the first failure,
// then a protocol error, and nothing else; every delivered message is a frame
// that verifies under the client-to-server key with the sequence number shown.
#include <cstring>

#include "fuzz_inputs.hpp"
#include "fuzz_target.hpp"
#include "session_recorder.hpp"

using namespace intact;

namespace {

// ClientHello + client CONFIRM of the documented handshake, computed once by real sessions.
const std::vector<std::uint8_t>& client_handshake() {
  static const std::vector<std::uint8_t> bytes = [] {
    V1Session client = fuzz::vector_session(v1::Role::client);
    V1Session server = fuzz::vector_session(v1::Role::server);
    std::vector<std::uint8_t> sent(client.pending_output().begin(), client.pending_output().end());
    client.consume_output(sent.size());
    server.feed(sent);
    FUZZ_CHECK(!server.poll());
    client.feed(server.pending_output());
    auto e = client.poll();
    FUZZ_CHECK(e && e->kind == EventKind::established);
    sent.insert(sent.end(), client.pending_output().begin(), client.pending_output().end());
    return sent;
  }();
  return bytes;
}

void establish(V1Session& server) {
  server.feed(client_handshake());
  auto e = server.poll();
  FUZZ_CHECK(e && e->kind == EventKind::established);
  FUZZ_CHECK(server.peer_name() == "alice");
}

bool is_failure(EventKind k) {
  return k == EventKind::integrity_failure || k == EventKind::replay || k == EventKind::gap;
}

// True when `input` holds a frame of this type, seq and payload with a valid tag.
bool verified_frame_in(std::span<const std::uint8_t> input, HmacSha256& mac,
                       const fuzz::RecordedEvent& e) {
  std::vector<std::uint8_t> payload;
  v1::FrameType type = v1::FrameType::data;
  if (e.type == MessageType::chat) {
    type = v1::FrameType::chat;
    v1::encode_chat(e.sender, e.payload, e.origin, payload);
  } else {
    if (e.type == MessageType::notice) type = v1::FrameType::notice;
    payload.assign(e.payload.begin(), e.payload.end());
  }
  std::vector<std::uint8_t> frame(v1::kHeaderSize);
  v1::encode_header({type, e.seq, static_cast<std::uint32_t>(payload.size())}, frame.data());
  frame.insert(frame.end(), payload.begin(), payload.end());
  Tag tag = mac.compute(frame);
  frame.insert(frame.end(), tag.begin(), tag.end());
  if (frame.size() > input.size()) return false;
  for (std::size_t at = 0; at + frame.size() <= input.size(); ++at)
    if (std::memcmp(input.data() + at, frame.data(), frame.size()) == 0) return true;
  return false;
}

}  // namespace

INTACT_FUZZ_TARGET(v1_established) {
  std::span<const std::uint8_t> input(data, size);

  V1Session lenient = fuzz::vector_session(v1::Role::server);
  establish(lenient);
  auto events = fuzz::run_session(lenient, input, false);
  fuzz::check_common_invariants(lenient, events, lenient.max_payload());

  V1Session pieces = fuzz::vector_session(v1::Role::server);
  establish(pieces);
  FUZZ_CHECK(fuzz::same_events(events, fuzz::run_session(pieces, input, true)));

  V1Session strict = fuzz::vector_session(v1::Role::server, true);
  establish(strict);
  auto stopped = fuzz::run_session(strict, input, false);
  fuzz::check_common_invariants(strict, stopped, strict.max_payload());
  std::size_t first_failure = events.size();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (is_failure(events[i].kind)) {
      first_failure = i;
      break;
    }
  }
  if (first_failure == events.size()) {
    FUZZ_CHECK(fuzz::same_events(events, stopped));
  } else {
    FUZZ_CHECK(stopped.size() == first_failure + 2);
    for (std::size_t i = 0; i <= first_failure; ++i)
      FUZZ_CHECK(fuzz::same_event(events[i], stopped[i]));
    FUZZ_CHECK(stopped.back().kind == EventKind::protocol_error);
  }

  // Independent of the receiver's bookkeeping: a delivered message is a
  // frame in the input that verifies under the client-to-server key, and
  // sequence numbers of delivered messages strictly increase.
  static const v1::DirectionKeys keys = v1::derive_keys(
      fuzz::vector_psk().bytes(), fuzz::vector_nonce(0xC0), fuzz::vector_nonce(0x50));
  HmacSha256 mac(keys.client_to_server.bytes());
  std::uint64_t last_seq = 0;
  for (const auto& e : events) {
    if (e.kind != EventKind::message && e.kind != EventKind::closed) continue;
    FUZZ_CHECK(e.seq > last_seq);
    last_seq = e.seq;
    if (e.kind == EventKind::message) FUZZ_CHECK(verified_frame_in(input, mac, e));
  }
}
