// driver/fd_pump.hpp: a SessionDriver over a blocking socket descriptor.
//
// For the tools that run a thread per connection or per direction (the
// byte-stream relay, the benchmarks): the same lifecycle as net::Connection,
// with poll(2) waiting for the driver's deadline instead of an Asio timer.
#pragma once

#include <cstdint>
#include <vector>

#include "driver/session_driver.hpp"

namespace intact::driver {

class FdPump {
 public:
  // The descriptor stays the caller's: FdPump never closes it.
  FdPump(int fd, SessionDriver& driver, std::size_t read_size = 64 * 1024);

  // Pumps until the session is established; then returns at once, so bytes
  // that came after the handshake stay unread in the session. Throws
  // intact::Error with the driver's Failure when the session ends first (a
  // wrong key: key_mismatch, after our own CONFIRM is written, so the peer
  // learns of the mismatch too), or Failure::timeout at the handshake deadline.
  void handshake();

  // Writes everything the session queued. Throws intact::Error(Failure::io).
  void flush();

  // Waits (until the driver's next deadline) for bytes and feeds them. False
  // once the read side ended; the events it caused come out of driver.poll().
  bool read();

 private:
  void wait_readable();

  int fd_;
  SessionDriver& driver_;
  std::vector<std::uint8_t> read_buf_;
  std::vector<std::uint8_t> write_buf_;
};

}  // namespace intact::driver
