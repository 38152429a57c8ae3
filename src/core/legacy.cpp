#include "intact/legacy.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "intact/failure.hpp"
#include "intact/hex.hpp"
#include "intact/wire_sniff.hpp"

namespace intact {

namespace legacy {

std::string tag_hex(HmacSha256& mac, std::span<const std::uint8_t> message) {
  return to_hex_upper(mac.compute(message));
}

void encode(HmacSha256& mac, std::span<const std::uint8_t> message, std::vector<std::uint8_t>& out) {
  std::string tag = tag_hex(mac, message);
  out.insert(out.end(), message.begin(), message.end());
  out.push_back('|');
  out.insert(out.end(), tag.begin(), tag.end());
}

Boundary find_boundary(std::span<const std::uint8_t> bytes, std::size_t* bar_at,
                       std::size_t* scan_from) {
  std::size_t i = *scan_from;
  while (i < bytes.size()) {
    const std::uint8_t* bar = static_cast<const std::uint8_t*>(
        std::memchr(bytes.data() + i, '|', bytes.size() - i));
    if (bar == nullptr) {
      *scan_from = bytes.size();
      return Boundary::need_more;
    }
    std::size_t p = static_cast<std::size_t>(bar - bytes.data());
    std::size_t have = std::min(kTagHexSize, bytes.size() - p - 1);
    std::size_t hex = 0;
    while (hex < have && is_hex_digit(bytes[p + 1 + hex])) ++hex;
    if (hex == kTagHexSize) {
      *bar_at = p;
      *scan_from = 0;
      return Boundary::found;
    }
    if (hex == have) {  // all hex so far: the tag may still be arriving
      *scan_from = p;
      return Boundary::need_more;
    }
    i = p + 1;  // a '|' inside the message
  }
  *scan_from = bytes.size();
  return Boundary::need_more;
}

}  // namespace legacy

LegacySession::LegacySession(const Key& psk, std::size_t max_message)
    : mac_(psk.bytes()), max_message_(max_message) {}

std::optional<Event> LegacySession::poll() {
  if (finished_) return std::nullopt;
  auto bytes = in_.data();
  Event e;
  // Checked before looking for a tag, and every message is held to the
  // maximum however it arrived: the events must not depend on where TCP cut
  // the stream into reads.
  if (sniff_wire_format(bytes) == WireSniff::v1) {
    finished_ = true;
    e.kind = EventKind::protocol_error;
    e.failure = Failure::format_mismatch;
    e.peer_format = WireFormat::v1;
    e.detail = "the peer speaks intact v1, not the lab's format";
    return e;
  }
  std::size_t bar = 0;
  if (legacy::find_boundary(bytes, &bar, &scan_from_) == legacy::Boundary::found) {
    if (bar > max_message_) {
      finished_ = true;
      e.kind = EventKind::protocol_error;
      e.failure = Failure::over_limit;
      e.detail = "a message of " + std::to_string(bar) + " bytes is over the " +
                 std::to_string(max_message_) + "-byte maximum";
      return e;
    }
    auto message = bytes.first(bar);
    auto tag = from_hex(as_text(bytes.subspan(bar + 1, legacy::kTagHexSize)));
    if (tag && mac_.verify(message, *tag)) {
      e.kind = EventKind::message;
      e.payload = message;
    } else {
      e.kind = EventKind::integrity_failure;
      e.failure = Failure::integrity;
      e.detail = std::string(kLostIntegrity);
    }
    in_.consume(bar + 1 + legacy::kTagHexSize);
    return e;
  }
  if (bytes.size() > max_message_ + 1 + legacy::kTagHexSize) {
    finished_ = true;
    e.kind = EventKind::protocol_error;
    e.failure = Failure::protocol;
    e.detail = "no tag in " + std::to_string(bytes.size()) +
               " bytes: the peer is not speaking the lab's format (message|64 hex digits), or "
               "a message is over the " + std::to_string(max_message_) + "-byte maximum";
    return e;
  }
  if (eof_) {
    finished_ = true;
    if (!bytes.empty()) {
      e.kind = EventKind::truncated;
      e.failure = Failure::truncated;
      e.detail = "the connection ended inside a message (" + std::to_string(bytes.size()) +
                 " bytes without a tag)";
    } else {
      // The lab's format has no authenticated close: a cut looks exactly like an end.
      e.kind = EventKind::closed;
      e.detail = "the peer closed the connection";
    }
    return e;
  }
  return std::nullopt;
}

void LegacySession::send_data(std::span<const std::uint8_t> payload) {
  if (payload.size() > max_message_) {
    throw Error(Failure::not_sent, "a message of " + std::to_string(payload.size()) +
                " bytes is over the lab format's maximum of " + std::to_string(max_message_));
  }
  // The receiver ends a message at the first '|' followed by 64 hex digits: a
  // text containing one cannot be carried in this format (protocol v1 can).
  std::size_t bar = 0, scan = 0;
  if (legacy::find_boundary(payload, &bar, &scan) == legacy::Boundary::found) {
    throw Error(Failure::not_sent, "the lab's format cannot carry a message containing '|' followed by 64 hex "
                "digits (the receiver would take them for the tag); not sent");
  }
  legacy::encode(mac_, payload, out_);
}

void LegacySession::send_chat(std::string_view, std::string_view, ChatOrigin) {
  throw std::logic_error(
      "LegacySession: the lab's format has no sender field; format the line and send_data it");
}

void LegacySession::send_notice(std::string_view text) { send_data(text_bytes(text)); }

}  // namespace intact
