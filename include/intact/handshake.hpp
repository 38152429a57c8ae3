// intact/handshake.hpp: protocol v1's handshake checks, written once for
// everyone who must judge a handshake: V1Session (as a party to it) and the
// capture verifier's observer (as a witness holding the key).
//
// keys_from_hellos() derives both direction keys from the two hellos as they
// were sent. check_confirm() judges the first frame of one direction: it
// refuses a header claiming more than a CONFIRM can hold before that frame is
// buffered, checks the tag with the direction's key, then type, sequence
// number, size and transcript (constant time). It never consumes input and
// never hands back a name from a frame whose tag did not verify.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "intact/failure.hpp"
#include "intact/frame.hpp"

namespace intact::v1 {

inline constexpr std::size_t kTranscriptSize = std::tuple_size_v<Digest>;       // 32
inline constexpr std::size_t kMaxConfirmPayload = kTranscriptSize + kMaxNameSize;  // 96

// Both direction keys, from the pre-shared key and the nonces inside the two
// hellos (kHelloSize bytes each, as on the wire).
DirectionKeys keys_from_hellos(std::span<const std::uint8_t> psk,
                               std::span<const std::uint8_t> client_hello,
                               std::span<const std::uint8_t> server_hello);

struct ConfirmCheck {
  enum class Status : std::uint8_t { need_more, ok, failed };
  Status status = Status::need_more;
  // The first frame's header as sent, once all of it has arrived (also on failure).
  std::optional<FrameHeader> header;
  // ok: the name the CONFIRM carries (points into the InputBuffer, valid until
  // it changes) and the frame's length, for the caller to consume.
  std::string_view peer_name;
  std::size_t frame_len = 0;
  // failed: key_mismatch (the tag did not verify), over_limit (the header
  // claims more than a CONFIRM can hold) or protocol (anything else), and why.
  Failure failure = Failure::none;
  std::string detail;
};

// Judges the CONFIRM at the head of `in`, received with `rx` (that direction's
// key). The hellos are the two as sent, client's first.
ConfirmCheck check_confirm(FrameReceiver& rx, const InputBuffer& in,
                           std::span<const std::uint8_t> client_hello,
                           std::span<const std::uint8_t> server_hello);

}  // namespace intact::v1
