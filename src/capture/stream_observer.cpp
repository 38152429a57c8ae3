#include "capture/stream_observer.hpp"

#include <algorithm>
#include <string>

#include "intact/handshake.hpp"

namespace intact::capture {

namespace {

// Before the handshake is through, a side has no business sending more than its
// hello and one maximal frame: past that the observer stops instead of buffering.
constexpr std::size_t kMaxBeforeHandshake = v1::kHelloSize + v1::kFrameOverhead + v1::kMaxPayload;

std::vector<std::uint8_t> shown(std::span<const std::uint8_t> bytes) {
  auto n = std::min(bytes.size(), kMaxShownUnverified);
  return {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::optional<v1::FrameType> frame_type_of(MessageType t) {
  switch (t) {
    case MessageType::data:
      return v1::FrameType::data;
    case MessageType::chat:
      return v1::FrameType::chat;
    case MessageType::notice:
      return v1::FrameType::notice;
  }
  return std::nullopt;
}

const char* hello_problem(v1::HelloCheck c, bool client) {
  switch (c) {
    case v1::HelloCheck::not_intact:
      return client ? "the connecting side's first bytes are not an intact v1 hello"
                    : "the accepting side's first bytes are not an intact v1 hello";
    case v1::HelloCheck::bad_version:
      return client ? "the connecting side's hello names another protocol version"
                    : "the accepting side's hello names another protocol version";
    case v1::HelloCheck::bad_role:
      return client ? "the connecting side sent a server's hello (a reflected hello)"
                    : "the accepting side sent a client's hello (a reflected hello)";
    default:
      return nullptr;
  }
}

}  // namespace

// ---- V1Observer ----

V1Observer::V1Observer(const Key& psk) : psk_(psk) {}

void V1Observer::feed(Direction d, std::span<const std::uint8_t> bytes) {
  Side& s = side(d);
  if (s.stage == Stage::stopped) {  // nothing more can be judged: do not buffer it
    if (s.high_water > 0) {
      s.in = InputBuffer{};  // what the last poll() handed out is no longer in use
      s.high_water = 0;
    }
    return;
  }
  s.in.append(bytes);
  s.high_water = std::max(s.high_water, s.in.size());
}

void V1Observer::feed_eof(Direction d) { side(d).eof = true; }

std::size_t V1Observer::held_bytes() const noexcept {
  return sides_[0].high_water + sides_[1].high_water + client_hello_.capacity() +
         server_hello_.capacity();
}

Observation V1Observer::stop_both(Direction d, EventKind kind, std::string detail) {
  for (auto& s : sides_) {
    s.stage = Stage::stopped;
    s.in = InputBuffer{};  // nothing of it is handed out: the observation carries words only
    s.high_water = 0;
  }
  Observation o;
  o.direction = d;
  o.event.kind = kind;
  o.event.detail = std::move(detail);
  return o;
}

std::optional<Observation> V1Observer::poll_hellos() {
  const Direction dirs[2] = {Direction::client_to_server, Direction::server_to_client};
  bool ready = true;
  for (int i = 0; i < 2; ++i) {
    Side& s = side(dirs[i]);
    bool client = i == 0;
    auto check =
        v1::check_hello(s.in.data(), client ? v1::Role::client : v1::Role::server, nullptr);
    if (const char* problem = hello_problem(check, client)) {
      return stop_both(dirs[i], EventKind::protocol_error,
                       std::string(problem) +
                           ": without both hellos the keys cannot be derived (did the capture "
                           "begin after the connection did? for the lab's format use --legacy)");
    }
    if (check == v1::HelloCheck::need_more) {
      ready = false;
      if (s.eof) {
        return stop_both(dirs[i], EventKind::truncated,
                         client ? "the connection ended before the client's hello was complete"
                                : "the connection ended before the server answered the hello");
      }
    }
  }
  if (!ready) {
    // A side whose hello is complete waits for the other's; it has no business sending
    // more than a hello and one maximal frame before it: past that it is not held.
    for (int i = 0; i < 2; ++i) {
      Side& s = side(dirs[i]);
      if (s.in.size() <= kMaxBeforeHandshake) continue;
      bool client = i == 0;
      Observation o = stop_both(
          dirs[i], EventKind::protocol_error,
          "not verified: over the limit: " + std::to_string(s.in.size()) + " bytes of the " +
              (client ? "connecting" : "accepting") + " side arrived before the " +
              (client ? "accepting" : "connecting") + " side's hello, more than the " +
              std::to_string(kMaxBeforeHandshake) +
              " (a hello and one maximal frame) held while waiting for it; without both hellos "
              "the keys cannot be derived, so neither direction is verified");
      o.over_limit = true;
      return o;
    }
    return std::nullopt;
  }
  Side& c = side(Direction::client_to_server);
  Side& s = side(Direction::server_to_client);
  client_hello_.assign(c.in.data().begin(), c.in.data().begin() + v1::kHelloSize);
  server_hello_.assign(s.in.data().begin(), s.in.data().begin() + v1::kHelloSize);
  c.in.consume(v1::kHelloSize);
  s.in.consume(v1::kHelloSize);
  v1::DirectionKeys keys = v1::keys_from_hellos(psk_.bytes(), client_hello_, server_hello_);
  c.rx.emplace(keys.client_to_server.bytes(), v1::kMaxPayload, /*strict=*/false, /*first_seq=*/1);
  s.rx.emplace(keys.server_to_client.bytes(), v1::kMaxPayload, /*strict=*/false, /*first_seq=*/1);
  c.stage = s.stage = Stage::confirm;
  return std::nullopt;
}

std::optional<Observation> V1Observer::poll_confirm(Direction d) {
  Side& s = side(d);
  v1::ConfirmCheck c = v1::check_confirm(*s.rx, s.in, client_hello_, server_hello_);
  Observation o;
  o.direction = d;
  if (c.header) {
    o.event.seq = c.header->seq;
    if (v1::is_known_frame_type(static_cast<std::uint8_t>(c.header->type)))
      o.frame_type = c.header->type;
  }
  switch (c.status) {
    case v1::ConfirmCheck::Status::need_more:
      if (!s.eof) return std::nullopt;
      s.stage = Stage::stopped;
      o.event = Event{};
      o.frame_type.reset();
      o.event.kind = EventKind::truncated;
      o.event.failure = Failure::truncated;
      o.event.detail = "the stream ended before this side's CONFIRM: the handshake never finished";
      return o;
    case v1::ConfirmCheck::Status::failed:
      s.stage = Stage::stopped;
      // A CONFIRM that does not verify is a modified (or foreign-keyed) frame;
      // any other failure means the bytes are not a handshake at all.
      o.event.kind = c.failure == Failure::key_mismatch ? EventKind::integrity_failure
                                                        : EventKind::protocol_error;
      o.event.failure = c.failure;
      o.event.detail = c.detail + "; nothing after it can be verified";
      return o;
    case v1::ConfirmCheck::Status::ok: break;
  }
  s.name.assign(c.peer_name);
  s.in.consume(c.frame_len);
  s.stage = Stage::frames;
  o.event.kind = EventKind::established;
  o.event.sender = s.name;
  return o;
}

std::optional<Observation> V1Observer::poll_frames(Direction d) {
  Side& s = side(d);
  // Note the frame at the head before the receiver judges it: if it turns out
  // modified or replayed, the investigator is shown what was captured.
  std::optional<v1::FrameHeader> head;
  std::span<const std::uint8_t> head_payload;
  auto bytes = s.in.data();
  if (bytes.size() >= v1::kHeaderSize) {
    v1::FrameHeader h = v1::decode_header(bytes.data());
    if (h.length <= v1::kMaxPayload && bytes.size() >= v1::kFrameOverhead + h.length) {
      head = h;
      head_payload = bytes.subspan(v1::kHeaderSize, h.length);
    }
  }
  auto e = s.rx->poll(s.in);
  if (!e && s.eof) e = s.rx->eof(s.in);
  if (!e) return std::nullopt;
  Observation o;
  o.direction = d;
  switch (e->kind) {
    case EventKind::message:
      o.frame_type = frame_type_of(e->type);
      break;
    case EventKind::closed:
      o.frame_type = v1::FrameType::close;
      break;
    case EventKind::integrity_failure:
    case EventKind::replay:
      if (head) {
        if (v1::is_known_frame_type(static_cast<std::uint8_t>(head->type)))
          o.frame_type = head->type;
        o.captured_payload = shown(head_payload);
      }
      break;
    case EventKind::protocol_error:
    case EventKind::truncated:
      s.stage = Stage::stopped;
      break;
    default:
      break;
  }
  if (e->kind == EventKind::closed) s.stage = Stage::stopped;
  o.event = std::move(*e);
  return o;
}

std::optional<Observation> V1Observer::poll() {
  if (sides_[0].stage == Stage::hello) {
    if (auto o = poll_hellos()) return o;
    if (sides_[0].stage == Stage::hello) return std::nullopt;
  }
  for (Direction d : {Direction::client_to_server, Direction::server_to_client}) {
    Side& s = side(d);
    if (s.stage == Stage::confirm) {
      if (auto o = poll_confirm(d)) return o;
    }
    if (s.stage == Stage::frames) {
      if (auto o = poll_frames(d)) return o;
    }
  }
  return std::nullopt;
}

// ---- LegacyObserver ----

LegacyObserver::LegacyObserver(const Key& psk) : sides_{Side(psk), Side(psk)} {}

void LegacyObserver::feed(Direction d, std::span<const std::uint8_t> bytes) {
  Side& s = sides_[static_cast<std::size_t>(d)];
  if (s.done) return;
  s.session.feed(bytes);
  s.shadow.append(bytes);
  s.high_water = std::max(s.high_water, s.shadow.size());
}

std::size_t LegacyObserver::held_bytes() const noexcept {
  // The session's own buffer holds the same bytes as the shadow: count both.
  return 2 * (sides_[0].high_water + sides_[1].high_water);
}

void LegacyObserver::feed_eof(Direction d) {
  sides_[static_cast<std::size_t>(d)].session.feed_eof();
}

std::optional<Observation> LegacyObserver::poll_side(Direction d) {
  Side& s = sides_[static_cast<std::size_t>(d)];
  if (s.done) return std::nullopt;
  auto e = s.session.poll();
  if (!e) return std::nullopt;
  Observation o;
  o.direction = d;
  if (e->kind == EventKind::message || e->kind == EventKind::integrity_failure) {
    std::size_t bar = 0;
    if (legacy::find_boundary(s.shadow.data(), &bar, &s.shadow_scan) == legacy::Boundary::found) {
      if (e->kind == EventKind::integrity_failure)
        o.captured_payload = shown(s.shadow.data().first(bar));
      s.shadow.consume(bar + 1 + legacy::kTagHexSize);
    }
    e->seq = ++s.count;
  } else {
    s.done = true;  // closed, truncated or a protocol error: the session is finished
  }
  o.event = std::move(*e);
  return o;
}

std::optional<Observation> LegacyObserver::poll() {
  for (Direction d : {Direction::client_to_server, Direction::server_to_client}) {
    if (auto o = poll_side(d)) return o;
  }
  return std::nullopt;
}

}  // namespace intact::capture
