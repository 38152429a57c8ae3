#include "net/connection.hpp"

#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <exception>

#include "intact/failure.hpp"
#include "net/endpoint.hpp"

namespace intact::net {

Connection::Connection(tcp::socket socket, std::unique_ptr<Session> session,
                       ConnectionObserver& observer, ConnectionLimits limits)
    : socket_(std::move(socket)),
      session_(std::move(session)),
      observer_(observer),
      limits_(limits),
      writer_wake_(socket_.get_executor()),
      watchdog_timer_(socket_.get_executor()),
      room_wake_(socket_.get_executor()),
      read_buf_(limits.read_buffer) {
  std::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("(unknown peer)") : describe(ep);
  socket_.set_option(tcp::no_delay(true), ec);
  writer_wake_.expires_at(Clock::time_point::max());
  started_ = last_activity_ = last_write_ = Clock::now();
}

void Connection::start() {
  auto self = shared_from_this();
  auto ex = socket_.get_executor();
  // An exception escaping a coroutine (from the observer, or a send the
  // session refuses) would otherwise end it silently (Asio's `detached` drops
  // it), leaving a connection nobody reads: end this connection instead, with
  // the reason, and nobody else's.
  auto on_exit = [self](std::exception_ptr ep) {
    if (!ep) return;
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      self->finish(std::string("internal error: ") + e.what());
    } catch (...) {
      self->finish("internal error");
    }
  };
  asio::co_spawn(ex, [self] { return self->reader(); }, on_exit);
  asio::co_spawn(ex, [self] { return self->writer(); }, on_exit);
  asio::co_spawn(ex, [self] { return self->watchdog(); }, on_exit);
  // A legacy session is established at once; a v1 client has its hello queued.
  drain_events();
  wake_writer();
}

void Connection::wake_writer() { writer_wake_.cancel(); }

void Connection::drain_events() {
  while (open_) {
    auto e = session_->poll();
    if (!e) break;
    if (e->kind == EventKind::established) {
      established_seen_ = true;
      watchdog_timer_.cancel();  // recompute deadlines
    }
    observer_.on_event(*this, *e);
    if (!open_) return;
    switch (e->kind) {
      case EventKind::protocol_error: fail(e->detail); return;
      case EventKind::truncated: fail(e->detail); return;
      case EventKind::closed:
        peer_done_ = true;
        // Answer the peer's close with ours, then the writer half-closes.
        if (!closing_) close();
        if (write_shut_) finish("closed");
        break;
      default: break;
    }
  }
  // A legacy session "establishes" without an event.
  if (!established_seen_ && session_->established()) established_seen_ = true;
}

asio::awaitable<void> Connection::reader() {
  auto self = shared_from_this();
  while (open_ && !failing_) {
    std::error_code ec;
    std::size_t n = co_await socket_.async_read_some(
        asio::buffer(read_buf_), asio::redirect_error(asio::use_awaitable, ec));
    if (!open_ || failing_) co_return;
    last_activity_ = Clock::now();
    if (ec) {
      session_->feed_eof();
      drain_events();
      if (!open_ || failing_) co_return;
      std::string why = ec == asio::error::eof ? std::string("the peer closed the connection")
                                               : "connection lost: " + ec.message();
      if (peer_done_ && closing_) {
        // Our answering close may still be in the writer's hands: it finishes.
        wake_writer();
      } else {
        fail(peer_done_ ? "closed" : why);
      }
      co_return;
    }
    session_->feed({read_buf_.data(), n});
    drain_events();
    wake_writer();
  }
}

asio::awaitable<void> Connection::writer() {
  auto self = shared_from_this();
  std::vector<std::uint8_t> buf;
  while (open_) {
    if (session_->pending_output_size() == 0) {
      if (failing_) {
        finish(fail_reason_);
        co_return;
      }
      if (closing_ && !write_shut_ && !failing_) {
        std::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        write_shut_ = true;
        watchdog_timer_.cancel();  // the linger starts now
        if (peer_done_) {
          finish("closed");
          co_return;
        }
      }
      std::error_code ec;
      co_await writer_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    session_->take_output(buf);
    in_flight_ = buf.size();
    // Piece by piece, so the watchdog sees a slow peer making progress.
    std::size_t done = 0;
    while (done < buf.size()) {
      std::error_code ec;
      std::size_t n = co_await socket_.async_write_some(
          asio::buffer(buf.data() + done, buf.size() - done), asio::redirect_error(asio::use_awaitable, ec));
      if (!open_) co_return;
      if (ec) {
        finish("connection lost while sending: " + ec.message());
        co_return;
      }
      done += n;
      in_flight_ = buf.size() - done;
      last_write_ = Clock::now();
      room_wake_.cancel();
    }
  }
}

asio::awaitable<void> Connection::watchdog() {
  auto self = shared_from_this();
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  while (open_) {
    auto now = Clock::now();
    auto deadline = Clock::time_point::max();
    if (!established_seen_) {
      auto d = started_ + limits_.handshake_timeout;
      if (now >= d) {
        abort("no handshake within " + std::to_string(limits_.handshake_timeout.count()) +
              " ms (a peer that connects and never speaks, or not an intact peer)");
        co_return;
      }
      deadline = std::min(deadline, d);
    }
    if (closing_ && !write_shut_ && !failing_) {
      // Still flushing what was queued before our close: wait while the peer takes it.
      auto d = std::max(closing_since_, last_write_) + limits_.flush_timeout;
      if (now >= d) {
        finish(failing_ ? fail_reason_
                        : "the peer read nothing for " +
                              std::to_string(limits_.flush_timeout.count()) + " ms; " +
                              std::to_string(queued_bytes()) + " bytes were never sent");
        co_return;
      }
      deadline = std::min(deadline, d);
    } else if (closing_) {
      auto d = (failing_ ? closing_since_ : std::max(closing_since_, last_write_)) + limits_.linger;
      if (now >= d) {
        finish(failing_ ? fail_reason_ : "closed (the peer did not answer our close in time)");
        co_return;
      }
      deadline = std::min(deadline, d);
    } else if (limits_.idle_timeout.count() > 0 && established_seen_) {
      auto d = last_activity_ + limits_.idle_timeout;
      if (now >= d) {
        send_notice("idle for too long; disconnecting");
        close("idle timeout");
        continue;
      }
      deadline = std::min(deadline, d);
    }
    watchdog_timer_.expires_at(deadline);
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

bool Connection::after_send() {
  wake_writer();
  if (queued_bytes() > limits_.max_queued_bytes) {
    abort("too slow: " + std::to_string(queued_bytes()) +
          " bytes were waiting for it to read, over the bound of " +
          std::to_string(limits_.max_queued_bytes));
    return false;
  }
  return true;
}

bool Connection::send_data(std::span<const std::uint8_t> payload) {
  if (!open_ || closing_ || !session_->established()) return false;
  session_->send_data(payload);
  return after_send();
}

bool Connection::send_chat(std::string_view sender, std::string_view text) {
  if (!open_ || closing_ || !session_->established()) return false;
  session_->send_chat(sender, text);
  return after_send();
}

bool Connection::send_notice(std::string_view text) {
  if (!open_ || closing_ || !session_->established()) return false;
  session_->send_notice(text);
  return after_send();
}

void Connection::close(std::string_view reason) {
  if (!open_ || closing_) return;
  closing_ = true;
  closing_since_ = Clock::now();
  session_->close(reason);  // a no-op before the handshake and in the lab format
  wake_writer();
  watchdog_timer_.cancel();
}

void Connection::abort(const std::string& reason) { finish(reason); }

void Connection::fail(const std::string& reason) {
  // Stop reading, but let what we already queued (an answering CONFIRM that
  // tells the peer its key is wrong, say) reach the peer first; linger bounds it.
  if (!open_ || failing_) return;
  failing_ = true;
  fail_reason_ = reason;
  if (!closing_) {
    closing_ = true;
    closing_since_ = Clock::now();
  }
  wake_writer();
  watchdog_timer_.cancel();
}

void Connection::finish(const std::string& reason) {
  if (!open_) return;
  open_ = false;
  std::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  writer_wake_.cancel();
  watchdog_timer_.cancel();
  room_wake_.cancel();
  observer_.on_disconnect(*this, reason);
}

}  // namespace intact::net
