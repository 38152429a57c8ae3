// intact/v1_session.hpp: protocol v1's session state machine (sans-I/O).
//
// Handshake: each side sends a hello with a fresh 32-byte nonce; both derive
// per-direction keys with HKDF-SHA256 from the pre-shared key and both nonces;
// each then sends a CONFIRM frame, sealed with its new key, over the hash of
// both hellos. A peer holding another key fails that check at connect, on both
// sides (the client sends its CONFIRM before it checks the server's). After
// that every frame carries a sequence number and a full HMAC-SHA256 tag.
// This unit never delivers a payload that failed its check, and never reads
// the clock or a socket: timeouts belong to the caller.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "intact/frame.hpp"
#include "intact/key.hpp"
#include "intact/secret.hpp"
#include "intact/session.hpp"

namespace intact {

namespace testing {
struct V1SessionAccess;  // intact/testing.hpp: fixed nonces, for test vectors and fuzzers only
}

class V1Session final : public Session {
 public:
  struct Options {
    v1::Role role = v1::Role::client;
    std::string name;                         // shown to the peer; at most 64 bytes
    bool strict = false;                      // stop at the first integrity failure
    std::size_t max_payload = v1::kMaxPayload;
  };

  // A client queues its hello at once; a server waits for the client's. The
  // session keeps its own copy of the pre-shared key only until it has derived
  // the direction keys (a client: until the server's hello; a server: until the
  // client's), then wipes it.
  V1Session(const Key& psk, Options options) : V1Session(psk, std::move(options), std::nullopt) {}

  WireFormat format() const noexcept override { return WireFormat::v1; }
  // Once finished nothing more is read from the buffer, so nothing more goes into it.
  void feed(std::span<const std::uint8_t> bytes) override {
    if (state_ != State::finished) in_.append(bytes);
  }
  void feed_eof() override { eof_ = true; }
  std::optional<Event> poll() override;

  void send_data(std::span<const std::uint8_t> payload) override;
  void send_chat(std::string_view sender, std::string_view text,
                 ChatOrigin origin = ChatOrigin::v1) override;
  void send_notice(std::string_view text) override;
  void close(CloseCode code = CloseCode::normal, std::string_view reason = {}) override;

  void handshake_timed_out() override {
    if (state_ == State::hello) answer_format_mismatch();
  }

  bool established() const noexcept override { return state_ == State::established; }
  std::size_t buffered_input() const noexcept override { return in_.size(); }
  bool finished() const noexcept override { return state_ == State::finished; }
  std::string_view peer_name() const noexcept override { return peer_name_; }
  std::size_t max_payload() const noexcept override { return opts_.max_payload; }
  bool close_sent() const noexcept { return close_sent_; }
  // Whether the session still holds the pre-shared key (false once the keys are derived).
  bool holds_psk() const noexcept { return psk_.has_value(); }

  // Zero-copy receive: read straight into input().prepare(n), then commit(n).
  InputBuffer& input() noexcept { return in_; }

  // After the handshake, the two directions are independent: a caller that
  // drives each direction on its own thread takes the established sender and
  // receiver here and, from then on, uses them (with input()) instead of
  // send_*/close/poll. Throws std::logic_error before the handshake is done.
  FrameSealer& established_sealer();
  FrameReceiver& established_receiver();

 private:
  friend struct testing::V1SessionAccess;
  using Nonce = std::array<std::uint8_t, v1::kNonceSize>;
  // fixed_nonce: this side's hello nonce instead of a fresh one (intact/testing.hpp only).
  V1Session(const Key& psk, Options options, std::optional<Nonce> fixed_nonce);

  enum class State { hello, confirm, established, finished };
  std::optional<Event> poll_hello();
  std::optional<Event> poll_confirm();
  void answer_format_mismatch();
  void make_nonce(std::array<std::uint8_t, v1::kNonceSize>& nonce) const;
  Event fail(Failure failure, std::string detail);
  void seal(v1::FrameType type, std::span<const std::uint8_t> payload);
  void check_can_send() const;

  std::optional<SecretBytes> psk_;  // until the direction keys are derived
  Options opts_;
  std::optional<Nonce> fixed_nonce_;
  State state_ = State::hello;
  InputBuffer in_;
  bool eof_ = false;
  bool close_sent_ = false;
  bool handshake_done_ = false;
  std::vector<std::uint8_t> client_hello_;
  std::vector<std::uint8_t> server_hello_;
  std::optional<FrameSealer> tx_;
  std::optional<FrameReceiver> rx_;
  std::string peer_name_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace intact
