// intact/legacy.hpp: the lab's wire format ("legacy"), byte for byte.
//
// A message travels as its UTF-8 bytes, '|', and the 64 upper-case hex digits
// of HMAC-SHA256(key, message); nothing else: no length, no terminator. The
// decoder is streaming: a message may be split across reads, several may
// arrive in one read, and a message may itself contain '|' (the tag is the
// first '|' followed by 64 hex digits). It never buffers more than one maximal
// message and never hands back a message whose tag did not verify.
//
// The format binds nothing to position or direction: replayed, reordered,
// deleted and reflected messages all verify. That is the lab's weakness, kept
// on purpose so it can be shown; protocol v1 (v1_session.hpp) fixes it.
#pragma once

#include <optional>
#include <string>

#include "intact/crypto.hpp"
#include "intact/frame.hpp"
#include "intact/key.hpp"
#include "intact/session.hpp"

namespace intact {

namespace legacy {

inline constexpr std::size_t kTagHexSize = 2 * kTagSize;  // the HMAC-SHA256 tag in hex
inline constexpr std::size_t kMaxMessage = 64 * 1024;

// The lab's tag of `message`: 64 upper-case hex digits.
std::string tag_hex(HmacSha256& mac, std::span<const std::uint8_t> message);

// Appends `message|TAG` to `out`.
void encode(HmacSha256& mac, std::span<const std::uint8_t> message, std::vector<std::uint8_t>& out);

// Where the first message in `bytes` ends, without a key: the offset of its
// '|' when the 64 hex digits after it have all arrived. *scan_from lets a
// caller resume where an earlier call stopped.
enum class Boundary { found, need_more };
Boundary find_boundary(std::span<const std::uint8_t> bytes, std::size_t* bar_at,
                       std::size_t* scan_from);

}  // namespace legacy

class LegacySession final : public Session {
 public:
  explicit LegacySession(const Key& psk, std::size_t max_message = legacy::kMaxMessage);

  WireFormat format() const noexcept override { return WireFormat::legacy; }
  // Once finished nothing more is read from the buffer, so nothing more goes into it.
  void feed(std::span<const std::uint8_t> bytes) override {
    if (!finished_) in_.append(bytes);
  }
  void feed_eof() override { eof_ = true; }
  std::optional<Event> poll() override;

  void send_data(std::span<const std::uint8_t> payload) override;
  // The lab's format has no sender field and no notice type: it carries bytes.
  // A notice is sent as a message of exactly `text`; how an application shows
  // a relayed line or a notice in this format (the chat room's "name: text" and
  // "*** text") is its own business, done before send_data. send_chat throws
  // std::logic_error: this format cannot carry a sender.
  void send_chat(std::string_view sender, std::string_view text,
                 ChatOrigin origin = ChatOrigin::v1) override;
  void send_notice(std::string_view text) override;
  void close(CloseCode, std::string_view) override {}  // the lab's format has no close

  bool established() const noexcept override { return true; }
  std::size_t buffered_input() const noexcept override { return in_.size(); }
  bool finished() const noexcept override { return finished_; }
  std::string_view peer_name() const noexcept override { return {}; }
  std::size_t max_payload() const noexcept override { return max_message_; }

 private:
  HmacSha256 mac_;
  std::size_t max_message_;
  InputBuffer in_;
  std::size_t scan_from_ = 0;
  bool eof_ = false;
  bool finished_ = false;
};

}  // namespace intact
