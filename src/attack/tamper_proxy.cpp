#include "attack/tamper_proxy.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "intact/failure.hpp"
#include "net/endpoint.hpp"

namespace intact::attack {

namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kMaxConnections = 256;

// The sockets, the engine and the wake-ups shared by one connection's four coroutines.
struct Pump {
  Pump(tcp::socket client, tcp::socket server, TamperEngine::Options engine_options,
       const std::function<void(const LogEntry&)>& log)
      : sockets{std::move(client), std::move(server)},
        engine(std::move(engine_options)),
        wake_writer{asio::steady_timer(sockets[0].get_executor()),
                    asio::steady_timer(sockets[0].get_executor())},
        wake_readers(sockets[0].get_executor()),
        on_log(log) {}

  // Direction d is read from its sender's socket and written to its receiver's.
  static std::size_t index(Direction d) { return d == Direction::client_to_server ? 0 : 1; }
  tcp::socket& source(Direction d) { return sockets[d == Direction::client_to_server ? 0 : 1]; }
  tcp::socket& sink(Direction d) { return sockets[d == Direction::client_to_server ? 1 : 0]; }

  void flush_log() {
    for (const auto& e : engine.take_log())
      if (on_log) on_log(e);
  }
  void wake_all() {
    wake_writer[0].cancel();
    wake_writer[1].cancel();
    wake_readers.cancel();
  }
  void close_both() {
    if (closed) return;
    closed = true;
    std::error_code ignored;
    for (auto& s : sockets) {
      s.shutdown(tcp::socket::shutdown_both, ignored);
      s.close(ignored);
    }
    wake_all();
  }

  tcp::socket sockets[2];  // [0] the client's side, [1] the server's side
  TamperEngine engine;
  asio::steady_timer wake_writer[2];
  asio::steady_timer wake_readers;
  const std::function<void(const LogEntry&)>& on_log;
  bool writer_done[2] = {false, false};
  bool closed = false;
};

asio::awaitable<void> wait_on(asio::steady_timer& t) {
  t.expires_at(asio::steady_timer::time_point::max());
  co_await t.async_wait(kNoThrow);
}

asio::awaitable<void> read_side(Pump& p, Direction d) {
  std::vector<std::uint8_t> buf(TamperProxy::kReadChunk);
  while (!p.closed && !p.engine.cut()) {
    // Back-pressure: a receiver that does not read stops its sender here. The
    // other direction counts too (with more room), because a reflection writes
    // this sender's messages there.
    while (!p.closed && (p.engine.output_size(d) > TamperProxy::kMaxPendingOutput ||
                         p.engine.output_size(opposite(d)) > 2 * TamperProxy::kMaxPendingOutput))
      co_await wait_on(p.wake_readers);
    if (p.closed) break;
    auto [ec, n] = co_await p.source(d).async_read_some(asio::buffer(buf), kNoThrow);
    if (n > 0) p.engine.feed(d, std::span<const std::uint8_t>(buf.data(), n));
    if (ec && !p.closed) p.engine.feed_eof(d);
    p.flush_log();
    p.wake_all();
    if (ec) break;
  }
}

asio::awaitable<void> write_side(Pump& p, Direction d) {
  std::vector<std::uint8_t> buf;
  while (!p.closed) {
    p.engine.take_output(d, buf);
    if (!buf.empty()) {
      auto [ec, n] = co_await asio::async_write(p.sink(d), asio::buffer(buf), kNoThrow);
      p.wake_readers.cancel();
      if (ec) {
        if (!p.closed && p.on_log)
          p.on_log(LogEntry{0, d, 0, LogAction::error, "cannot write: " + ec.message()});
        p.close_both();  // the receiver is gone: nothing sensible is left to relay
        break;
      }
      continue;
    }
    if (p.engine.cut()) break;  // everything before the cut is delivered
    if (p.engine.ended(d)) {
      std::error_code ignored;
      p.sink(d).shutdown(tcp::socket::shutdown_send, ignored);
      break;
    }
    co_await wait_on(p.wake_writer[Pump::index(d)]);
  }
  // A cut closes both sides once neither writer has anything left to deliver
  // (one of them may have finished long before, when its sender ended).
  p.writer_done[Pump::index(d)] = true;
  if (p.engine.cut() && p.writer_done[0] && p.writer_done[1]) {
    p.close_both();
  } else {
    p.wake_all();
  }
}

}  // namespace

TamperProxy::TamperProxy(tcp::acceptor acceptor, Options options)
    : acceptor_(std::move(acceptor)), opts_(std::move(options)) {}

void TamperProxy::stop() {
  std::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> TamperProxy::run() {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer backoff(ex);
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      // Out of descriptors or similar: try again shortly instead of spinning.
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    std::uint64_t id = ++accepted_;
    if (accepted_ - finished_ > kMaxConnections) {
      if (opts_.on_log)
        opts_.on_log(LogEntry{id, std::nullopt, 0, LogAction::refused,
                              "over " + std::to_string(kMaxConnections) + " connections at once"});
      ++finished_;
      continue;  // the socket closes here
    }
    asio::co_spawn(ex, serve(std::move(socket), id), asio::detached);
  }
}

// g++ 12 at -O2 reports -Wmismatched-new-delete for this coroutine's frame: a
// false positive (the frame is allocated and freed by Asio's own paired
// awaitable_frame_base operators; a known g++ 12 issue with coroutine frames). Silenced for this one
// function only, so the warning still guards the rest of the file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> TamperProxy::serve(tcp::socket client, std::uint64_t id) {
  auto log = [&](LogAction action, std::string detail) {
    if (opts_.on_log)
      opts_.on_log(LogEntry{id, std::nullopt, 0, action, std::move(detail)});
  };
  std::error_code ec;
  auto peer = client.remote_endpoint(ec);
  std::string from = ec ? std::string("?") : net::describe(peer);
  client.set_option(tcp::no_delay(true), ec);
  tcp::socket server(client.get_executor());
  try {
    server = co_await net::connect(opts_.upstream_host, opts_.upstream_port);
  } catch (const Error& e) {
    log(LogAction::error, std::string("client ") + from + ": " + e.what());
    ++finished_;
    co_return;
  }
  log(LogAction::connect, "client " + from + " <-> server " + net::describe(server.remote_endpoint(ec)));

  TamperEngine::Options eo;
  eo.format = opts_.format;
  eo.attacks = opts_.attacks;
  eo.splice_store = &splice_store_;
  eo.replacements = opts_.replacements;
  eo.interactive_retag = opts_.interactive_retag;
  eo.connection = id;
  auto on_log = [this, id](const LogEntry& e) {
    if (!opts_.on_log) return;
    LogEntry copy = e;
    copy.connection = id;
    opts_.on_log(copy);
  };
  std::function<void(const LogEntry&)> sink = on_log;
  Pump p(std::move(client), std::move(server), std::move(eo), sink);
  p.flush_log();
  co_await (read_side(p, Direction::client_to_server) && read_side(p, Direction::server_to_client) &&
            write_side(p, Direction::client_to_server) && write_side(p, Direction::server_to_client));
  bool was_cut = p.engine.cut();
  p.close_both();
  p.engine.finish();
  p.flush_log();
  log(LogAction::disconnect, was_cut ? "cut by the proxy" : "both sides closed");
  ++finished_;
}
#pragma GCC diagnostic pop

}  // namespace intact::attack
