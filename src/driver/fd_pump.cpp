#include "driver/fd_pump.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "driver/fd_io.hpp"
#include "intact/failure.hpp"

namespace intact::driver {

namespace {

[[noreturn]] void throw_disconnect(const Disconnect& d) { throw Error(d.failure, d.detail); }

}  // namespace

FdPump::FdPump(int fd, SessionDriver& driver, std::size_t read_size)
    : fd_(fd), driver_(driver), read_buf_(read_size) {}

void FdPump::flush() {
  while (driver_.has_output()) {
    driver_.take_output(write_buf_);
    if (int err = write_all(fd_, write_buf_); err != 0) {
      driver_.abort(Failure::io, std::string("connection lost while sending: ") + std::strerror(err));
      throw_disconnect(driver_.disconnect());
    }
    driver_.wrote(write_buf_.size(), Clock::now());
  }
  if (driver_.wants_write_shutdown()) {
    // Our close is written: half-close, as the Asio transport does; the peer may still send.
    ::shutdown(fd_, SHUT_WR);
    driver_.write_shut_down(Clock::now());
  }
}

void FdPump::wait_readable() {
  for (;;) {
    auto now = Clock::now();
    driver_.on_timer(now);
    if (driver_.idle_due(now)) {
      driver_.close(CloseCode::idle, "idle timeout", now);
      flush();
    }
    if (driver_.ended()) return;
    auto deadline = driver_.deadline();
    int wait_ms = -1;
    if (deadline != TimePoint::max()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
      wait_ms = static_cast<int>(std::clamp<long long>(left, 0, 60'000));
    }
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, wait_ms);
    if (ready > 0) return;
    if (ready < 0 && errno != EINTR) {
      driver_.abort(Failure::io, std::string("cannot wait for the socket: ") + std::strerror(errno));
      return;
    }
  }
}

bool FdPump::read() {
  if (!driver_.wants_input()) return false;
  if (driver_.deadline() != TimePoint::max()) {  // else a plain blocking read: no deadline to miss
    wait_readable();
    if (driver_.ended()) return false;
  }
  long n = read_some(fd_, read_buf_);
  if (n > 0) {
    driver_.received({read_buf_.data(), static_cast<std::size_t>(n)}, Clock::now());
    return true;
  }
  // A reset is how many peers end a stream: the session decides what it means.
  driver_.received_end(Clock::now(), n == 0 || n == -ECONNRESET ? std::string()
                                                                 : std::strerror(static_cast<int>(-n)));
  return false;
}

void FdPump::handshake() {
  for (;;) {
    // Events first, then send: taking the peer's hello queues our own hello and CONFIRM.
    while (auto e = driver_.poll()) {
      if (e->kind == EventKind::established) {
        flush();
        return;
      }
    }
    if (driver_.ended()) {
      // What was queued (our CONFIRM) was flushed before the driver ended.
      throw_disconnect(driver_.disconnect());
    }
    flush();
    if (driver_.ended()) throw_disconnect(driver_.disconnect());
    read();
    if (driver_.ended()) throw_disconnect(driver_.disconnect());  // the deadline, or a failed wait
  }
}

}  // namespace intact::driver
