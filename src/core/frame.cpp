#include "intact/frame.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "intact/failure.hpp"
#include "intact/wire_sniff.hpp"

namespace intact {

namespace v1 {

bool is_known_frame_type(std::uint8_t type) noexcept { return type >= 0x01 && type <= 0x05; }

std::string_view frame_type_name(FrameType type) noexcept {
  switch (type) {
    case FrameType::confirm: return "CONFIRM";
    case FrameType::data: return "DATA";
    case FrameType::close: return "CLOSE";
    case FrameType::chat: return "CHAT";
    case FrameType::notice: return "NOTICE";
  }
  return "UNKNOWN";
}

void encode_hello(const Hello& hello, std::vector<std::uint8_t>& out) {
  out.insert(out.end(), kMagic.begin(), kMagic.end());
  out.push_back(hello.version);
  out.push_back(static_cast<std::uint8_t>(hello.role));
  out.insert(out.end(), hello.nonce.begin(), hello.nonce.end());
}

HelloCheck check_hello(std::span<const std::uint8_t> bytes, Role expected_role, Hello* out) {
  switch (sniff_wire_format(bytes)) {
    case WireSniff::need_more: return HelloCheck::need_more;
    case WireSniff::v1: break;
    case WireSniff::v1_mid_stream: return HelloCheck::not_intact;  // a frame, not a hello
    case WireSniff::other:
      // The magic with another version byte is intact, of a version this one does not speak.
      return bytes.size() > kMagic.size() && std::equal(kMagic.begin(), kMagic.end(), bytes.begin())
                 ? HelloCheck::bad_version
                 : HelloCheck::not_intact;
  }
  if (bytes.size() > 7 && bytes[7] != static_cast<std::uint8_t>(expected_role))
    return HelloCheck::bad_role;
  if (bytes.size() < kHelloSize) return HelloCheck::need_more;
  if (out != nullptr) {
    out->version = bytes[6];
    out->role = static_cast<Role>(bytes[7]);
    std::copy_n(bytes.begin() + 8, kNonceSize, out->nonce.begin());
  }
  return HelloCheck::ok;
}

void encode_header(const FrameHeader& h, std::uint8_t out[kHeaderSize]) noexcept {
  out[0] = static_cast<std::uint8_t>(h.type);
  for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<std::uint8_t>(h.seq >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[9 + i] = static_cast<std::uint8_t>(h.length >> (24 - 8 * i));
}

FrameHeader decode_header(const std::uint8_t in[kHeaderSize]) noexcept {
  FrameHeader h;
  h.type = static_cast<FrameType>(in[0]);
  h.seq = 0;
  for (int i = 0; i < 8; ++i) h.seq = h.seq << 8 | in[1 + i];
  h.length = 0;
  for (int i = 0; i < 4; ++i) h.length = h.length << 8 | in[9 + i];
  return h;
}

HeaderCheck check_header(std::span<const std::uint8_t> bytes, std::size_t max_payload,
                         FrameHeader* out) noexcept {
  if (bytes.size() < kHeaderSize) return HeaderCheck::need_more;
  FrameHeader h = decode_header(bytes.data());
  if (out != nullptr) *out = h;
  if (!is_known_frame_type(static_cast<std::uint8_t>(h.type))) return HeaderCheck::unknown_type;
  if (h.length > max_payload) return HeaderCheck::over_maximum;
  return HeaderCheck::ok;
}

DirectionKeys derive_keys(std::span<const std::uint8_t> psk,
                          std::span<const std::uint8_t> client_nonce,
                          std::span<const std::uint8_t> server_nonce) {
  std::vector<std::uint8_t> salt(client_nonce.begin(), client_nonce.end());
  salt.insert(salt.end(), server_nonce.begin(), server_nonce.end());
  DirectionKeys keys{SecretBytes(kDirectionKeySize), SecretBytes(kDirectionKeySize)};
  hkdf_sha256(psk, salt, "intact v1 client to server", keys.client_to_server.writable());
  hkdf_sha256(psk, salt, "intact v1 server to client", keys.server_to_client.writable());
  return keys;
}

Digest transcript_hash(std::span<const std::uint8_t> client_hello,
                       std::span<const std::uint8_t> server_hello) {
  std::vector<std::uint8_t> t(client_hello.begin(), client_hello.end());
  t.insert(t.end(), server_hello.begin(), server_hello.end());
  return sha256(t);
}

std::string_view cut_utf8(std::string_view text, std::size_t max) noexcept {
  if (text.size() <= max) return text;
  std::size_t keep = max;  // text[keep] exists: back off while it continues a sequence
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  return text.substr(0, keep);
}

void encode_close(CloseCode code, std::string_view reason, std::vector<std::uint8_t>& out) {
  if (code == CloseCode::unknown) throw std::logic_error("CloseCode::unknown is never sent");
  reason = cut_utf8(reason, kMaxCloseReason);
  out.push_back(static_cast<std::uint8_t>(code));
  out.insert(out.end(), reason.begin(), reason.end());
}

bool decode_close(std::span<const std::uint8_t> payload, CloseCode* code, std::string_view* reason) noexcept {
  if (payload.empty() || payload.size() > kMaxClosePayload) return false;
  *code = close_code_from_byte(payload[0]);
  *reason = as_text(payload.subspan(1));
  return true;
}

void encode_chat(std::string_view sender, std::string_view text, ChatOrigin origin,
                 std::vector<std::uint8_t>& out) {
  sender = cut_utf8(sender, kMaxNameSize);
  auto length = static_cast<std::uint8_t>(sender.size());
  out.push_back(origin == ChatOrigin::lab_format ? static_cast<std::uint8_t>(length | kChatLabFormatFlag)
                                                 : length);
  out.insert(out.end(), sender.begin(), sender.end());
  out.insert(out.end(), text.begin(), text.end());
}

void encode_chat(std::string_view sender, std::string_view text, std::vector<std::uint8_t>& out) {
  encode_chat(sender, text, ChatOrigin::v1, out);
}

bool decode_chat(std::span<const std::uint8_t> payload, std::string_view* sender,
                 std::span<const std::uint8_t>* text, ChatOrigin* origin) noexcept {
  if (payload.empty()) return false;
  std::size_t n = payload[0] & kChatNameLengthMask;
  if (n > kMaxNameSize || 1 + n > payload.size()) return false;
  *sender = as_text(payload.subspan(1, n));
  *text = payload.subspan(1 + n);
  *origin = (payload[0] & kChatLabFormatFlag) != 0 ? ChatOrigin::lab_format : ChatOrigin::v1;
  return true;
}

bool decode_chat(std::span<const std::uint8_t> payload, std::string_view* sender,
                 std::span<const std::uint8_t>* text) noexcept {
  ChatOrigin ignored{};
  return decode_chat(payload, sender, text, &ignored);
}

}  // namespace v1

// ---- CloseCode ----

CloseCode close_code_from_byte(std::uint8_t byte) noexcept {
  return byte <= static_cast<std::uint8_t>(CloseCode::protocol) ? static_cast<CloseCode>(byte)
                                                                : CloseCode::unknown;
}

std::string_view close_code_name(CloseCode code) noexcept {
  switch (code) {
    case CloseCode::normal: return "normal";
    case CloseCode::shutdown: return "shutdown";
    case CloseCode::kicked: return "kicked";
    case CloseCode::idle: return "idle";
    case CloseCode::refused: return "refused";
    case CloseCode::strict: return "strict";
    case CloseCode::integrity: return "integrity";
    case CloseCode::protocol: return "protocol";
    case CloseCode::unknown: return "unknown";
  }
  return "unknown";
}

Failure close_failure(CloseCode code) noexcept {
  switch (code) {
    case CloseCode::normal:
    case CloseCode::shutdown: return Failure::none;
    case CloseCode::kicked:
    case CloseCode::refused: return Failure::refused;
    case CloseCode::idle: return Failure::timeout;
    case CloseCode::strict:
    case CloseCode::integrity: return Failure::integrity;
    case CloseCode::protocol:
    case CloseCode::unknown: return Failure::protocol;
  }
  return Failure::protocol;
}

CloseCode close_code_for(Failure failure) noexcept {
  switch (failure) {
    case Failure::integrity:
    case Failure::key_mismatch: return CloseCode::integrity;
    case Failure::replay:
    case Failure::gap: return CloseCode::strict;
    default: return CloseCode::protocol;
  }
}

// ---- InputBuffer ----

void InputBuffer::compact() {
  if (begin_ == 0) return;
  std::size_t n = end_ - begin_;
  if (n > 0) std::memmove(buf_.data(), buf_.data() + begin_, n);
  begin_ = 0;
  end_ = n;
}

std::span<std::uint8_t> InputBuffer::prepare(std::size_t n) {
  if (buf_.size() - end_ < n) {
    compact();
    if (buf_.size() - end_ < n) buf_.resize(end_ + n);
  }
  return {buf_.data() + end_, n};
}

void InputBuffer::append(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  auto space = prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

void InputBuffer::consume(std::size_t n) noexcept {
  begin_ += std::min(n, end_ - begin_);
  if (begin_ == end_) begin_ = end_ = 0;
}

// ---- FrameSealer ----

FrameSealer::FrameSealer(std::span<const std::uint8_t> key, std::size_t max_payload)
    : mac_(key), max_payload_(max_payload) {}

void FrameSealer::seal_parts(v1::FrameType type, std::span<const std::uint8_t> payload,
                             std::uint8_t header[v1::kHeaderSize], Tag& tag) {
  if (payload.size() > max_payload_) {
    throw Error(Failure::not_sent, "a message of " + std::to_string(payload.size()) +
                " bytes is over the maximum of " + std::to_string(max_payload_));
  }
  if (next_seq_ == std::numeric_limits<std::uint64_t>::max())
    throw Error(Failure::over_limit, "sequence numbers exhausted on this connection; reconnect");
  v1::encode_header({type, next_seq_++, static_cast<std::uint32_t>(payload.size())}, header);
  mac_.begin();
  mac_.update({header, v1::kHeaderSize});
  mac_.update(payload);
  tag = mac_.finish();
}

void FrameSealer::seal(v1::FrameType type, std::span<const std::uint8_t> payload,
                       std::vector<std::uint8_t>& out) {
  std::uint8_t header[v1::kHeaderSize];
  Tag tag{};
  seal_parts(type, payload, header, tag);
  std::size_t at = out.size();
  out.resize(at + v1::kFrameOverhead + payload.size());
  std::uint8_t* p = out.data() + at;
  std::memcpy(p, header, v1::kHeaderSize);
  if (!payload.empty()) std::memcpy(p + v1::kHeaderSize, payload.data(), payload.size());
  std::memcpy(p + v1::kHeaderSize + payload.size(), tag.data(), tag.size());
}

// ---- SequenceTracker ----

SequenceTracker::Result SequenceTracker::check(std::uint64_t seq) noexcept {
  if (exhausted_ || seq < expected_) return {Verdict::replay, 0};
  std::uint64_t skipped = seq - expected_;
  std::uint64_t missing = skipped - std::min(skipped, failed_since_accept_);
  failed_since_accept_ = 0;
  if (seq == std::numeric_limits<std::uint64_t>::max()) {
    exhausted_ = true;
  } else {
    expected_ = seq + 1;
  }
  return {missing > 0 ? Verdict::gap : Verdict::accept, missing};
}

// ---- FrameReceiver ----

FrameReceiver::FrameReceiver(std::span<const std::uint8_t> key, std::size_t max_payload, bool strict,
                             std::uint64_t first_seq)
    : mac_(key), max_payload_(max_payload), strict_(strict), seq_(first_seq) {}

namespace {

std::string unknown_type_detail(v1::FrameType type) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(type));
  return std::string("unknown frame type ") + hex +
         ": the stream is corrupted or the peer does not speak intact v1";
}

Event failure_event(EventKind kind, Failure failure, std::uint64_t seq, std::string detail) {
  Event e;
  e.seq = seq;
  e.kind = kind;
  e.failure = failure;
  e.detail = std::move(detail);
  return e;
}

std::string replay_detail(std::uint64_t seq) {
  return "frame " + std::to_string(seq) +
         " is older than a frame already received (replayed, duplicated or reordered); dropped";
}

std::string gap_detail(std::uint64_t seq, std::uint64_t missing) {
  return std::to_string(missing) + (missing == 1 ? " message is" : " messages are") +
         " missing before frame " + std::to_string(seq) + " (deleted, or reordered, on the way)";
}

}  // namespace

std::optional<FrameReceiver::Opened> FrameReceiver::open(const InputBuffer& in) {
  auto bytes = in.data();
  v1::FrameHeader h;
  switch (v1::check_header(bytes, max_payload_, &h)) {
    case v1::HeaderCheck::need_more:
      return std::nullopt;
    case v1::HeaderCheck::unknown_type:
      return Opened{Open::malformed, h, {}, unknown_type_detail(h.type), 0};
    case v1::HeaderCheck::over_maximum:
      return Opened{Open::malformed, h, {},
                    "a frame claims " + std::to_string(h.length) + " bytes, over the maximum of " +
                        std::to_string(max_payload_),
                    0};
    case v1::HeaderCheck::ok:
      break;
  }
  std::size_t total = v1::kFrameOverhead + h.length;
  if (bytes.size() < total) return std::nullopt;
  auto covered = bytes.first(v1::kHeaderSize + h.length);
  auto tag = bytes.subspan(v1::kHeaderSize + h.length, kTagSize);
  bool ok = mac_.verify(covered, tag);
  return Opened{ok ? Open::ok : Open::bad_tag, h, bytes.subspan(v1::kHeaderSize, h.length), {},
                total};
}

std::optional<Event> FrameReceiver::poll(InputBuffer& in) {
  if (pending_) {
    Event e = std::move(*pending_);
    pending_.reset();
    return e;
  }
  if (done_) return std::nullopt;
  auto o = open(in);
  if (!o) return std::nullopt;
  if (o->status == Open::malformed) return on_malformed(*o);
  in.consume(o->frame_len);  // the payload's bytes stay in place until the next feed
  if (o->status == Open::bad_tag) return on_bad_tag(o->header.seq);
  if (o->header.type == v1::FrameType::confirm) return on_late_confirm(o->header.seq);
  return on_verified(*o);
}

std::optional<Event> FrameReceiver::on_malformed(Opened& o) {
  done_ = true;
  Failure failure = o.header.length > max_payload_ ? Failure::over_limit : Failure::protocol;
  return failure_event(EventKind::protocol_error, failure, o.header.seq, std::move(o.detail));
}

std::optional<Event> FrameReceiver::on_bad_tag(std::uint64_t seq) {
  seq_.note_failed_frame();
  Event e = failure_event(EventKind::integrity_failure, Failure::integrity, seq,
                          std::string(kLostIntegrity));
  if (strict_) stop_strict(Failure::integrity, "an integrity failure");
  return e;
}

std::optional<Event> FrameReceiver::on_late_confirm(std::uint64_t seq) {
  done_ = true;
  return failure_event(EventKind::protocol_error, Failure::protocol, seq,
                       "a CONFIRM frame arrived after the handshake");
}

// A frame whose tag verified: the sequence verdict decides what it becomes.
std::optional<Event> FrameReceiver::on_verified(const Opened& o) {
  auto r = seq_.check(o.header.seq);
  if (r.verdict == SequenceTracker::Verdict::replay) {
    Event e = failure_event(EventKind::replay, Failure::replay, o.header.seq,
                            replay_detail(o.header.seq));
    if (strict_) stop_strict(Failure::replay, "a replayed frame");
    return e;
  }
  Event m = message_event(o);
  if (r.verdict == SequenceTracker::Verdict::gap) return on_gap(o.header.seq, r.missing, std::move(m));
  return m;
}

// The gap is reported first; the message that revealed it follows, unless strict.
std::optional<Event> FrameReceiver::on_gap(std::uint64_t seq, std::uint64_t missing,
                                           Event message) {
  Event e = failure_event(EventKind::gap, Failure::gap, seq, gap_detail(seq, missing));
  e.missing = missing;
  if (strict_) {
    stop_strict(Failure::gap, "missing messages");
  } else {
    pending_ = std::move(message);
  }
  return e;
}

Event FrameReceiver::message_event(const Opened& o) {
  Event m;
  m.seq = o.header.seq;
  switch (o.header.type) {
    case v1::FrameType::close: {
      done_ = true;
      std::string_view reason;
      if (!v1::decode_close(o.payload, &m.close_code, &reason)) {  // no conforming sender sends it
        m.kind = EventKind::protocol_error;
        m.failure = Failure::protocol;
        m.detail = o.payload.empty()
                       ? std::string("a CLOSE frame without its reason code")
                       : "a CLOSE frame's reason of " + std::to_string(o.payload.size() - 1) +
                             " bytes is over the maximum of " + std::to_string(v1::kMaxCloseReason);
        return m;
      }
      close_received_ = true;
      m.kind = EventKind::closed;
      m.detail = std::string(reason);
      return m;
    }
    case v1::FrameType::chat: {
      std::span<const std::uint8_t> text;
      if (!v1::decode_chat(o.payload, &m.sender, &text, &m.origin)) {
        done_ = true;
        m.kind = EventKind::protocol_error;
        m.failure = Failure::protocol;
        m.detail = "a CHAT frame with a malformed sender field";
        return m;
      }
      m.kind = EventKind::message;
      m.type = MessageType::chat;
      m.payload = text;
      return m;
    }
    case v1::FrameType::notice:
      m.type = MessageType::notice;
      break;
    default:
      m.type = MessageType::data;
      break;
  }
  m.kind = EventKind::message;
  m.payload = o.payload;
  return m;
}

void FrameReceiver::stop_strict(Failure failure, std::string_view what) {
  done_ = true;
  Event stop;
  stop.kind = EventKind::protocol_error;
  stop.failure = failure;
  stop.detail = std::string("stopping at ") + std::string(what) + " (strict mode)";
  pending_ = std::move(stop);
}

std::optional<Event> FrameReceiver::eof(const InputBuffer& in) {
  if (close_received_ || eof_seen_) return std::nullopt;
  eof_seen_ = true;
  if (done_) return std::nullopt;
  done_ = true;
  Event e;
  e.kind = EventKind::truncated;
  e.failure = Failure::truncated;
  e.seq = seq_.expected();
  if (!in.empty()) {
    e.detail = "the stream ended in the middle of a frame (" + std::to_string(in.size()) +
               " bytes of it arrived) without an authenticated close: the end was cut off";
  } else {
    e.detail =
        "the stream ended without an authenticated close: messages after the last one shown "
        "may have been cut off";
  }
  return e;
}

// ---- FrameSplitter ----

std::optional<FrameSplitter::Record> FrameSplitter::next() {
  auto bytes = in_.data();
  if (bytes.empty()) return std::nullopt;
  auto broken = [&](std::string why) {
    broken_ = true;
    Record r{Kind::malformed, std::vector<std::uint8_t>(bytes.begin(), bytes.end()), {},
             std::move(why)};
    in_.consume(bytes.size());
    return r;
  };
  if (broken_) return broken("after a malformed record");
  if (!hello_seen_) {
    switch (sniff_wire_format(bytes)) {
      case WireSniff::need_more: return std::nullopt;
      case WireSniff::other: return broken("the stream does not begin with an intact v1 hello");
      case WireSniff::v1_mid_stream: hello_seen_ = true; return next();  // begun after the hellos
      case WireSniff::v1: break;
    }
    if (bytes.size() < v1::kHelloSize) return std::nullopt;
    hello_seen_ = true;
    Record r{Kind::hello, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + v1::kHelloSize),
             {}, {}};
    in_.consume(v1::kHelloSize);
    return r;
  }
  v1::FrameHeader h;
  switch (v1::check_header(bytes, max_payload_, &h)) {
    case v1::HeaderCheck::need_more:
      return std::nullopt;
    case v1::HeaderCheck::unknown_type:
      return broken("unknown frame type");
    case v1::HeaderCheck::over_maximum:
      return broken("frame length over the maximum");
    case v1::HeaderCheck::ok:
      break;
  }
  std::size_t total = v1::kFrameOverhead + h.length;
  if (bytes.size() < total) return std::nullopt;
  Record r{Kind::frame, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(total)),
           h, {}};
  in_.consume(total);
  return r;
}

}  // namespace intact
