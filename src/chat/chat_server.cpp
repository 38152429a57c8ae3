#include "chat/chat_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <unistd.h>

#include <algorithm>

#include "chat/chat_format.hpp"
#include "chat/names.hpp"
#include "chat/room_command.hpp"
#include "driver/token_bucket.hpp"
#include "intact/crypto.hpp"
#include "intact/failure.hpp"
#include "intact/legacy.hpp"
#include "intact/text.hpp"
#include "intact/v1_session.hpp"
#include "net/endpoint.hpp"
#include "net/line_reader.hpp"

namespace intact::chat {

namespace {
constexpr std::string_view kHelp =
    "commands: /who (list users), /msg NAME TEXT (private message), /nick NAME (change your "
    "name), /quit (leave), /help";
constexpr std::string_view kConsoleHelp =
    "commands: /who, /msg NAME TEXT, /kick NAME, /quit (shut the server down), /help; any other "
    "line goes to everyone";

std::string_view format_name(WireFormat f) { return f == WireFormat::v1 ? "v1" : "legacy"; }
}  // namespace

// A connected user. Lives as long as its Connection (held in Connection::user).
class ChatServer::Member final : public Participant {
 public:
  Member(net::Connection& c, WireFormat wire) : conn(c), format(wire) {}
  const std::string& name() const override { return name_; }
  bool speaks_lab_format() const override { return format == WireFormat::legacy; }
  void set_name(std::string n) { name_ = std::move(n); }

  void deliver_message(const Participant& from, std::string_view text, bool is_private) override {
    std::string body = is_private ? "(private) " + std::string(text) : std::string(text);
    // The relayed frame carries more than the text (the author's name, "(private) ", the lab
    // format's "name: "), and a lab-format member has a smaller maximum: a text that fitted
    // its sender's frame may not fit this member's. Sealing it anyway would throw; say so instead.
    std::size_t framing = 0;
    if (!from.is_host()) {
      framing = format == WireFormat::v1 ? 1 + std::min(from.name().size(), v1::kMaxNameSize)
                                         : lab_chat_framing(from.name());
    }
    std::size_t limit = conn.session().max_payload();
    if (body.size() + framing > limit) {
      deliver_notice("a message from " + from.name() + " (" + std::to_string(text.size()) +
                     " bytes) is too long to relay to you: at most " +
                     std::to_string(limit - std::min(limit, framing + body.size() - text.size())) +
                     " bytes fit in your connection's frames");
      return;
    }
    // What the server itself says is the peer's own data; a relayed line names its author.
    try {
      if (from.is_host())
        conn.send_data(text_bytes(body));
      else if (format == WireFormat::v1)  // a lab-format author's line is flagged as such
        conn.send_chat(from.name(), body, from.speaks_lab_format() ? ChatOrigin::lab_format : ChatOrigin::v1);
      else
        conn.send_data(text_bytes(lab_chat_line(from.name(), body)));
    } catch (const Error& e) {
      // This member's format cannot carry the text (the lab's format and a '|'
      // followed by 64 hex digits): tell this member, and only this member.
      deliver_notice("a message from " + from.name() + " could not be relayed to you: " + e.what());
    }
  }
  void deliver_notice(std::string_view text) override {
    // Notices may quote what a peer sent ("unknown command /..."): keep them within a frame.
    std::size_t framing = format == WireFormat::v1 ? 0 : kLabNoticePrefix.size();
    std::size_t limit = conn.session().max_payload() - framing;
    if (text.size() > limit) {
      std::string cut(text.substr(0, limit - 3));
      cut += "...";
      send_notice(cut);
      return;
    }
    send_notice(text);
  }
  // A NOTICE frame, or in the lab's format the line "*** text" (chat/chat_format.hpp).
  void send_notice(std::string_view text) {
    if (format == WireFormat::v1)
      conn.send_notice(text);
    else
      conn.send_data(text_bytes(lab_notice_line(text)));
  }

  net::Connection& conn;
  WireFormat format;
  bool joined = false;
  std::string closed_for;  // why the server closed it ("idle timeout"); empty: the client did
  std::optional<driver::TokenBucket> rate;  // --max-rate, from its join
  std::uint64_t refused_lines = 0;          // over the rate since it last got a line through
  void close(CloseCode code, const std::string& reason) {
    closed_for = reason;
    conn.close(code, reason);
  }

 private:
  std::string name_;
};

// The server's own console: a member of the room that prints what it hears.
class ChatServer::Console final : public Participant {
 public:
  Console(std::string name, ChatOutput& out) : name_(std::move(name)), out_(out) {}
  const std::string& name() const override { return name_; }
  bool is_host() const override { return true; }
  void deliver_message(const Participant& from, std::string_view text, bool is_private) override {
    out_.message(from.name(), text, is_private ? std::string_view(name_) : std::string_view(),
                 from.speaks_lab_format() ? ChatOrigin::lab_format : ChatOrigin::v1);
  }
  void deliver_notice(std::string_view text) override { out_.notice(text); }

 private:
  std::string name_;
  ChatOutput& out_;
};

ChatServer::ChatServer(asio::io_context& io, const Key& key, ServerOptions options, ChatOutput& out)
    : io_(io),
      key_(key),
      opts_(std::move(options)),
      out_(out),
      console_(std::make_unique<Console>(opts_.name, out)),
      handshakes_(opts_.max_per_address),
      signals_(io, SIGINT, SIGTERM) {
  room_.join(*console_);
}

ChatServer::~ChatServer() = default;

void ChatServer::start() {
  auto open = [&](std::uint16_t port, WireFormat format) {
    auto acceptor = std::make_unique<net::tcp::acceptor>(net::listen(io_.get_executor(), opts_.bind, port));
    out_.listening(net::describe(acceptor->local_endpoint()), acceptor->local_endpoint().port(), format_name(format));
    asio::co_spawn(io_, accept_loop(*acceptor, format), asio::detached);
    acceptors_.push_back(std::move(acceptor));
  };
  open(opts_.port, opts_.legacy ? WireFormat::legacy : WireFormat::v1);
  if (opts_.legacy_port) open(*opts_.legacy_port, WireFormat::legacy);

  signals_.async_wait([this](std::error_code ec, int) {
    if (!ec) shutdown("server shutting down");
  });
  if (opts_.read_console) asio::co_spawn(io_, console_loop(), asio::detached);
}

asio::awaitable<void> ChatServer::accept_loop(net::tcp::acceptor& acceptor, WireFormat format) {
  for (;;) {
    std::error_code ec;
    net::tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (shutting_down_ || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or similar: say so, wait a little, keep serving.
      out_.diagnostic("accept failed: " + ec.message());
      asio::steady_timer t(io_, std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    admit(std::move(socket), format);
  }
}

void ChatServer::admit(net::tcp::socket socket, WireFormat format) {
  std::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  std::string addr = net::describe(remote);
  if (!opts_.filter.permits(remote.address())) {
    out_.refused(addr, "refused: address not allowed (--allow/--deny)");
    return;
  }
  if (format == WireFormat::v1 && !handshakes_.may_start(remote.address())) {
    out_.refused(addr, "refused: " + std::to_string(handshakes_.per_address()) +
                           " handshakes are in progress from this address (--max-per-address)");
    return;
  }
  if (connections_.size() - departing_ >= opts_.max_clients) {
    // Full: a handshake in progress gives way before anyone is refused (members never do), the
    // oldest first; a real one takes a round trip, a flood's connections wait for their deadline.
    auto oldest = handshakes_.oldest();
    auto victim = oldest ? connections_.find(static_cast<net::Connection*>(const_cast<void*>(*oldest)))
                         : connections_.end();
    if (victim == connections_.end()) {
      out_.refused(addr, "refused: the server is full (--max-clients " +
                             std::to_string(opts_.max_clients) + ")");
      return;
    }
    victim->second->abort(Failure::refused, "dropped: the server is full (--max-clients " +
                                                std::to_string(opts_.max_clients) +
                                                ") and this was its oldest handshake in progress");
  }
  std::unique_ptr<Session> session;
  if (format == WireFormat::v1) {
    V1Session::Options v1opts;
    v1opts.role = v1::Role::server;
    v1opts.name = opts_.name;
    v1opts.strict = opts_.strict;
    session = std::make_unique<V1Session>(key_, v1opts);
  } else {
    session = std::make_unique<LegacySession>(key_);
  }
  net::ConnectionLimits limits = opts_.limits;
  if (format == WireFormat::legacy) limits.pace = opts_.lab_pace;  // one message per read
  auto conn = std::make_shared<net::Connection>(std::move(socket), std::move(session), *this, limits);
  auto member = std::make_shared<Member>(*conn, format);
  conn->user = member;
  connections_.emplace(conn.get(), conn);
  if (format == WireFormat::v1) handshakes_.start(conn.get(), remote.address());
  conn->start();
  if (format == WireFormat::legacy && conn->open()) {
    member->set_name(room_.unique_name(addr));
    join(*member);
  }
}

ChatServer::Member* ChatServer::member_of(net::Connection& c) {
  return static_cast<Member*>(c.user.get());
}

// "a, b, c" or, past `max` names, "a, b, ... and N more".
std::string ChatServer::name_list(std::size_t max) const {
  auto names = room_.names();
  std::string list;
  for (std::size_t i = 0; i < names.size() && i < max; ++i) list += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > max) list += " and " + std::to_string(names.size() - max) + " more";
  return list;
}

void ChatServer::join(Member& m) {
  m.joined = true;
  handshakes_.finish(&m.conn);
  if (opts_.max_rate > 0) m.rate.emplace(opts_.max_rate, opts_.max_burst, net::Clock::now());
  room_.join(m);
  out_.connected(m.name(), m.conn.peer(), format_name(m.format));
  // In a large room, telling everyone of every arrival costs members x arrivals
  // frames: past kAnnounceLimit members only the console shows joins and leaves.
  if (room_.size() <= kAnnounceLimit) room_.announce(m.name() + " joined", &m, false);
}

void ChatServer::on_event(net::Connection& c, const Event& e) {
  Member* m = member_of(c);
  if (m == nullptr) return;
  switch (e.kind) {
    case EventKind::established: {
      std::string wanted(c.session().peer_name());
      if (!is_valid_name(wanted)) wanted = "guest";
      std::string name = room_.unique_name(wanted);
      m->set_name(name);
      join(*m);
      std::string welcome = "welcome, " + name + "; " + std::to_string(room_.size()) +
                            " here: " + name_list(kWelcomeNames) + ". /help lists commands";
      if (name != std::string(c.session().peer_name()))
        welcome = "the name '" + printable(c.session().peer_name()) + "' is taken or not allowed; you are " + name + ". " + welcome;
      m->send_notice(welcome);
      break;
    }
    case EventKind::message: {
      if (!m->joined || !within_rate(*m)) return;
      std::string_view text = as_text(e.payload);
      handle_text(*m, text);
      break;
    }
    case EventKind::integrity_failure:
      out_.integrity_failure(m->joined ? m->name() : c.peer(), e.seq, true);
      if (m->format == WireFormat::v1)
        c.send_notice("your message (frame " + std::to_string(e.seq) +
                      ") failed verification on the server and was not delivered");
      // A v1 session stops by itself under --strict; a lab-format session has no such mode.
      if (opts_.strict && m->format == WireFormat::legacy)
        c.abort(Failure::integrity, "stopping at an integrity failure (strict mode)");
      break;
    case EventKind::replay: out_.replay(m->name(), e.seq); break;
    case EventKind::gap: out_.gap(m->name(), e.missing, e.seq); break;
    case EventKind::truncated: out_.truncated(m->joined ? m->name() : c.peer(), e.detail); break;
    case EventKind::closed:
    case EventKind::protocol_error:
      break;  // reported once, by on_disconnect
  }
}

void ChatServer::on_idle(net::Connection& c) {
  if (Member* m = member_of(c); m != nullptr && m->joined) m->send_notice("idle for too long; disconnecting");
  if (Member* m = member_of(c)) m->closed_for = "idle timeout";
  c.close(CloseCode::idle, "idle timeout");
}

void ChatServer::on_disconnect(net::Connection& c, const net::Disconnect& disconnect) {
  Member* m = member_of(c);
  handshakes_.finish(&c);
  ++departing_;
  if (m != nullptr && m->refused_lines > 0) end_of_refusals(*m);
  if (m != nullptr && m->joined) {
    // A cut stream was reported by its truncated event: the leave line only says so.
    bool cut = disconnect.failure == Failure::truncated;
    // A clean end says why: the server's reason when it closed, else the client closed.
    std::string reason = cut                 ? std::string("stream cut")
                         : !disconnect.clean() ? disconnect.detail
                         : m->closed_for.empty() ? std::string("the client closed")
                                                 : m->closed_for;
    out_.disconnected(m->name(), reason);
    if (!disconnect.clean() && !cut) {
      out_.diagnostic(m->name() + " (" + c.peer() + "): " + disconnect.detail);
    }
  } else {
    out_.refused(c.peer(), disconnect.detail);
  }
  // Leave the room after the current delivery loop is over, never during it.
  auto keep = c.shared_from_this();
  asio::post(io_, [this, keep] {
    Member* mm = member_of(*keep);
    if (mm != nullptr && mm->joined) {
      room_.leave(*mm);
      if (room_.size() < kAnnounceLimit) room_.announce(mm->name() + " left", nullptr, false);
      mm->joined = false;
    }
    connections_.erase(keep.get());
    --departing_;
  });
}

// --max-rate: a member's line (or command) goes through only while its bucket has a token.
// Past it the member is told once, and the console once more when it is under the rate again.
bool ChatServer::within_rate(Member& m) {
  if (!m.rate || m.rate->take(net::Clock::now())) {
    if (m.refused_lines > 0) end_of_refusals(m);
    return true;
  }
  if (m.refused_lines++ == 0) {
    m.deliver_notice("you are sending more than " + std::to_string(opts_.max_rate) + " lines a second (bursts of " +
                     std::to_string(opts_.max_burst) + "): your lines are not relayed until you slow down");
  }
  return false;
}

void ChatServer::end_of_refusals(Member& m) {
  out_.rate_limited(m.name(), m.refused_lines);
  if (m.conn.open())
    m.deliver_notice(std::to_string(m.refused_lines) + (m.refused_lines == 1 ? " line" : " lines") +
                     " of yours went to nobody: over the room's rate of " + std::to_string(opts_.max_rate) +
                     " lines a second");
  m.refused_lines = 0;
}

void ChatServer::handle_text(Member& m, std::string_view text) {
  // What would reach others (a line for the room, a /msg) is relayed once per RepeatWindow
  // from a lab-format member: its format cannot tell a replay from the same line typed again.
  bool for_others = text.empty() || text[0] != '/' || text.starts_with("/msg ");
  if (for_others && room_.check_line(m, text, RepeatWindow::Clock::now()) == RepeatWindow::Verdict::repeat) {
    out_.repeated_line(m.name());
    if (room_.size() <= kAnnounceLimit) room_.announce(repeat_notice(m.name()), &m, false);
    m.deliver_notice(repeat_notice_to_sender());
    return;
  }
  if (!text.empty() && text[0] == '/') {
    handle_command(m, text);
    return;
  }
  room_.broadcast(m, text);
}

void ChatServer::console_line(std::string_view line) {
  if (line.empty()) return;
  if (line[0] == '/') {
    handle_command(*console_, line);
    return;
  }
  room_.broadcast(*console_, line);
}

void ChatServer::reply(Participant& who, std::string_view text) { who.deliver_notice(text); }

void ChatServer::handle_command(Participant& who, std::string_view line) {
  bool host = who.is_host();
  const RoomCommand c = parse_room_command(line, host ? CommandRole::host : CommandRole::member);

  switch (c.kind) {
    case RoomCommandKind::help:
      reply(who, host ? kConsoleHelp : kHelp);
      break;
    case RoomCommandKind::who:
      reply(who, std::to_string(room_.size()) + " here: " + name_list(room_.size()));
      break;
    case RoomCommandKind::msg: {
      Participant* target = c.problem != RoomCommandProblem::none ? nullptr : room_.find(c.name);
      if (c.problem == RoomCommandProblem::msg_usage) {
        reply(who, "usage: /msg NAME TEXT");
      } else if (target == nullptr) {
        reply(who, "no user named '" + c.name + "' here (/who lists them)");
      } else {
        target->deliver_message(who, c.text, true);
        reply(who, "private message sent to " + target->name());
      }
      break;
    }
    case RoomCommandKind::nick: {
      auto& m = static_cast<Member&>(who);
      if (c.problem == RoomCommandProblem::invalid_name) {
        reply(who, "a name is " + valid_name_rule());
      } else if (room_.find(c.name) != nullptr) {
        reply(who, "the name '" + c.name + "' is taken");
      } else {
        std::string old = m.name();
        m.set_name(c.name);
        room_.rename(m, old);
        room_.announce(old + " is now known as " + c.name, nullptr);
      }
      break;
    }
    case RoomCommandKind::kick: {
      Participant* target = room_.find(c.name);
      if (target == nullptr || target->is_host()) {
        reply(who, "no user named '" + c.name + "' here");
      } else {
        auto& m = static_cast<Member&>(*target);
        m.send_notice("you were disconnected by the server (/kick)");
        m.close(CloseCode::kicked, "kicked by the server");
      }
      break;
    }
    case RoomCommandKind::quit:
      if (host) {
        shutdown("server shutting down");
      } else {
        static_cast<Member&>(who).close(CloseCode::normal, "quit");
      }
      break;
    case RoomCommandKind::unknown:
      reply(who, "unknown command " + c.word + "; /help lists the commands");
      break;
  }
}

asio::awaitable<void> ChatServer::console_loop() {
  net::LineReader reader(io_.get_executor(), STDIN_FILENO, v1::kMaxPayload);
  while (!shutting_down_) {
    auto line = co_await reader.next();
    if (!line) co_return;  // end of input: keep serving (a service has no console)
    if (line->too_long) {
      out_.diagnostic("a line of " + std::to_string(line->length) + " bytes is over the maximum message size (" +
                      std::to_string(v1::kMaxPayload) + "); not sent");
      continue;
    }
    console_line(line->text);
  }
}

void ChatServer::shutdown(const std::string& reason) {
  if (shutting_down_) return;
  shutting_down_ = true;
  for (auto& a : acceptors_) {
    std::error_code ec;
    a->close(ec);
  }
  signals_.cancel();
  for (auto& [ptr, conn] : connections_) {
    if (Member* m = member_of(*conn)) m->closed_for = reason;
    conn->close(CloseCode::shutdown, reason);
  }
  asio::co_spawn(io_, drain_and_stop(), asio::detached);
}

asio::awaitable<void> ChatServer::drain_and_stop() {
  // Each connection waits at most its linger time for the peer's close.
  asio::steady_timer t(io_);
  auto deadline = net::Clock::now() + opts_.limits.linger + std::chrono::milliseconds(500);
  while (!connections_.empty() && net::Clock::now() < deadline) {
    t.expires_after(std::chrono::milliseconds(20));
    std::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  io_.stop();
}

}  // namespace intact::chat
