// src/net/connection.hpp: one TCP connection driven by a sans-I/O Session.
//
// A Connection owns a socket and the Session that speaks on it, drives the
// session through the one driver (driver::SessionDriver), and runs three
// coroutines on one executor: a reader (socket -> driver -> events), a writer
// (driver output -> socket) and a watchdog (waits for the driver's deadline).
// Applications see it through a ConnectionObserver and send through it; they
// never touch the socket.
//
// Everything is bounded: the bytes queued for a peer that does not read are
// capped (the connection is dropped, nobody else waits), the read buffer is
// fixed, and the Session checks frame lengths before buffering. Bad input ends
// this connection only, with the reason given to the observer.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "driver/session_driver.hpp"
#include "intact/session.hpp"

namespace intact::net {

using asio::ip::tcp;
using Clock = driver::Clock;
using driver::Disconnect;

class Connection;

// Called on the connection's executor, never concurrently.
class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  // Every event the session reports, in order (established, messages, failures, closes).
  // A message's payload is valid only during the call.
  virtual void on_event(Connection& connection, const Event& event) = 0;
  // Exactly once, when the connection is gone: decide on disconnect.failure
  // (none for a clean, authenticated close), show disconnect.detail.
  virtual void on_disconnect(Connection& connection, const Disconnect& disconnect) = 0;
  // The peer has been silent for idle_timeout. The default closes; an
  // application that tells the peer why first (a room's notice) overrides it.
  virtual void on_idle(Connection& connection);
};

// The driver's limits (handshake, idle, flush, linger, queued bytes) and the socket's read size.
struct ConnectionLimits : driver::Limits {
  std::size_t read_buffer = 4 * 1024;  // per connection: a room holds thousands
  // For a peer whose reader takes one message per read (the lab's programs: one recv(1024)
  // per message, then a 0.2 s sleep): each message goes in a write of its own, at least this
  // long after the previous one ended; what waits meanwhile counts against max_queued_bytes.
  // 0: every queued byte goes as soon as the socket takes it.
  std::chrono::milliseconds pace{0};
};

// The Asio transport for a SessionDriver: every decision (deadlines, answering
// a close, flushing before a fatal end, the queue bound) is the driver's; the
// three coroutines only move bytes and wait.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::unique_ptr<Session> session, ConnectionObserver& observer,
             ConnectionLimits limits);

  void start();

  Session& session() noexcept { return *session_; }
  const std::string& peer() const noexcept { return peer_; }
  bool open() const noexcept { return open_; }
  std::size_t queued_bytes() const noexcept { return driver_.queued_bytes(); }

  // Queue a message. False when the connection is closed, or when the queue
  // passed its bound: the connection is then dropped (observer told why).
  bool send_data(std::span<const std::uint8_t> payload);
  bool send_chat(std::string_view sender, std::string_view text, ChatOrigin origin = ChatOrigin::v1);
  bool send_notice(std::string_view text);

  // Waits until fewer than `bytes` are queued, or the connection is gone:
  // back-pressure for a producer (standard input) that would otherwise fill the
  // queue up to max_queued_bytes and have the connection dropped as "too slow".
  // One waiter at a time.
  asio::awaitable<void> wait_for_room(std::size_t bytes);

  // Authenticated close with its typed code: queue it, flush, half-close; the socket is closed when
  // the peer has closed too, or the linger time after the half-close (the flush
  // itself is bounded by flush_timeout without progress). If the connection then
  // ends with queued_bytes() > 0, what was queued did not all reach the peer.
  void close(CloseCode code = CloseCode::normal, std::string_view reason = {});
  // Drop the connection at once.
  void abort(Failure failure, std::string detail);

  // Arbitrary data an application attaches (its per-connection state).
  std::shared_ptr<void> user;

 private:
  asio::awaitable<void> reader();
  asio::awaitable<void> writer();
  asio::awaitable<void> watchdog();
  void drain_events();
  bool sent(bool queued);
  void settle();
  void finish();
  void mark_message();
  std::size_t next_piece(std::uint64_t at, std::size_t left);

  tcp::socket socket_;
  std::unique_ptr<Session> session_;
  driver::SessionDriver driver_;
  ConnectionObserver& observer_;
  std::size_t read_size_;
  std::string peer_;
  asio::steady_timer writer_wake_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer room_wake_;  // wait_for_room's waiter, woken as bytes are written
  // Pacing (limits.pace): where each message ends, counted in bytes since the start of the
  // output; the writer writes up to the next end, then waits until paced_at_.
  std::chrono::milliseconds pace_;
  asio::steady_timer pace_timer_;
  std::deque<std::uint64_t> message_ends_;
  std::uint64_t taken_ = 0;  // output bytes handed to the writer so far
  Clock::time_point paced_at_ = Clock::time_point::min();
  Clock::time_point watchdog_at_ = Clock::time_point::max();
  std::vector<std::uint8_t> read_buf_;
  bool open_ = true;
};

}  // namespace intact::net
