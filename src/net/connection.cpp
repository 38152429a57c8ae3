#include "net/connection.hpp"

#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

#include "intact/failure.hpp"
#include "net/endpoint.hpp"

namespace intact::net {

void ConnectionObserver::on_idle(Connection& connection) { connection.close(CloseCode::idle, "idle timeout"); }

Connection::Connection(tcp::socket socket, std::unique_ptr<Session> session,
                       ConnectionObserver& observer, ConnectionLimits limits)
    : socket_(std::move(socket)),
      session_(std::move(session)),
      driver_(*session_, limits, Clock::now()),
      observer_(observer),
      read_size_(limits.read_buffer),
      writer_wake_(socket_.get_executor()),
      watchdog_timer_(socket_.get_executor()),
      room_wake_(socket_.get_executor()),
      pace_(limits.pace),
      pace_timer_(socket_.get_executor()) {
  std::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("(unknown peer)") : describe(ep);
  socket_.set_option(tcp::no_delay(true), ec);
  writer_wake_.expires_at(Clock::time_point::max());
}

void Connection::start() {
  auto self = shared_from_this();
  auto ex = socket_.get_executor();
  read_buf_.resize(read_size_);
  // An exception escaping a coroutine (from the observer, or a send the
  // session refuses) would otherwise end it silently (Asio's `detached` drops
  // it), leaving a connection nobody reads: end this connection instead, with
  // the reason, and nobody else's.
  auto on_exit = [self](std::exception_ptr ep) {
    if (!ep) return;
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      self->abort(Failure::internal, std::string("internal error: ") + e.what());
    } catch (...) {
      self->abort(Failure::internal, "internal error");
    }
  };
  asio::co_spawn(ex, [self] { return self->reader(); }, on_exit);
  asio::co_spawn(ex, [self] { return self->writer(); }, on_exit);
  asio::co_spawn(ex, [self] { return self->watchdog(); }, on_exit);
  // A legacy session is established at once; a v1 client has its hello queued.
  drain_events();
}

// After anything that changed the driver: tear down once it ended, else let the
// writer look at the output and the watchdog at the (maybe earlier) deadline.
void Connection::settle() {
  if (!open_) return;
  if (driver_.ended()) {
    finish();
    return;
  }
  writer_wake_.cancel();
  if (driver_.deadline() < watchdog_at_) watchdog_timer_.cancel();
}

void Connection::drain_events() {
  while (open_) {
    auto e = driver_.poll();
    if (!e) break;
    observer_.on_event(*this, *e);
  }
  settle();
}

asio::awaitable<void> Connection::reader() {
  auto self = shared_from_this();
  while (open_ && driver_.wants_input()) {
    std::error_code ec;
    std::size_t n = co_await socket_.async_read_some(
        asio::buffer(read_buf_), asio::redirect_error(asio::use_awaitable, ec));
    if (!open_) co_return;
    if (ec) {
      driver_.received_end(Clock::now(), ec == asio::error::eof ? std::string() : ec.message());
    } else {
      driver_.received({read_buf_.data(), n}, Clock::now());
    }
    drain_events();
  }
}

asio::awaitable<void> Connection::writer() {
  auto self = shared_from_this();
  std::vector<std::uint8_t> buf;
  while (open_) {
    if (!driver_.has_output()) {
      if (driver_.wants_write_shutdown()) {
        std::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        driver_.write_shut_down(Clock::now());
        settle();  // the linger starts now, or the peer had closed already: done
        continue;
      }
      std::error_code ec;
      co_await writer_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    driver_.take_output(buf);
    std::uint64_t first = taken_;
    taken_ += buf.size();
    // Piece by piece, so the driver sees a slow peer making progress.
    std::size_t done = 0;
    while (done < buf.size()) {
      if (pace_.count() > 0 && Clock::now() < paced_at_) {
        std::error_code ec;
        pace_timer_.expires_at(paced_at_);
        co_await pace_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!open_) co_return;
      }
      std::size_t end = next_piece(first + done, buf.size() - done) + done;  // unpaced: all of it
      while (done < end) {
        std::error_code ec;
        std::size_t n = co_await socket_.async_write_some(
            asio::buffer(buf.data() + done, end - done), asio::redirect_error(asio::use_awaitable, ec));
        if (!open_) co_return;
        if (ec) {
          abort(Failure::io, "connection lost while sending: " + ec.message());
          co_return;
        }
        done += n;
        driver_.wrote(n, Clock::now());
        room_wake_.cancel();
      }
      if (pace_.count() > 0) paced_at_ = Clock::now() + pace_;
    }
    settle();  // a failure waiting for its flush ends now
  }
}

asio::awaitable<void> Connection::watchdog() {
  auto self = shared_from_this();
  while (open_) {
    auto now = Clock::now();
    driver_.on_timer(now);
    if (open_ && !driver_.ended() && driver_.idle_due(now)) observer_.on_idle(*this);
    settle();
    if (!open_) co_return;
    watchdog_at_ = driver_.deadline();
    watchdog_timer_.expires_at(watchdog_at_);
    std::error_code ec;
    co_await watchdog_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> Connection::wait_for_room(std::size_t bytes) {
  auto self = shared_from_this();
  while (open_ && queued_bytes() >= bytes) {
    room_wake_.expires_at(Clock::time_point::max());
    std::error_code ec;
    co_await room_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Paced: the message just queued ends where the session's output now ends.
void Connection::mark_message() {
  if (pace_.count() > 0) message_ends_.push_back(taken_ + session_->pending_output_size());
}

// How many of the `left` bytes from output offset `at` the writer writes at once:
// up to the next message's end when paced, else all.
std::size_t Connection::next_piece(std::uint64_t at, std::size_t left) {
  while (!message_ends_.empty() && message_ends_.front() <= at) message_ends_.pop_front();
  if (pace_.count() == 0 || message_ends_.empty()) return left;
  return static_cast<std::size_t>(std::min<std::uint64_t>(message_ends_.front() - at, left));
}

bool Connection::sent(bool queued) {
  if (queued) mark_message();
  settle();
  return queued && open_;
}

bool Connection::send_data(std::span<const std::uint8_t> payload) {
  return open_ && sent(driver_.send_data(payload));
}

bool Connection::send_chat(std::string_view sender, std::string_view text, ChatOrigin origin) {
  return open_ && sent(driver_.send_chat(sender, text, origin));
}

bool Connection::send_notice(std::string_view text) {
  return open_ && sent(driver_.send_notice(text));
}

void Connection::close(CloseCode code, std::string_view reason) {
  if (!open_) return;
  driver_.close(code, reason, Clock::now());
  settle();
}

void Connection::abort(Failure failure, std::string detail) {
  if (!open_) return;
  driver_.abort(failure, std::move(detail));
  settle();
}

void Connection::finish() {
  if (!open_) return;
  open_ = false;
  std::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  writer_wake_.cancel();
  watchdog_timer_.cancel();
  room_wake_.cancel();
  pace_timer_.cancel();
  observer_.on_disconnect(*this, driver_.disconnect());
}

}  // namespace intact::net
