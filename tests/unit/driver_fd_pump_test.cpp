// FdPump: the session driver over a blocking socket (a socketpair here), as the
// stream relay's handshake and the benchmarks use it.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <future>
#include <string>
#include <vector>

#include "driver/fd_io.hpp"
#include "driver/fd_pump.hpp"
#include "driver/session_driver.hpp"
#include "intact/failure.hpp"
#include "intact/key.hpp"
#include "intact/text.hpp"
#include "intact/v1_session.hpp"

namespace intact::driver {
namespace {

[[maybe_unused]] const bool kSigpipeIgnored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;

const Key kKey = Key::from_hex("00112233445566778899AABBCCDDEEFF");
const Key kOtherKey = Key::from_hex("FFEEDDCCBBAA99887766554433221100");

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

struct Peer {
  V1Session session;
  SessionDriver driver;
  FdPump pump;
  Peer(int fd, const Key& key, v1::Role role, std::chrono::milliseconds handshake = std::chrono::seconds(10))
      : session(key, options(role)), driver(session, limits(handshake), Clock::now()), pump(fd, driver) {}
  static V1Session::Options options(v1::Role role) {
    V1Session::Options o;
    o.role = role;
    return o;
  }
  static Limits limits(std::chrono::milliseconds handshake) {
    Limits l;
    l.handshake_timeout = handshake;
    l.linger = std::chrono::milliseconds(5000);
    return l;
  }
};

Failure handshake_failure(Peer& p) {
  try {
    p.pump.handshake();
    return Failure::none;
  } catch (const Error& e) {
    return e.failure();
  }
}

TEST(FdPump, AFrameSentRightAfterTheHandshakeWaitsInTheSessionForItsReader) {
  SocketPair sp;
  auto client = std::async(std::launch::async, [&] {
    Peer c(sp.b, kKey, v1::Role::client);
    c.pump.handshake();
    EXPECT_TRUE(c.driver.send_data(text_bytes("first")));
    c.pump.flush();
    return c.driver.established();
  });
  Peer s(sp.a, kKey, v1::Role::server);
  s.pump.handshake();
  ASSERT_TRUE(client.get());
  std::vector<std::string> got;
  while (got.empty()) {
    while (auto e = s.driver.poll())
      if (e->kind == EventKind::message) got.emplace_back(as_text(e->payload));
    if (got.empty()) {
      ASSERT_TRUE(s.pump.read());
    }
  }
  EXPECT_EQ(got, std::vector<std::string>{"first"});
}

TEST(FdPump, AWrongKeyIsAKeyMismatchOnBothSidesAndOurConfirmIsSentFirst) {
  SocketPair sp;
  auto client = std::async(std::launch::async, [&] {
    Peer c(sp.b, kOtherKey, v1::Role::client);
    return handshake_failure(c);
  });
  Peer s(sp.a, kKey, v1::Role::server);
  EXPECT_EQ(handshake_failure(s), Failure::key_mismatch);
  EXPECT_EQ(client.get(), Failure::key_mismatch);
}

TEST(FdPump, ASilentPeerIsATimeoutAtTheHandshakeDeadline) {
  SocketPair sp;
  Peer s(sp.a, kKey, v1::Role::server, std::chrono::milliseconds(100));
  EXPECT_EQ(handshake_failure(s), Failure::timeout);
}

TEST(FdPump, ACloseIsWrittenThenTheSocketIsHalfClosedAndThePeersAnswerEndsItCleanly) {
  SocketPair sp;
  auto client = std::async(std::launch::async, [&] {
    Peer c(sp.b, kKey, v1::Role::client);
    c.pump.handshake();
    c.driver.close({}, Clock::now());
    c.pump.flush();  // CLOSE, then FIN
    while (!c.driver.ended()) {
      while (c.driver.poll()) {
      }
      if (c.driver.ended() || !c.pump.read()) break;
    }
    while (c.driver.poll()) {
    }
    return c.driver.ended() && c.driver.disconnect().clean();
  });
  Peer s(sp.a, kKey, v1::Role::server);
  s.pump.handshake();
  std::vector<EventKind> kinds;
  while (!s.driver.ended()) {
    while (auto e = s.driver.poll()) kinds.push_back(e->kind);
    s.pump.flush();  // our answering CLOSE, then FIN
    if (s.driver.ended() || !s.pump.read()) break;
  }
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), EventKind::closed), kinds.end());
  EXPECT_TRUE(s.driver.ended() && s.driver.disconnect().clean()) << s.driver.disconnect().detail;
  EXPECT_TRUE(client.get());
}

}  // namespace
}  // namespace intact::driver
