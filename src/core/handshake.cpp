#include "intact/handshake.hpp"

namespace intact::v1 {

namespace {

constexpr std::size_t kNonceOffset = kMagic.size() + 2;  // after the magic, version and role

ConfirmCheck failed(ConfirmCheck c, Failure failure, std::string detail) {
  c.status = ConfirmCheck::Status::failed;
  c.failure = failure;
  c.detail = std::move(detail);
  return c;
}

}  // namespace

DirectionKeys keys_from_hellos(std::span<const std::uint8_t> psk,
                               std::span<const std::uint8_t> client_hello,
                               std::span<const std::uint8_t> server_hello) {
  return derive_keys(psk, client_hello.subspan(kNonceOffset, kNonceSize),
                     server_hello.subspan(kNonceOffset, kNonceSize));
}

ConfirmCheck check_confirm(FrameReceiver& rx, const InputBuffer& in,
                           std::span<const std::uint8_t> client_hello,
                           std::span<const std::uint8_t> server_hello) {
  ConfirmCheck c;
  auto bytes = in.data();
  if (bytes.size() < kHeaderSize) return c;
  c.header = decode_header(bytes.data());
  const std::uint32_t length = c.header->length;
  const bool known_type = is_known_frame_type(bytes[0]);
  // Until the keys are confirmed only a CONFIRM can come, and it is small: a
  // bigger claim is refused from its header, so a peer that has not shown it
  // holds the key cannot make anyone buffer a whole maximal frame. (Over the
  // frame maximum, or an unknown type: open() says so in the spec's words.)
  if (known_type && length > kMaxConfirmPayload && length <= rx.max_payload()) {
    return failed(std::move(c), Failure::over_limit,
                  "handshake failed: a frame claims " + std::to_string(length) +
                      " bytes, over the maximum of " + std::to_string(kMaxConfirmPayload) +
                      " for a CONFIRM frame");
  }
  auto o = rx.open(in);
  if (!o) return c;
  if (o->status == FrameReceiver::Open::malformed) {
    return failed(std::move(c), known_type && length > rx.max_payload() ? Failure::over_limit : Failure::protocol,
                  "handshake failed: " + o->detail);
  }
  if (o->status == FrameReceiver::Open::bad_tag) {
    return failed(std::move(c), Failure::key_mismatch,
                  "key confirmation failed: the CONFIRM frame does not verify under this key (the "
                  "sender holds a different key, or a hello was altered on the way)");
  }
  const FrameHeader& h = *c.header;
  if (h.type != FrameType::confirm) {
    return failed(std::move(c), Failure::protocol,
                  "handshake failed: the first frame is a " + std::string(frame_type_name(h.type)) +
                      " frame, not a CONFIRM");
  }
  if (h.seq != 0) {
    return failed(std::move(c), Failure::protocol,
                  "handshake failed: the CONFIRM frame has sequence number " +
                      std::to_string(h.seq) + ", not 0");
  }
  auto p = o->payload;
  if (p.size() < kTranscriptSize || p.size() > kMaxConfirmPayload) {
    return failed(std::move(c), Failure::protocol,
                  "handshake failed: the CONFIRM frame carries " + std::to_string(p.size()) +
                      " bytes, not " + std::to_string(kTranscriptSize) + " to " +
                      std::to_string(kMaxConfirmPayload));
  }
  Digest th = transcript_hash(client_hello, server_hello);
  if (!equal_constant_time(p.first(kTranscriptSize), th)) {
    return failed(std::move(c), Failure::protocol,
                  "handshake failed: the CONFIRM frame does not match the hellos exchanged");
  }
  c.status = ConfirmCheck::Status::ok;
  c.peer_name = as_text(p.subspan(kTranscriptSize));
  c.frame_len = o->frame_len;
  return c;
}

}  // namespace intact::v1
