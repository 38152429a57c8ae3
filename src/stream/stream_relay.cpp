#include "stream/stream_relay.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "intact/failure.hpp"
#include "intact/text.hpp"
#include "intact/v1_session.hpp"
#include "driver/fd_io.hpp"
#include "driver/fd_pump.hpp"
#include "driver/session_driver.hpp"
#include "stream/progress_meter.hpp"

namespace intact::stream {

using driver::read_some;
using driver::readable_now;
using driver::write_all;
using driver::write_all_gathered;

namespace {

// One socket read: large, so a 256 KiB frame usually arrives in one system
// call and the receiver verifies whole frames straight out of the buffer.
constexpr std::size_t kSocketReadSize = 1024 * 1024;

std::string errno_text(int err) { return std::strerror(err); }

// What the two directions share: the socket, the first failure (it decides
// the exit code), and a pipe that wakes the sender when the receiver stops.
class Connection {
 public:
  explicit Connection(int socket_fd) : socket_fd_(socket_fd) {
    if (::pipe2(wake_, O_CLOEXEC) != 0)
      throw Error(Failure::io, "cannot create a pipe: " + errno_text(errno) + " (too many open files?)");
  }
  ~Connection() {
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int socket() const noexcept { return socket_fd_; }
  int wake_fd() const noexcept { return wake_[0]; }
  ByteCounters& counters() noexcept { return counters_; }

  // Records the first failure and stops both directions at once: shutting the
  // socket down unblocks a read or write in flight, the pipe unblocks the
  // sender's wait for input.
  void abort(Failure failure, std::string message) {
    {
      std::lock_guard lock(mutex_);
      if (failure_) return;
      failure_.emplace(failure, std::move(message));
    }
    ::shutdown(socket_fd_, SHUT_RDWR);
    const char byte = 'x';
    [[maybe_unused]] auto n = ::write(wake_[1], &byte, 1);
  }
  bool aborted() {
    std::lock_guard lock(mutex_);
    return failure_.has_value();
  }
  std::optional<Error> failure() {
    std::lock_guard lock(mutex_);
    return failure_;
  }

 private:
  int socket_fd_;
  int wake_[2] = {-1, -1};
  ByteCounters counters_;
  std::mutex mutex_;
  std::optional<Error> failure_;
};

// stdin -> DATA frames -> socket; CLOSE and a write shutdown at end of input.
void send_direction(Connection& conn, FrameSealer& sealer, const RelayOptions& options) {
  std::vector<std::uint8_t> payload(options.frame_payload);
  pollfd fds[2] = {{options.input_fd, POLLIN, 0}, {conn.wake_fd(), POLLIN, 0}};
  auto send_frame = [&](v1::FrameType type, std::span<const std::uint8_t> bytes) {
    std::uint8_t header[v1::kHeaderSize];
    Tag tag;
    sealer.seal_parts(type, bytes, header, tag);
    iovec iov[3] = {{header, sizeof header},
                    {const_cast<std::uint8_t*>(bytes.data()), bytes.size()},
                    {tag.data(), tag.size()}};
    int err = write_all_gathered(conn.socket(), iov, 3);
    if (err != 0) {
      conn.abort(Failure::io, "the connection failed while sending: " + errno_text(err) +
                     " (the peer went away before our stream was complete)");
      return false;
    }
    return true;
  };
  // Our authenticated close, then a half-close, as socat does: the peer sees
  // our end, and may still send.
  auto send_close = [&] {
    std::vector<std::uint8_t> close_payload;
    v1::encode_close(CloseCode::normal, {}, close_payload);
    if (send_frame(v1::FrameType::close, close_payload)) ::shutdown(conn.socket(), SHUT_WR);
  };
  if (!options.send) {  // --recv-only: nothing of ours will come; say so at once
    send_close();
    return;
  }
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      conn.abort(Failure::io, "cannot wait for " + options.input_name + ": " + errno_text(errno));
      return;
    }
    if (fds[1].revents != 0) return;  // the other direction failed: stop now
    // Take whatever input is ready, up to one frame, without waiting for more:
    // a bulk pipe fills big frames, a lone interactive line goes out at once.
    std::size_t n = 0;
    bool eof = false;
    do {
      long got = read_some(options.input_fd, std::span(payload).subspan(n));
      if (got < 0) {
        conn.abort(Failure::io, "cannot read " + options.input_name + ": " + errno_text(static_cast<int>(-got)));
        return;
      }
      if (got == 0) {
        eof = true;
        break;
      }
      n += static_cast<std::size_t>(got);
    } while (n < payload.size() && readable_now(options.input_fd));
    if (n > 0) {
      if (!send_frame(v1::FrameType::data, std::span(payload).first(n))) return;
      conn.counters().add_sent(n);
    }
    if (eof) {
      send_close();
      return;
    }
  }
}

// The direction is over: whoever reads our output gets its end of file now,
// as with socat, instead of when the other direction ends too. The descriptor
// number stays valid (it now points at /dev/null), so nothing else reuses it.
void end_output(int fd) noexcept {
  int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd < 0) return;
  ::dup2(null_fd, fd);
  ::close(null_fd);
}

// socket -> verified frames -> stdout, until the peer's CLOSE or a failure.
void receive_direction(Connection& conn, V1Session& session, const RelayOptions& options) {
  InputBuffer& in = session.input();
  FrameReceiver& rx = session.established_receiver();
  // Returns false when this direction is over (closed, or a failure recorded).
  auto handle = [&](const Event& e) {
    switch (e.kind) {
      case EventKind::message: {
        if (e.type != MessageType::data) {
          conn.abort(Failure::protocol, "the peer sent a chat or notice frame: intact connect and listen carry "
                     "byte streams only (use intact client and server for a room)");
          return false;
        }
        int err = options.receive ? write_all(options.output_fd, e.payload) : 0;
        if (err != 0) {
          conn.abort(Failure::io, "cannot write " + options.output_name + ": " + errno_text(err));
          return false;
        }
        conn.counters().add_received(e.payload.size());
        return true;
      }
      case EventKind::closed:
        // The exit comes from the peer's typed code: a close for a reason other
        // than the end of its stream (or its shutdown) is that failure.
        if (Failure f = close_failure(e.close_code); f != Failure::none) {
          conn.abort(f, "the peer closed the connection (" + std::string(close_code_name(e.close_code)) +
                            (e.detail.empty() ? std::string() : ": " + printable(e.detail)) + ")");
          return false;
        }
        if (options.end_output_at_close) end_output(options.output_fd);
        return false;
      case EventKind::truncated:
        conn.abort(Failure::truncated, e.detail + " (everything written before it was verified)");
        return false;
      case EventKind::integrity_failure:
        conn.abort(Failure::integrity, std::string(kLostIntegrity) + " A frame of the stream failed its tag check " +
                       "(frame " + std::to_string(e.seq) +
                       "); stopped, nothing from it or after it was written");
        return false;
      case EventKind::replay:
      case EventKind::gap:
      case EventKind::protocol_error:
        // After the keys are confirmed, a frame that does not parse was altered
        // on the way (a flipped length, say): for a byte stream, an integrity failure.
        conn.abort(e.kind == EventKind::protocol_error ? Failure::integrity : e.failure,
                   "integrity failure: " + e.detail +
                       "; stopped, nothing after the last verified frame was written");
        return false;
      case EventKind::established: return true;
    }
    return true;
  };
  for (;;) {
    while (auto e = rx.poll(in)) {
      if (!handle(*e)) return;
    }
    long n = read_some(conn.socket(), in.prepare(kSocketReadSize));
    if (n < 0 && n != -ECONNRESET) {
      conn.abort(Failure::io, "the connection failed while receiving: " + errno_text(static_cast<int>(-n)));
      return;
    }
    if (n <= 0) {
      // A reset or a FIN: whatever was not closed with CLOSE was cut off.
      if (auto e = rx.eof(in)) handle(*e);
      return;
    }
    in.commit(static_cast<std::size_t>(n));
  }
}

// A pipe holds 64 KiB by default, so each read or write of one moves at most
// that; a bigger pipe lets one system call move a whole frame. Best effort:
// not a pipe, or over the system's limit (fs.pipe-max-size), changes nothing.
void enlarge_pipe(int fd, std::size_t bytes) noexcept {
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) ::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(bytes));
}

}  // namespace

Failure relay_stream(int socket_fd, const Key& key, const RelayOptions& options) {
  if (options.frame_payload == 0 || options.frame_payload > v1::kMaxPayload)
    throw Error(Failure::usage, "the frame size must be between 1 and " + std::to_string(v1::kMaxPayload) +
                " bytes");
  // strict: any event but a verified message or the close ends the stream.
  V1Session::Options session_options;
  session_options.role = options.role;
  session_options.name = options.name;
  session_options.strict = true;
  V1Session session(key, session_options);
  try {
    driver::Limits limits;
    limits.handshake_timeout = options.handshake_timeout;
    driver::SessionDriver handshake(session, limits, driver::Clock::now());
    driver::FdPump(socket_fd, handshake, 4096).handshake();
  } catch (...) {
    ::shutdown(socket_fd, SHUT_RDWR);
    throw;
  }

  enlarge_pipe(options.input_fd, options.frame_payload);
  enlarge_pipe(options.output_fd, options.frame_payload);
  Connection conn(socket_fd);
  std::optional<ProgressMeter> meter;
  if (options.progress) meter.emplace(conn.counters());
  FrameSealer& sealer = session.established_sealer();
  std::thread sender([&] {
    try {
      send_direction(conn, sealer, options);
    } catch (const Error& e) {
      conn.abort(e.failure(), e.what());
    } catch (const std::exception& e) {
      conn.abort(Failure::internal, e.what());
    }
  });
  try {
    receive_direction(conn, session, options);
  } catch (const Error& e) {
    conn.abort(e.failure(), e.what());
  } catch (const std::exception& e) {
    conn.abort(Failure::internal, e.what());
  }
  sender.join();
  if (meter) meter->stop();
  ::shutdown(socket_fd, SHUT_RDWR);
  if (auto failure = conn.failure()) throw *failure;
  return Failure::none;
}

}  // namespace intact::stream
