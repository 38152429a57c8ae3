// The byte-stream relay (authenticated netcat) over a socket pair: what it
// writes out, what it refuses, and the exit code it ends with. The peer is
// either another relay or a V1Session driven by hand, so a test can send
// exactly the frames it wants (a tampered one, or no CLOSE).
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "intact/failure.hpp"
#include "intact/v1_session.hpp"
#include "driver/fd_io.hpp"
#include "driver/fd_pump.hpp"
#include "driver/session_driver.hpp"
#include "stream/progress_meter.hpp"
#include "stream/stream_relay.hpp"

namespace intact::stream {
namespace {

using driver::read_some;
using driver::write_all;
using driver::write_all_gathered;

// As in the intact program (cli/main.cpp): a peer that has stopped, as the relay
// does at a tampered frame, must not kill the test's writer with SIGPIPE.
[[maybe_unused]] const bool kSigpipeIgnored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;

const Key kKey = Key::from_hex("00112233445566778899AABBCCDDEEFF");
const Key kOtherKey = Key::from_hex("FFEEDDCCBBAA99887766554433221100");

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (r >= 0) ::close(r);
    r = -1;
  }
  void close_write() {
    if (w >= 0) ::close(w);
    w = -1;
  }
};

struct SocketPair {
  int a = -1, b = -1;
  SocketPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    a = fds[0];
    b = fds[1];
  }
  ~SocketPair() {
    ::close(a);
    ::close(b);
  }
};

std::vector<std::uint8_t> random_bytes_of(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(gen());
  return v;
}

// Everything readable from fd until end of file, on its own thread.
std::future<std::vector<std::uint8_t>> read_all_async(int fd) {
  return std::async(std::launch::async, [fd] {
    std::vector<std::uint8_t> out, buf(65536);
    for (;;) {
      long n = read_some(fd, buf);
      if (n <= 0) return out;
      out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
  });
}

// The outcome of relay_stream: how it ended, and the error message if it threw.
struct Outcome {
  Failure code;
  std::string message;
};

std::future<Outcome> relay_async(int socket_fd, const Key& key, RelayOptions options) {
  // `key` (one of the test's constant keys) outlives the future.
  return std::async(std::launch::async, [socket_fd, &key, options] {
    try {
      return Outcome{relay_stream(socket_fd, key, options), ""};
    } catch (const Error& e) {
      return Outcome{e.failure(), e.what()};
    }
  });
}

RelayOptions options_for(v1::Role role, int in, int out) {
  RelayOptions o;
  o.role = role;
  o.input_fd = in;
  o.output_fd = out;
  o.frame_payload = 64 * 1024;
  o.handshake_timeout = std::chrono::seconds(10);
  return o;
}

// A hand-driven client: handshake done, frames sent as the test wants them.
struct ManualClient {
  int fd;
  V1Session session;
  explicit ManualClient(int socket_fd, const Key& key = kKey)
      : fd(socket_fd), session(key, [] {
          V1Session::Options o;
          o.role = v1::Role::client;
          return o;
        }()) {
    driver::Limits limits;
    limits.handshake_timeout = std::chrono::seconds(10);
    driver::SessionDriver handshake(session, limits, driver::Clock::now());
    driver::FdPump(fd, handshake).handshake();
  }
  // Sends what the session queued, with bit `flip_bit` of byte `flip_at` inverted (if given).
  void send_pending(std::ptrdiff_t flip_at = -1, int flip_bit = 0) {
    std::vector<std::uint8_t> bytes(session.pending_output().begin(), session.pending_output().end());
    session.consume_output(bytes.size());
    if (flip_at >= 0) bytes[static_cast<std::size_t>(flip_at)] ^= static_cast<std::uint8_t>(1 << flip_bit);
    ASSERT_EQ(write_all(fd, bytes), 0);
  }
};

TEST(StreamRelay, MovesBytesBothWaysAtOnceAndBothEndWithExitZero) {
  SocketPair sp;
  Pipe a_in, a_out, b_in, b_out;
  auto a_data = random_bytes_of(3 * 1024 * 1024 + 17, 1);
  auto b_data = random_bytes_of(2 * 1024 * 1024 + 5, 2);
  auto a_got = read_all_async(a_out.r);
  auto b_got = read_all_async(b_out.r);
  auto server = relay_async(sp.a, kKey, options_for(v1::Role::server, a_in.r, a_out.w));
  auto client = relay_async(sp.b, kKey, options_for(v1::Role::client, b_in.r, b_out.w));
  std::thread feed_a([&] {
    write_all(a_in.w, a_data);
    a_in.close_write();
  });
  std::thread feed_b([&] {
    write_all(b_in.w, b_data);
    b_in.close_write();
  });
  feed_a.join();
  feed_b.join();
  auto s = server.get();
  auto c = client.get();
  EXPECT_EQ(s.code, Failure::none) << s.message;
  EXPECT_EQ(c.code, Failure::none) << c.message;
  a_out.close_write();
  b_out.close_write();
  EXPECT_EQ(a_got.get(), b_data);
  EXPECT_EQ(b_got.get(), a_data);
}

TEST(StreamRelay, ATamperedFrameEndsWithExitThreeAndNoneOfItsBytesWritten) {
  SocketPair sp;
  Pipe in, out;
  in.close_write();  // the relay has nothing to send: it sends its CLOSE at once
  auto got = read_all_async(out.r);
  auto server = relay_async(sp.a, kKey, options_for(v1::Role::server, in.r, out.w));
  ManualClient peer(sp.b);
  peer.session.send_data(text_bytes("verified first frame|"));
  peer.send_pending();
  peer.session.send_data(text_bytes("second frame, one bit flipped on the way"));
  peer.session.close();
  peer.send_pending(v1::kHeaderSize + 3, 5);  // a payload bit of the second frame
  auto s = server.get();
  out.close_write();
  EXPECT_EQ(s.code, Failure::integrity) << s.message;
  EXPECT_NE(s.message.find("lost its integrity"), std::string::npos) << s.message;
  auto written = got.get();
  EXPECT_EQ(std::string(written.begin(), written.end()), "verified first frame|");
}

TEST(StreamRelay, AReplayedFrameEndsWithExitThree) {
  SocketPair sp;
  Pipe in, out;
  in.close_write();
  auto got = read_all_async(out.r);
  auto server = relay_async(sp.a, kKey, options_for(v1::Role::server, in.r, out.w));
  ManualClient peer(sp.b);
  peer.session.send_data(text_bytes("once"));
  std::vector<std::uint8_t> frame(peer.session.pending_output().begin(), peer.session.pending_output().end());
  peer.send_pending();
  ASSERT_EQ(write_all(sp.b, frame), 0);  // the same frame again
  auto s = server.get();
  out.close_write();
  EXPECT_EQ(s.code, Failure::replay) << s.message;  // exit 3, as every integrity failure
  auto written = got.get();
  EXPECT_EQ(std::string(written.begin(), written.end()), "once");
}

TEST(StreamRelay, AStreamEndingWithoutCloseExitsFourAfterWritingWhatWasVerified) {
  SocketPair sp;
  Pipe in, out;
  in.close_write();
  auto got = read_all_async(out.r);
  auto server = relay_async(sp.a, kKey, options_for(v1::Role::server, in.r, out.w));
  ManualClient peer(sp.b);
  peer.session.send_data(text_bytes("everything before the cut"));
  peer.send_pending();
  ::shutdown(sp.b, SHUT_WR);  // no CLOSE frame: the connection was cut
  auto s = server.get();
  out.close_write();
  EXPECT_EQ(s.code, Failure::truncated) << s.message;
  auto written = got.get();
  EXPECT_EQ(std::string(written.begin(), written.end()), "everything before the cut");
}

TEST(StreamRelay, APeerWithAnotherKeyFailsTheHandshakeAsAKeyMismatchOnBothSides) {
  SocketPair sp;
  Pipe in, out;
  in.close_write();
  auto server = relay_async(sp.a, kKey, options_for(v1::Role::server, in.r, out.w));
  auto client = relay_async(sp.b, kOtherKey, options_for(v1::Role::client, in.r, out.w));
  auto s = server.get();
  auto c = client.get();
  EXPECT_EQ(s.code, Failure::key_mismatch) << s.message;
  EXPECT_EQ(c.code, Failure::key_mismatch) << c.message;
  EXPECT_NE(s.message.find("key confirmation failed"), std::string::npos) << s.message;
  EXPECT_NE(c.message.find("key confirmation failed"), std::string::npos) << c.message;
}

TEST(StreamRelay, ASilentPeerTimesOutInTheHandshake) {
  SocketPair sp;
  Pipe in, out;
  auto o = options_for(v1::Role::server, in.r, out.w);
  o.handshake_timeout = std::chrono::milliseconds(200);
  auto s = relay_async(sp.a, kKey, o).get();
  EXPECT_EQ(s.code, Failure::timeout);
  EXPECT_NE(s.message.find("no handshake within 200 ms"), std::string::npos) << s.message;
}

TEST(FdIo, GatheredWriteDeliversEveryByteAcrossPartialWrites) {
  SocketPair sp;
  int small = 4096;
  ::setsockopt(sp.a, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  auto head = random_bytes_of(13, 3), body = random_bytes_of(700000, 4), tail = random_bytes_of(32, 5);
  auto got = std::async(std::launch::async, [&] {
    std::vector<std::uint8_t> out, buf(1000);  // small reads force many partial writes
    while (out.size() < head.size() + body.size() + tail.size()) {
      long n = read_some(sp.b, buf);
      if (n <= 0) break;
      out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
    return out;
  });
  iovec iov[3] = {{head.data(), head.size()}, {body.data(), body.size()}, {tail.data(), tail.size()}};
  EXPECT_EQ(write_all_gathered(sp.a, iov, 3), 0);
  std::vector<std::uint8_t> want = head;
  want.insert(want.end(), body.begin(), body.end());
  want.insert(want.end(), tail.begin(), tail.end());
  EXPECT_EQ(got.get(), want);
}

TEST(FdIo, WritingToAClosedPeerReportsEpipeInsteadOfKillingTheProcess) {
  SocketPair sp;
  ::close(sp.b);
  sp.b = ::open("/dev/null", O_RDONLY);  // keep the destructor's close harmless
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::uint8_t> data(100, 1);
  EXPECT_EQ(write_all(sp.a, data), EPIPE);
}

TEST(ProgressFormat, BytesAndRatesReadAsAPersonWouldSayThem) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(100000), "97.66 KiB");
  EXPECT_EQ(format_bytes(1ull << 30), "1.00 GiB");
  EXPECT_EQ(format_rate(1.5 * (1ull << 30)), "1.50 GiB/s");  // the units of the sizes
  EXPECT_EQ(format_rate(100000), "97.66 KiB/s");
  EXPECT_EQ(format_rate(1023), "1023.00 B/s");
}

}  // namespace
}  // namespace intact::stream
