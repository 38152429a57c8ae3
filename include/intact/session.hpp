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

// Where a relayed chat line (MessageType::chat) came from, as the relaying server says in the
// CHAT frame (docs/protocol.md, "CHAT"). A receiver shows a lab-format line as such: its
// integrity was checked, but the lab's format has no sequence numbers, so a replay, a
// reordering or a deletion on its way to the server cannot be ruled out for it.
enum class ChatOrigin : std::uint8_t {
  v1,          // a v1 member's line: its own frames ruled out replay, reordering and deletion
  lab_format,  // a lab-format (--legacy) member's line: integrity checked, replay not ruled out
};

// Why a v1 CLOSE was sent: the first byte of its payload (docs/protocol.md, "CLOSE").
// The receiver decides on this code, never on the reason text beside it.
enum class CloseCode : std::uint8_t {
  normal = 0x00,     // the sender is done: end of its input, /quit, or the answer to a close
  shutdown = 0x01,   // the server is shutting down
  kicked = 0x02,     // the server's operator removed this member (/kick)
  idle = 0x03,       // the receiver was silent for longer than the sender's idle timeout
  refused = 0x04,    // the sender will not serve the receiver (a policy after the handshake)
  strict = 0x05,     // --strict: the sender stopped at a replay or a gap in what it received
  integrity = 0x06,  // a frame from the receiver failed its tag check and the sender stopped there
  protocol = 0x07,   // the receiver broke the protocol (a malformed frame, a late CONFIRM)
  unknown = 0xFF,    // never sent: what a receiver makes of a code it does not know
};

// The code a received byte stands for: CloseCode::unknown for a byte that is no known code.
CloseCode close_code_from_byte(std::uint8_t byte) noexcept;
// A stable lower-case name ("kicked"), for JSON, logs and tests.
std::string_view close_code_name(CloseCode code) noexcept;
// What the peer's close with this code means for its receiver, as a Failure:
// none for normal and shutdown; refused for kicked and refused; timeout for
// idle; integrity for strict and integrity; protocol for protocol and unknown.
Failure close_failure(CloseCode code) noexcept;
// The code a party sends when it ends the connection at its own fatal failure
// (after the handshake): integrity for a lost integrity, strict for a replay or
// gap, protocol for anything else.
CloseCode close_code_for(Failure failure) noexcept;

enum class EventKind : std::uint8_t {
  established,        // v1 handshake done, keys confirmed: peer_name() is known
  message,            // a verified message: type, payload (and sender for chat)
  integrity_failure,  // a tag did not verify: the message was dropped
  replay,             // a valid tag but a sequence number already seen: dropped
  gap,                // `missing` messages never arrived; the valid one after them follows
  closed,             // the peer's authenticated close: `close_code` says why, `detail` is its text
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
  // message of type chat: the line's origin, from the CHAT frame's lab-format flag.
  ChatOrigin origin = ChatOrigin::v1;
  // What went wrong, for integrity_failure, replay, gap, truncated and protocol_error
  // (none otherwise): decide on this, never on `detail`.
  Failure failure = Failure::none;
  // closed: the peer's typed reason (the lab's end of stream is `normal`).
  CloseCode close_code = CloseCode::normal;
  // protocol_error with Failure::format_mismatch: the format the peer's first
  // bytes were recognised as by the one sniffer: v1 seen by a lab-format
  // session; for a v1 session, `legacy` for anything that is no intact hello
  // (the lab's format, or garbage, which the sniffer cannot tell apart);
  // nullopt for another intact version.
  std::optional<WireFormat> peer_format;
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
  // `origin` lab_format sets the CHAT frame's lab-format flag: the line came from a lab-format member.
  virtual void send_chat(std::string_view sender, std::string_view text,
                         ChatOrigin origin = ChatOrigin::v1) = 0;
  virtual void send_notice(std::string_view text) = 0;
  // Queues the authenticated close with its typed code and a text for people
  // (cut to 256 bytes); a no-op in the legacy format, which has none.
  virtual void close(CloseCode code = CloseCode::normal, std::string_view reason = {}) = 0;

  // The handshake deadline passed: a v1 server still waiting for the peer's
  // hello answers with its hello's opening, as it does for bytes that are no
  // hello (docs/protocol.md, "Format mismatch"), so a lab-format client that
  // never spoke learns what it is talking to. Nothing for others.
  virtual void handshake_timed_out() {}

  virtual bool established() const noexcept = 0;
  // Received bytes held and not yet handed out: after poll() returned nullopt, the part of a
  // message (a hello, a frame, a lab-format line) still arriving. A caller counts it against
  // its memory bound and times how long a message takes to complete.
  virtual std::size_t buffered_input() const noexcept = 0;
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
