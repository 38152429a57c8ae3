// stream/stream_relay.hpp: authenticated netcat over one connected TCP socket.
//
// relay_stream() runs protocol v1 on the socket (the V1Session handshake, then
// DATA frames and an authenticated CLOSE in each direction) and relays bytes:
// input_fd -> sealed frames -> socket, and socket -> verified frames ->
// output_fd, both directions at once, one thread each. Each direction ends on
// its own (half-close): the end of the input sends CLOSE and shuts down the
// socket's write side; the peer's CLOSE ends the other direction.
//
// It never writes a byte to output_fd that is not inside a frame whose tag has
// verified, and stops at the first integrity failure, replay, gap or malformed
// frame (a byte stream with a hole in it is worthless). Its memory is bounded
// by two frames plus one read, whatever the peer sends.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "intact/frame.hpp"
#include "intact/key.hpp"
#include "intact/v1_session.hpp"

namespace intact::stream {

struct RelayOptions {
  v1::Role role = v1::Role::client;
  std::string name;                 // shown to the peer in our CONFIRM; may be empty
  int input_fd = 0;                 // bytes to send (standard input)
  int output_fd = 1;                // verified bytes received (standard output)
  bool progress = false;            // a progress line on standard error
  // --recv-only: input_fd is not read; our direction is closed with CLOSE at
  // once after the handshake, so the peer's output ends cleanly.
  bool send = true;
  // --send-only: the peer's frames are verified (and its CLOSE awaited, as
  // always) but nothing is written to output_fd.
  bool receive = true;
  // What input_fd and output_fd are, in messages ("cannot write standard output").
  std::string input_name = "standard input";
  std::string output_name = "standard output";
  // At the peer's CLOSE, close output_fd (it is pointed at /dev/null), so the
  // program reading our output sees its end while we may still be sending.
  // Off for a listener that writes one connection after another to it (-k).
  bool end_output_at_close = true;
  std::chrono::milliseconds handshake_timeout{30000};
  // Largest DATA payload we send. Big frames amortise the per-frame tag
  // finalisation and system calls; the protocol maximum is 1 MiB.
  std::size_t frame_payload = 256 * 1024;
};

// Runs one connection to its end: the handshake through the one session driver
// (driver::FdPump), then a thread per direction on the established keys. Returns Failure::none after both directions closed
// with an authenticated CLOSE; throws intact::Error with Failure::integrity (or replay,
// gap) on an integrity failure, Failure::truncated when the peer's stream ended
// without its CLOSE, and the handshake's or the system's failure otherwise.
// The socket stays open (the caller owns it) but is shut down when this returns.
Failure relay_stream(int socket_fd, const Key& key, const RelayOptions& options);

}  // namespace intact::stream
