#include "chat/chat_client.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_awaitable.hpp>
#include <unistd.h>

#include <algorithm>

#include "chat/names.hpp"
#include "intact/crypto.hpp"
#include "intact/failure.hpp"
#include "intact/legacy.hpp"
#include "intact/text.hpp"
#include "intact/v1_session.hpp"
#include "net/endpoint.hpp"
#include "net/line_reader.hpp"

namespace intact::chat {

ChatClient::ChatClient(asio::io_context& io, const Key& key, ClientOptions options, ChatOutput& out)
    : io_(io), key_(key), opts_(std::move(options)), out_(out), signals_(io, SIGINT, SIGTERM) {}

ChatClient::~ChatClient() = default;

void ChatClient::start() {
  asio::co_spawn(io_, connect_and_run(), [this](std::exception_ptr ep) {
    if (!ep) return;
    try {
      std::rethrow_exception(ep);
    } catch (const Error& e) {
      decide(e.failure(), e.what());
    } catch (const std::exception& e) {
      decide(Failure::internal, e.what());
    }
    done();
  });
  wait_for_signal();
}

namespace {
std::string lines_were_not_sent(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " line was" : " lines were") + " not sent";
}
}  // namespace

// SIGINT, SIGTERM: the user wants out now, not after the flush timeout.
void ChatClient::wait_for_signal() {
  signals_.async_wait([this](std::error_code ec, int) {
    if (ec) return;
    if (!conn_ || !conn_->open()) {
      decide(Failure::io, "interrupted before the connection was made");  // nothing was said
      done();
      return;
    }
    if (!conn_->session().established()) {
      decide(Failure::io, "interrupted before the handshake finished");  // nothing was said
      conn_->abort(Failure::io, "interrupted before the handshake finished");
      return;
    }
    bool reading = !input_ended_;
    std::size_t waiting = lines_waiting();
    if (conn_->queued_bytes() == 0 && !interrupted_ && reading) {
      // Everything given was written: leave politely (our close, the server's answer
      // within the linger time). A second signal does not wait for the answer.
      interrupted_ = true;
      end_of_input();
      wait_for_signal();
    } else if (waiting > 0) {
      // The server is not taking our bytes: waiting for it could take the flush timeout.
      // Stop now and say what did not go (exit 1).
      unsent_lines_ += waiting;
      std::string what = "interrupted: " + lines_were_not_sent(waiting) + " (still queued for the server)" +
                         (reading ? "; the input was not read further" : "");
      decide(Failure::not_sent, what);
      conn_->abort(Failure::not_sent, what);
    } else if (conn_->queued_bytes() == 0) {
      // Everything, our close too, was written; only the server's answer is not awaited
      // (as when the linger time passes).
      decide(Failure::none);
      conn_->abort(Failure::io, "interrupted while waiting for the server's close");
    } else {
      decide(Failure::io, "interrupted before the server took our last bytes");
      conn_->abort(Failure::io, "interrupted before the server took our last bytes");
    }
  });
}

std::size_t ChatClient::lines_waiting() const {
  if (!conn_) return 0;
  std::size_t queued = conn_->queued_bytes();
  queued -= std::min(queued, close_bytes_);
  std::size_t n = 0;
  std::size_t covered = 0;
  for (auto it = recent_lines_.rbegin(); it != recent_lines_.rend() && covered < queued; ++it) {
    covered += *it;
    ++n;
  }
  return n;
}

asio::awaitable<void> ChatClient::connect_and_run() {
  net::tcp::socket socket = co_await net::connect(opts_.host, opts_.port);
  std::unique_ptr<Session> session;
  if (opts_.legacy) {
    session = std::make_unique<LegacySession>(key_);
  } else {
    V1Session::Options v1opts;
    v1opts.role = v1::Role::client;
    v1opts.name = opts_.name;
    v1opts.strict = opts_.strict;
    session = std::make_unique<V1Session>(key_, v1opts);
  }
  net::ConnectionLimits limits = opts_.limits;
  if (opts_.legacy) limits.pace = opts_.lab_pace;  // the lab's server reads one message per read
  conn_ = std::make_shared<net::Connection>(std::move(socket), std::move(session), *this, limits);
  out_.diagnostic("connected to " + conn_->peer() + (opts_.legacy ? " (lab format, --legacy)" : " (protocol v1)"));
  conn_->start();
  if (opts_.legacy && conn_->open()) ready();
}

void ChatClient::ready() {
  if (ready_) return;
  ready_ = true;
  if (opts_.read_stdin) asio::co_spawn(io_, stdin_loop(), asio::detached);
  if (on_ready) on_ready();
}

asio::awaitable<void> ChatClient::stdin_loop() {
  net::LineReader reader(io_.get_executor(), STDIN_FILENO, conn_->session().max_payload());
  // Read no further while a few maximal messages wait for the server: a slow
  // server slows the reading of our input down instead of filling the queue to
  // its bound (which would drop the connection).
  const std::size_t backlog = 4 * (conn_->session().max_payload() + 1024);
  while (!done_ && !input_ended_) {
    co_await conn_->wait_for_room(backlog);
    if (done_ || input_ended_) co_return;
    auto line = co_await reader.next();
    if (done_) co_return;
    if (!line) {
      end_of_input();
      co_return;
    }
    if (line->too_long) {
      out_.diagnostic("a line of " + std::to_string(line->length) + " bytes is over the maximum message size (" +
                      std::to_string(conn_->session().max_payload()) + "); not sent");
      ++unsent_lines_;
      continue;
    }
    user_line(line->text);
  }
}

void ChatClient::user_line(std::string_view line) {
  if (!conn_ || !conn_->open() || input_ended_) return;
  if (line == "/quit") {
    end_of_input();
    return;
  }
  std::size_t before = conn_->queued_bytes();
  try {
    if (!conn_->send_data(text_bytes(line))) return;
  } catch (const Error& e) {
    out_.diagnostic(e.what());  // this line only; the chat goes on
    ++unsent_lines_;
    return;
  }
  // Remember its size while it may still be queued (for lines_waiting()).
  std::size_t queued = conn_->queued_bytes();
  std::size_t size = queued - std::min(queued, before);
  recent_lines_.push_back(size);
  recent_bytes_ += size;
  while (!recent_lines_.empty() && recent_bytes_ - recent_lines_.front() >= queued) {
    recent_bytes_ -= recent_lines_.front();
    recent_lines_.pop_front();
  }
}

// The room tells a member its name only in notices (docs/protocol.md, "The room"): the
// welcome ("welcome, NAME; ...") and a rename ("OLD is now known as NEW"). Only NOTICE
// frames are read here, which only the room itself sends, so no member can rename us.
void ChatClient::follow_name(std::string_view notice) {
  std::string name;
  constexpr std::string_view kWelcome = "welcome, ";
  constexpr std::string_view kKnownAs = " is now known as ";
  if (auto w = notice.find(kWelcome); name_.empty() && w != std::string_view::npos) {
    auto rest = notice.substr(w + kWelcome.size());
    name = std::string(rest.substr(0, rest.find(';')));
  } else if (auto k = notice.find(kKnownAs); k != std::string_view::npos && !name_.empty() &&
                                              notice.substr(0, k) == name_) {
    name = std::string(notice.substr(k + kKnownAs.size()));
  }
  if (name.empty() || name == name_ || !is_valid_name(name)) return;
  bool first = name_.empty();
  name_ = name;
  if (on_name && !(first && name == opts_.name)) on_name(name_);
}

void ChatClient::end_of_input() {
  if (input_ended_) return;
  input_ended_ = true;
  if (conn_ && conn_->open()) {
    std::size_t before = conn_->queued_bytes();
    conn_->close(CloseCode::normal, interrupted_ ? "interrupted" : "");
    close_bytes_ = conn_->queued_bytes() - std::min(conn_->queued_bytes(), before);
  }
}

void ChatClient::on_event(net::Connection& c, const Event& e) {
  std::string peer = c.session().format() == WireFormat::v1 ? std::string(c.session().peer_name()) : c.peer();
  if (peer.empty()) peer = "server";
  switch (e.kind) {
    case EventKind::established:
      out_.diagnostic("keys confirmed with " + peer + "; type a line to send it");
      ready();
      break;
    case EventKind::message:
      if (e.type == MessageType::notice) {
        out_.notice(as_text(e.payload));
        follow_name(as_text(e.payload));
      }
      else if (e.type == MessageType::chat)
        out_.message(e.sender, as_text(e.payload), {}, e.origin);
      else
        out_.message(peer, as_text(e.payload));
      break;
    case EventKind::integrity_failure:
      out_.integrity_failure(peer, e.seq);
      // A v1 session stops by itself under --strict; a lab-format session has no such mode.
      if (opts_.strict && c.session().format() == WireFormat::legacy) {
        decide(Failure::integrity, "stopping at an integrity failure (strict mode)");
        c.abort(Failure::integrity, "stopping at an integrity failure (strict mode)");
      }
      break;
    case EventKind::replay: out_.replay(peer, e.seq); break;
    case EventKind::gap: out_.gap(peer, e.missing, e.seq); break;
    case EventKind::truncated:
      out_.truncated(peer, e.detail);
      decide(Failure::truncated);
      break;
    case EventKind::closed:
      if (!input_ended_) {
        // A v1 close carries the server's reason; the lab's format has none (its end of stream is all).
        bool reason = !e.detail.empty() && c.session().format() == WireFormat::v1;
        out_.notice("the server closed the connection" + (reason ? ": " + e.detail : std::string()));
      }
      // The exit comes from the server's typed code, never from its text:
      // shutdown or a normal close 0; kicked, idle, refused 1; strict, integrity 3.
      decide(close_failure(e.close_code));
      break;
    case EventKind::protocol_error:
      if (e.failure == Failure::format_mismatch && e.peer_format == WireFormat::v1)
        decide(e.failure, "the server speaks intact v1: drop --legacy");
      else if (e.failure == Failure::format_mismatch && e.peer_format == WireFormat::legacy)
        decide(e.failure, "the server does not speak intact v1 (the lab's format? add --legacy)");
      else
        decide(e.failure, e.detail);
      break;
  }
}

void ChatClient::on_disconnect(net::Connection& c, const net::Disconnect& disconnect) {
  if (!decided_) {
    // We closed and the server did not answer in time: our part is done, if
    // everything we queued (our last lines, our close) was sent.
    // (Not so when the handshake never finished: nothing was ever said.)
    bool ours = input_ended_ && c.queued_bytes() == 0 && c.session().established();
    if (ours) {
      decide(Failure::none);
    } else {
      decide(disconnect.clean() ? Failure::io : disconnect.failure,
             disconnect.detail + (c.session().established() ? "" : " (before the handshake finished)"));
    }
  }
  done();
}

void ChatClient::decide(Failure failure, std::string message) {
  if (decided_) return;
  decided_ = true;
  result_ = failure;
  if (!message.empty() && failure != Failure::none) error_.emplace(failure, message);
}

void ChatClient::done() {
  if (done_) return;
  done_ = true;
  std::error_code ec;
  signals_.cancel(ec);
  if (on_done) on_done();
  io_.stop();
}

}  // namespace intact::chat
