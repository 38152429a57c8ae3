// src/net/connection.hpp: one TCP connection driven by a sans-I/O Session.
//
// A Connection owns a socket and the Session that speaks on it, and runs three
// coroutines on one executor: a reader (socket -> session.feed -> events), a
// writer (session output -> socket) and a watchdog (handshake, idle and linger
// deadlines). Applications see it through a ConnectionObserver and send
// through it; they never touch the socket.
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
#include <memory>
#include <string>
#include <vector>

#include "intact/session.hpp"

namespace intact::net {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

class Connection;

// Called on the connection's executor, never concurrently.
class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  // Every event the session reports, in order (established, messages, failures, closes).
  // A message's payload is valid only during the call.
  virtual void on_event(Connection& connection, const Event& event) = 0;
  // Exactly once, when the connection is gone; `reason` says why, for a log.
  virtual void on_disconnect(Connection& connection, const std::string& reason) = 0;
};

struct ConnectionLimits {
  std::size_t max_queued_bytes = 4u << 20;  // bytes waiting for a peer that does not read
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds idle_timeout{0};  // 0: none
  std::chrono::milliseconds linger{2'000};    // after our close is sent, how long we wait for the peer's
  // Until our close is sent, what we queued before it is still being flushed: that may take
  // long (a slow peer), and is given up only when no byte could be written for this long.
  std::chrono::milliseconds flush_timeout{30'000};
  std::size_t read_buffer = 4 * 1024;  // per connection: a room holds thousands
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::unique_ptr<Session> session, ConnectionObserver& observer,
             ConnectionLimits limits);

  void start();

  Session& session() noexcept { return *session_; }
  const std::string& peer() const noexcept { return peer_; }
  bool open() const noexcept { return open_; }
  std::size_t queued_bytes() const noexcept { return session_->pending_output_size() + in_flight_; }

  // Queue a message. False when the connection is closed, or when the queue
  // passed its bound: the connection is then dropped (observer told why).
  bool send_data(std::span<const std::uint8_t> payload);
  bool send_chat(std::string_view sender, std::string_view text);
  bool send_notice(std::string_view text);

  // Waits until fewer than `bytes` are queued, or the connection is gone:
  // back-pressure for a producer (standard input) that would otherwise fill the
  // queue up to max_queued_bytes and have the connection dropped as "too slow".
  // One waiter at a time.
  asio::awaitable<void> wait_for_room(std::size_t bytes);

  // Authenticated close: queue it, flush, half-close; the socket is closed when
  // the peer has closed too, or the linger time after the half-close (the flush
  // itself is bounded by flush_timeout without progress). If the connection then
  // ends with queued_bytes() > 0, what was queued did not all reach the peer.
  void close(std::string_view reason = {});
  // Drop the connection at once.
  void abort(const std::string& reason);

  // Arbitrary data an application attaches (its per-connection state).
  std::shared_ptr<void> user;

 private:
  asio::awaitable<void> reader();
  asio::awaitable<void> writer();
  asio::awaitable<void> watchdog();
  void drain_events();
  bool after_send();
  void wake_writer();
  void finish(const std::string& reason);
  void fail(const std::string& reason);

  tcp::socket socket_;
  std::unique_ptr<Session> session_;
  ConnectionObserver& observer_;
  ConnectionLimits limits_;
  std::string peer_;
  asio::steady_timer writer_wake_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer room_wake_;  // wait_for_room's waiter, woken as bytes are written
  std::vector<std::uint8_t> read_buf_;
  std::size_t in_flight_ = 0;
  bool open_ = true;
  bool closing_ = false;        // our close is queued
  bool write_shut_ = false;     // FIN sent
  bool peer_done_ = false;      // peer's close or EOF seen
  bool established_seen_ = false;
  bool failing_ = false;        // a fatal event: flush what is queued, then close
  std::string fail_reason_;
  Clock::time_point started_;
  Clock::time_point last_activity_;
  Clock::time_point closing_since_;
  Clock::time_point last_write_;  // the last time the socket took some of our bytes
};

}  // namespace intact::net
