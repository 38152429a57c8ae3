#include "attack/attack_matrix.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <memory>

#include "attack/action_log.hpp"
#include "intact/json.hpp"
#include "attack/tamper_proxy.hpp"
#include "intact/key.hpp"
#include "intact/legacy.hpp"
#include "intact/text.hpp"
#include "intact/v1_session.hpp"
#include "net/connection.hpp"
#include "net/endpoint.hpp"

namespace intact::attack {

namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

// The attacker's own key, for the "retag" row: any key but the real one.
constexpr std::string_view kAttackerKeyHex = "0BADC0DE0BADC0DE0BADC0DE0BADC0DE";

struct AttackRow {
  std::string attack;
  std::string what;
  std::string spec;
  bool legacy_caught;      // what the lab's format is expected to catch
  bool reflected = false;  // the attacked message goes back to the client
  bool two_runs = false;   // needs an earlier connection through the proxy (splice)
  bool control = false;
};

std::vector<AttackRow> attack_rows() {
  return {
      {"no attack", "control: the proxy forwards everything untouched", "", false, false, false,
       true},
      {"modify text", "flip one bit of message 2's text", "flip:c2s:2:field=payload", true},
      {"modify tag", "flip one bit of message 2's tag", "flip:c2s:2:field=tag", true},
      {"replace text", "replace message 2's text, keep its tag", "replace:c2s:2:text=PAY MALLORY",
       true},
      {"replace+retag", "replace message 2's text, tag it under the attacker's key",
       "replace:c2s:2:retag=" + std::string(kAttackerKeyHex) + ":text=PAY MALLORY", true},
      {"inject", "insert a forged message before message 2", "inject:c2s:2:text=FORGED", true},
      {"replay", "send message 1 again after message 2", "replay:c2s:1:after=2", false},
      {"reorder", "deliver message 2 after message 3", "swap:c2s:2", false},
      {"delete", "drop message 2", "drop:c2s:2", false},
      {"duplicate", "deliver message 2 twice", "dup:c2s:2", false},
      {"reflect", "send message 2 back to the client", "reflect:c2s:2", false, true},
      {"splice", "replace message 2 by message 2 of an earlier connection", "splice:c2s:2", false,
       false, true},
      {"truncate", "cut the connection before message 3 (and the sender's close)", "cut:c2s:3",
       false},
  };
}

struct EndpointLog {
  std::vector<std::string> reported;
  std::vector<std::string> delivered;
};

std::string failure_name(const Event& e) {
  switch (e.kind) {
    case EventKind::integrity_failure:
      return "lost integrity";
    case EventKind::replay:
      return "replay";
    case EventKind::gap:
      return "gap (" + std::to_string(e.missing) + " missing)";
    case EventKind::truncated:
      return "truncated";
    case EventKind::protocol_error:
      return "protocol error: " + e.detail;
    default:
      return "";
  }
}

// One side of the conversation: a net::Connection (the one session driver) and
// what its session reported. The client sends `texts` once established, then its
// close; the server only listens, and the driver answers the client's close.
class Endpoint final : public net::ConnectionObserver {
 public:
  Endpoint(asio::any_io_executor ex, std::vector<std::string> texts) : texts_(std::move(texts)), gone_(ex) {
    gone_.expires_at(asio::steady_timer::time_point::max());
  }

  void start(tcp::socket socket, std::unique_ptr<Session> session) {
    conn_ = std::make_shared<net::Connection>(std::move(socket), std::move(session), *this, net::ConnectionLimits{});
    conn_->start();
    speak(*conn_);  // the lab's format has no handshake: established at once
  }
  void on_event(net::Connection& c, const Event& e) override {
    if (e.kind == EventKind::message) {
      log.delivered.push_back(printable(as_text(e.payload)));
    } else if (e.failure != Failure::none) {  // what the session reports as wrong
      log.reported.push_back(failure_name(e));
    }
    speak(c);
  }
  void on_disconnect(net::Connection&, const net::Disconnect&) override {
    disconnected_ = true;
    gone_.cancel();
  }
  asio::awaitable<void> wait() {
    while (!disconnected_) co_await gone_.async_wait(kNoThrow);
    conn_.reset();
  }

  EndpointLog log;

 private:
  void speak(net::Connection& c) {
    if (said_ || texts_.empty() || !c.open() || !c.session().established()) return;
    said_ = true;
    for (const auto& t : texts_) c.send_data(text_bytes(t));
    c.close();
  }

  std::vector<std::string> texts_;
  bool said_ = false;
  bool disconnected_ = false;
  asio::steady_timer gone_;
  std::shared_ptr<net::Connection> conn_;
};

std::unique_ptr<Session> make_session(WireFormat format, const Key& key, bool client) {
  if (format == WireFormat::legacy) return std::make_unique<LegacySession>(key);
  V1Session::Options o;
  o.role = client ? v1::Role::client : v1::Role::server;
  o.name = client ? "client" : "server";
  return std::make_unique<V1Session>(key, std::move(o));
}

struct CellRun {
  const AttackRow& row;
  WireFormat format;
  const Key& key;
  tcp::acceptor& server_acceptor;
  TamperProxy& proxy;
  EndpointLog server_log, client_log;
};

asio::awaitable<void> run_conversations(CellRun& run) {
  auto ex = co_await asio::this_coro::executor;
  const int runs = run.row.two_runs ? 2 : 1;
  const std::uint16_t proxy_port = run.proxy.local_endpoint().port();
  asio::steady_timer pause(ex);
  for (int r = 1; r <= runs; ++r) {
    run.server_log = {};
    run.client_log = {};
    auto server_session = make_session(run.format, run.key, false);
    auto client_session = make_session(run.format, run.key, true);
    // Texts name their connection (A, B): a spliced message shows where it came from.
    std::string label(1, static_cast<char>('A' + r - 1));
    std::vector<std::string> texts = {label + "1", label + "2", label + "3"};
    tcp::socket client_socket = co_await net::connect("127.0.0.1", proxy_port);
    tcp::socket server_socket = co_await run.server_acceptor.async_accept(asio::use_awaitable);
    Endpoint server(ex, {}), client(ex, texts);
    server.start(std::move(server_socket), std::move(server_session));
    client.start(std::move(client_socket), std::move(client_session));
    co_await server.wait();
    co_await client.wait();
    run.server_log = std::move(server.log);
    run.client_log = std::move(client.log);
    // The proxy records a connection for splicing when that connection ends.
    while (run.proxy.finished() < static_cast<std::uint64_t>(r)) {
      pause.expires_after(std::chrono::milliseconds(2));
      co_await pause.async_wait(kNoThrow);
    }
  }
}

MatrixCell run_cell(const AttackRow& row, WireFormat format, const Key& key,
                    const MatrixOptions& options) {
  MatrixCell cell;
  cell.attack = row.attack;
  cell.what = row.what;
  cell.spec = row.spec;
  cell.format = format;
  cell.receiver = row.reflected ? "client" : "server";
  cell.control = row.control;
  cell.expected_caught = format == WireFormat::v1 ? !row.control : row.legacy_caught;

  asio::io_context io;
  auto ex = io.get_executor();
  tcp::acceptor server_acceptor = net::listen(ex, "127.0.0.1", 0);
  TamperProxy::Options po;
  po.upstream_host = "127.0.0.1";
  po.upstream_port = server_acceptor.local_endpoint().port();
  if (!row.spec.empty()) po.attacks.push_back(parse_attack_spec(row.spec));
  TamperProxy proxy(net::listen(ex, "127.0.0.1", 0), po);
  CellRun run{row, format, key, server_acceptor, proxy, {}, {}};
  bool done = false;
  asio::co_spawn(io, proxy.run(), asio::detached);
  asio::co_spawn(io, run_conversations(run), [&](std::exception_ptr e) {
    done = true;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        cell.error = x.what();
      }
    }
    proxy.stop();
    std::error_code ignored;
    server_acceptor.close(ignored);
  });
  io.run_for(options.cell_timeout);
  if (!done) {
    cell.error = "timed out after " + duration_text(options.cell_timeout);
  }
  const EndpointLog& receiver = row.reflected ? run.client_log : run.server_log;
  cell.reported = receiver.reported;
  cell.delivered = receiver.delivered;
  cell.caught = !cell.reported.empty();
  return cell;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string s;
  for (const auto& i : items) {
    if (!s.empty()) s += sep;
    s += i;
  }
  return s;
}

std::string fit(std::string s, std::size_t width) {
  if (s.size() > width) s = s.substr(0, width - 3) + "...";
  s.resize(width, ' ');
  return s;
}

std::string_view format_name(WireFormat f) { return f == WireFormat::v1 ? "v1" : "legacy"; }

}  // namespace

std::vector<MatrixCell> run_attack_matrix(const MatrixOptions& options) {
  // A fresh key for the run: the matrix needs no key from the user, and none is shown.
  Key key = Key::generate();
  std::vector<MatrixCell> cells;
  for (const auto& row : attack_rows()) {
    if (options.legacy) cells.push_back(run_cell(row, WireFormat::legacy, key, options));
    if (options.v1) cells.push_back(run_cell(row, WireFormat::v1, key, options));
  }
  return cells;
}

std::string format_matrix_table(const std::vector<MatrixCell>& cells) {
  std::string out =
      "Each row is one connection through the tamper proxy: the client sends A1 A2 A3\n"
      "(messages 1, 2 and 3 of connection A) and its close; the proxy runs the row's SPEC\n"
      "(intact proxy --attack SPEC does the same). The splice row runs a first connection A,\n"
      "then a second, B, whose messages are B1 B2 B3. ACCEPTED: what the receiver took as\n"
      "genuine, in order. CAUGHT: whether the receiver reported the attack.\n\n";
  out += fit("ATTACK", 15) + fit("FORMAT", 8) + fit("RECEIVER", 9) +
         fit("WHAT THE RECEIVER REPORTED", 36) + fit("ACCEPTED", 18) + fit("CAUGHT", 12) + "SPEC\n";
  std::size_t unexpected = 0;
  for (const auto& c : cells) {
    std::string reported = c.error.empty()
                               ? (c.reported.empty() ? "nothing" : join(c.reported, ", "))
                               : "ERROR: " + c.error;
    std::string caught = c.control ? (c.caught ? "FALSE ALARM" : "-") : (c.caught ? "yes" : "NO");
    std::string spec = c.spec.empty() ? "-" : c.spec;
    if (!c.as_expected()) {
      spec += "  (UNEXPECTED: expected " + std::string(c.expected_caught ? "caught" : "not caught") + ")";
      ++unexpected;
    }
    out += fit(c.attack, 15) + fit(std::string(format_name(c.format)), 8) + fit(c.receiver, 9) +
           fit(reported, 36) + fit(c.delivered.empty() ? "-" : join(c.delivered, " "), 18) +
           fit(caught, 12) + spec + "\n";
  }
  out += "\n";
  if (unexpected == 0) {
    out +=
        "Every cell is as expected: the lab's format catches only modified or forged messages;\n"
        "replay, reorder, deletion, duplication, reflection, splicing and truncation pass "
        "unnoticed.\n"
        "Protocol v1 catches every one.\n";
  } else {
    out += std::to_string(unexpected) +
           " cell(s) differ from the expected outcome (marked UNEXPECTED).\n";
  }
  return out;
}

std::string format_matrix_json(const std::vector<MatrixCell>& cells) {
  auto list = [](const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t k = 0; k < v.size(); ++k) s += (k ? "," : "") + json_quote(v[k]);
    return s + "]";
  };
  std::string out = "{\"v\":" + std::to_string(kJsonSchemaVersion) + ",\"cells\":[";
  bool all = true;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const auto& c = cells[i];
    all = all && c.as_expected();
    if (i) out += ",";
    out += "\n" + JsonLine::nested()
                      .field("attack", c.attack)
                      .field("what", c.what)
                      .field("spec", c.spec)
                      .field("format", format_name(c.format))
                      .field("receiver", c.receiver)
                      .raw("reported", list(c.reported))
                      .raw("delivered", list(c.delivered))
                      .field("caught", c.caught)
                      .field("expected_caught", c.expected_caught)
                      .field("control", c.control)
                      .field("error", c.error)
                      .field("as_expected", c.as_expected())
                      .str();
  }
  out += std::string("\n],\"as_expected\":") + (all ? "true" : "false") + "}\n";
  return out;
}

}  // namespace intact::attack
