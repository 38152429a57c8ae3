// intact/session.hpp: the sans-I/O session interface shared by both wire formats.
//
// A Session is fed the bytes that arrived from the peer and hands back events
// (poll) and bytes to send (pending_output). It never touches a socket, a
// file, a clock or a terminal: the network layer, the tamper proxy, the capture
// verifier, the tests and the fuzzers all drive the same code. A Session never
// hands an unverified byte to its caller: a message event's payload has passed
// its tag check.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "intact/failure.hpp"

namespace intact {

enum class WireFormat : std::uint8_t { v1, legacy };

// What a verified message is, on the wire of protocol v1. Legacy messages are all `data`.
enum class MessageType : std::uint8_t {
  data,    // application bytes from the peer itself (a chat line, a chunk of a byte stream)
  chat,    // a chat line the peer relays from another user: `sender` names that user
  notice,  // a notice from the peer itself (join, leave, errors): not a user's words
};

enum class EventKind : std::uint8_t {
  established,        // v1 handshake done, keys confirmed: peer_name() is known
  message,            // a verified message: type, payload (and sender for chat)
  integrity_failure,  // a tag did not verify: the message was dropped
  replay,             // a valid tag but a sequence number already seen: dropped
  gap,                // `missing` messages never arrived; the valid one after them follows
  closed,             // the peer's authenticated close; `detail` is its reason, if any
  truncated,          // the stream ended without an authenticated close
  protocol_error,     // fatal: the connection must be closed; `detail` says why
};

struct Event {
  EventKind kind{};
  MessageType type = MessageType::data;
  std::uint64_t seq = 0;      // v1 sequence number of the frame concerned (0 for legacy)
  std::uint64_t missing = 0;  // gap: how many messages are missing
  // message: the verified payload, and for `chat` the relayed sender's name.
  // Both point into the session's input buffer: valid until the next feed().
  std::span<const std::uint8_t> payload;
  std::string_view sender;
  // What went wrong, for integrity_failure, replay, gap, truncated and protocol_error
  // (none otherwise): decide on this, never on `detail`.
  Failure failure = Failure::none;
  std::string detail;  // a human-readable reason for failures, closes and errors
};

// The one sentence the lab prints for a message whose tag does not match.
inline constexpr std::string_view kLostIntegrity = "The received message has lost its integrity.";

class Session {
 public:
  virtual ~Session() = default;

  virtual WireFormat format() const noexcept = 0;

  // Bytes received from the peer. Poll until nullopt before feeding again:
  // that keeps the input buffer bounded by one frame plus one read.
  virtual void feed(std::span<const std::uint8_t> bytes) = 0;
  // The peer will send nothing more (TCP FIN or reset).
  virtual void feed_eof() = 0;
  virtual std::optional<Event> poll() = 0;

  // Messages to the peer. Throw intact::Error (Failure::not_sent) when the format cannot carry the
  // payload (over the maximum; in the lab's format, a '|' followed by 64 hex
  // digits), and std::logic_error before the session is established.
  virtual void send_data(std::span<const std::uint8_t> payload) = 0;
  virtual void send_chat(std::string_view sender, std::string_view text) = 0;
  virtual void send_notice(std::string_view text) = 0;
  // Queues the authenticated close (a no-op in the legacy format, which has none).
  virtual void close(std::string_view reason = {}) = 0;

  virtual bool established() const noexcept = 0;
  // True once no further event can come: the peer closed, the stream ended, or a fatal error.
  virtual bool finished() const noexcept = 0;
  virtual std::string_view peer_name() const noexcept = 0;
  // Largest payload send_data accepts.
  virtual std::size_t max_payload() const noexcept = 0;

  // Bytes to write to the peer, in order. Either consume what was written
  // (synchronous callers), or take_output() the whole buffer for an
  // asynchronous write: the session keeps appending to a fresh buffer while
  // the taken one is in flight, and swapping buffers allocates nothing.
  std::span<const std::uint8_t> pending_output() const noexcept {
    return {out_.data() + out_pos_, out_.size() - out_pos_};
  }
  std::size_t pending_output_size() const noexcept { return out_.size() - out_pos_; }
  void consume_output(std::size_t n) noexcept {
    out_pos_ += n;
    if (out_pos_ >= out_.size()) {
      out_.clear();
      out_pos_ = 0;
    }
  }
  void take_output(std::vector<std::uint8_t>& into) {
    into.clear();
    if (out_pos_ > 0) out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_pos_));
    out_pos_ = 0;
    into.swap(out_);
  }

 protected:
  std::vector<std::uint8_t> out_;
  std::size_t out_pos_ = 0;
};

}  // namespace intact
