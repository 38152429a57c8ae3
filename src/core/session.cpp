#include "intact/v1_session.hpp"

#include <stdexcept>

#include "intact/failure.hpp"
#include "intact/handshake.hpp"
#include "intact/wire_sniff.hpp"

namespace intact {

V1Session::V1Session(const Key& psk, Options options, std::optional<Nonce> fixed_nonce)
    : psk_(SecretBytes(psk.bytes())), opts_(std::move(options)), fixed_nonce_(fixed_nonce) {
  if (opts_.name.size() > v1::kMaxNameSize) {
    throw Error(Failure::usage, "a name is at most " + std::to_string(v1::kMaxNameSize) + " bytes");
  }
  if (opts_.role == v1::Role::client) {
    v1::Hello hello{v1::Role::client, v1::kVersion, {}};
    make_nonce(hello.nonce);
    v1::encode_hello(hello, client_hello_);
    out_.insert(out_.end(), client_hello_.begin(), client_hello_.end());
  }
}

void V1Session::make_nonce(std::array<std::uint8_t, v1::kNonceSize>& nonce) const {
  if (fixed_nonce_) {
    nonce = *fixed_nonce_;
  } else {
    random_bytes(nonce);
  }
}

Event V1Session::fail(Failure failure, std::string detail) {
  state_ = State::finished;
  psk_.reset();  // a finished session derives nothing more
  Event e;
  e.kind = EventKind::protocol_error;
  e.failure = failure;
  e.detail = std::move(detail);
  return e;
}

std::optional<Event> V1Session::poll() {
  switch (state_) {
    case State::hello: return poll_hello();
    case State::confirm: return poll_confirm();
    case State::established: {
      auto e = rx_->poll(in_);
      if (!e && eof_) e = rx_->eof(in_);
      if (e && (e->kind == EventKind::protocol_error || e->kind == EventKind::closed ||
                e->kind == EventKind::truncated))
        state_ = State::finished;
      return e;
    }
    case State::finished: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Event> V1Session::poll_hello() {
  const bool client = opts_.role == v1::Role::client;
  const v1::Role peer_role = client ? v1::Role::server : v1::Role::client;
  v1::Hello peer;
  switch (v1::check_hello(in_.data(), peer_role, &peer)) {
    case v1::HelloCheck::need_more:
      if (!eof_) return std::nullopt;
      return fail(Failure::refused, client && in_.empty()
                                        ? "the server closed the connection before the handshake (refused, "
                                          "or not an intact server)"
                                        : "the peer closed the connection before the handshake finished");
    case v1::HelloCheck::not_intact: {
      answer_format_mismatch();
      const bool lab = sniff_wire_format(in_.data()) == WireSniff::other;
      Event e = fail(Failure::format_mismatch,
                     client ? "the server does not speak intact v1 (its first bytes are not an intact hello)"
                            : "the peer does not speak intact v1 (its first bytes are not an intact hello)");
      if (lab) e.peer_format = WireFormat::legacy;
      return e;
    }
    case v1::HelloCheck::bad_version:
      answer_format_mismatch();
      return fail(Failure::format_mismatch, "the peer speaks intact protocol version " + std::to_string(in_.data()[6]) +
                  "; this intact speaks version " + std::to_string(v1::kVersion));
    case v1::HelloCheck::bad_role:
      return fail(Failure::protocol, client ? "the peer answered with a client's hello (a reflected hello, or two "
                           "clients connected to each other)"
                         : "the peer sent a server's hello (a reflected hello, or two servers "
                           "connected to each other)");
    case v1::HelloCheck::ok: break;
  }
  auto peer_hello = in_.data().first(v1::kHelloSize);
  v1::DirectionKeys keys;
  if (client) {
    server_hello_.assign(peer_hello.begin(), peer_hello.end());
    in_.consume(v1::kHelloSize);
    std::span<const std::uint8_t> client_nonce(client_hello_.data() + 8, v1::kNonceSize);
    keys = v1::derive_keys(psk_->bytes(), client_nonce, peer.nonce);
    tx_.emplace(keys.client_to_server.bytes(), opts_.max_payload);
    rx_.emplace(keys.server_to_client.bytes(), opts_.max_payload, opts_.strict);
  } else {
    client_hello_.assign(peer_hello.begin(), peer_hello.end());
    in_.consume(v1::kHelloSize);
    v1::Hello mine{v1::Role::server, v1::kVersion, {}};
    make_nonce(mine.nonce);
    v1::encode_hello(mine, server_hello_);
    out_.insert(out_.end(), server_hello_.begin(), server_hello_.end());
    keys = v1::derive_keys(psk_->bytes(), peer.nonce, mine.nonce);
    tx_.emplace(keys.server_to_client.bytes(), opts_.max_payload);
    rx_.emplace(keys.client_to_server.bytes(), opts_.max_payload, opts_.strict);
  }
  // The direction keys are all this session needs from now on.
  psk_.reset();
  // Our CONFIRM goes out before we check the peer's: a peer with another key
  // then learns of the mismatch too, instead of waiting for a timeout.
  Digest th = v1::transcript_hash(client_hello_, server_hello_);
  scratch_.assign(th.begin(), th.end());
  scratch_.insert(scratch_.end(), opts_.name.begin(), opts_.name.end());
  seal(v1::FrameType::confirm, scratch_);
  state_ = State::confirm;
  return poll_confirm();
}

// A server answers bytes that are no v1 hello with the opening of its own hello
// (magic and version), then closes: a peer in another format (the lab's, or
// another version) can tell what it reached. A client's hello already begins so.
void V1Session::answer_format_mismatch() {
  if (opts_.role != v1::Role::server) return;
  out_.insert(out_.end(), v1::kMagic.begin(), v1::kMagic.end());
  out_.push_back(v1::kVersion);
}

std::optional<Event> V1Session::poll_confirm() {
  v1::ConfirmCheck c = v1::check_confirm(*rx_, in_, client_hello_, server_hello_);
  switch (c.status) {
    case v1::ConfirmCheck::Status::need_more:
      if (!eof_) return std::nullopt;
      return fail(Failure::refused, in_.empty() ? "the peer closed the connection during the handshake "
                                "(it may hold a different key)"
                              : "the peer closed the connection in the middle of the handshake");
    case v1::ConfirmCheck::Status::failed:
      return fail(c.failure, c.failure == Failure::key_mismatch ? c.detail + "; nothing was accepted"
                                                                : std::move(c.detail));
    case v1::ConfirmCheck::Status::ok: break;
  }
  peer_name_.assign(c.peer_name);
  in_.consume(c.frame_len);
  state_ = State::established;
  handshake_done_ = true;
  Event e;
  e.kind = EventKind::established;
  return e;
}

FrameSealer& V1Session::established_sealer() {
  if (!handshake_done_) throw std::logic_error("V1Session: sealer taken before the handshake finished");
  return *tx_;
}

FrameReceiver& V1Session::established_receiver() {
  if (!handshake_done_)
    throw std::logic_error("V1Session: receiver taken before the handshake finished");
  return *rx_;
}

void V1Session::seal(v1::FrameType type, std::span<const std::uint8_t> payload) {
  tx_->seal(type, payload, out_);
}

void V1Session::check_can_send() const {
  if (!handshake_done_) throw std::logic_error("V1Session: send before the handshake finished");
  if (close_sent_) throw std::logic_error("V1Session: send after close");
}

void V1Session::send_data(std::span<const std::uint8_t> payload) {
  check_can_send();
  seal(v1::FrameType::data, payload);
}

void V1Session::send_chat(std::string_view sender, std::string_view text, ChatOrigin origin) {
  check_can_send();
  scratch_.clear();
  v1::encode_chat(sender, text, origin, scratch_);
  seal(v1::FrameType::chat, scratch_);
}

void V1Session::send_notice(std::string_view text) {
  check_can_send();
  seal(v1::FrameType::notice, text_bytes(text));
}

void V1Session::close(CloseCode code, std::string_view reason) {
  if (close_sent_ || !handshake_done_) return;
  scratch_.clear();
  v1::encode_close(code, reason, scratch_);
  close_sent_ = true;
  seal(v1::FrameType::close, scratch_);
}

}  // namespace intact
