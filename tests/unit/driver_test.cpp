// The one session driver, with an injected clock: two real sessions joined
// through memory (driver/memory_pump.hpp), the time moved by hand. Each
// deadline is checked just before it (nothing happens) and at it.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "driver/memory_pump.hpp"
#include "driver/session_driver.hpp"
#include "intact/frame.hpp"
#include "intact/key.hpp"
#include "intact/legacy.hpp"
#include "intact/text.hpp"
#include "intact/v1_session.hpp"

namespace intact::driver {
namespace {

using std::chrono::milliseconds;

const Key kKey = Key::from_hex("00112233445566778899AABBCCDDEEFF");
const Key kOtherKey = Key::from_hex("FFEEDDCCBBAA99887766554433221100");
const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

V1Session::Options role(v1::Role r) {
  V1Session::Options o;
  o.role = r;
  o.name = r == v1::Role::client ? "client" : "server";
  return o;
}

Limits limits() {
  Limits l;
  l.handshake_timeout = milliseconds(1000);
  l.linger = milliseconds(200);
  l.flush_timeout = milliseconds(500);
  l.max_queued_bytes = 4096;
  return l;
}

struct Log {
  std::vector<EventKind> kinds;
  std::vector<std::string> messages;
  EventSink sink() {
    return [this](const Event& e) {
      kinds.push_back(e.kind);
      if (e.kind == EventKind::message) messages.emplace_back(as_text(e.payload));
    };
  }
};

struct Pair {
  V1Session client_session{kKey, role(v1::Role::client)};
  V1Session server_session;
  SessionDriver client{client_session, limits(), t0};
  SessionDriver server;
  Log client_log, server_log;
  explicit Pair(const Key& server_key = kKey)
      : server_session(server_key, role(v1::Role::server)), server(server_session, limits(), t0) {}
  void exchange(TimePoint now = t0) { driver::exchange(client, server, now, client_log.sink(), server_log.sink()); }
};

TEST(SessionDriver, TwoPeersShakeHandsTalkAndCloseCleanly) {
  Pair p;
  p.exchange();
  ASSERT_TRUE(p.client.established());
  ASSERT_TRUE(p.server.established());
  EXPECT_TRUE(p.client.send_data(text_bytes("hello")));
  p.client.close("done", t0);
  p.exchange();
  EXPECT_EQ(p.server_log.messages, std::vector<std::string>{"hello"});
  // The server answered the client's close by itself; each side half-closed once all was written.
  ASSERT_TRUE(p.server.ended());
  EXPECT_TRUE(p.server.disconnect().clean()) << p.server.disconnect().detail;
  ASSERT_TRUE(p.client.ended());
  EXPECT_TRUE(p.client.disconnect().clean()) << p.client.disconnect().detail;
}

TEST(SessionDriver, ASilentPeerEndsAtTheHandshakeDeadlineAndNotBefore) {
  V1Session s(kKey, role(v1::Role::server));
  SessionDriver d(s, limits(), t0);
  EXPECT_EQ(d.deadline(), t0 + milliseconds(1000));
  d.on_timer(t0 + milliseconds(999));
  EXPECT_FALSE(d.ended());
  d.on_timer(t0 + milliseconds(1000));
  // A server answers a peer that never sent its hello with its hello's opening
  // (a lab-format client learns it faces v1), and ends once that is written.
  std::vector<std::uint8_t> out;
  d.take_output(out);
  std::vector<std::uint8_t> opening(v1::kMagic.begin(), v1::kMagic.end());
  opening.push_back(v1::kVersion);
  EXPECT_EQ(out, opening);
  d.wrote(out.size(), t0 + milliseconds(1001));
  ASSERT_TRUE(d.ended());
  EXPECT_EQ(d.disconnect().failure, Failure::timeout);
  EXPECT_NE(d.disconnect().detail.find("no handshake within 1 s"), std::string::npos) << d.disconnect().detail;
}

TEST(SessionDriver, AServerWhosePeerTakesNotItsAnswerToSilenceEndsAtTheLinger) {
  V1Session s(kKey, role(v1::Role::server));
  SessionDriver d(s, limits(), t0);
  d.on_timer(t0 + milliseconds(1000));
  ASSERT_FALSE(d.ended());
  d.on_timer(d.deadline());
  ASSERT_TRUE(d.ended());
  EXPECT_EQ(d.disconnect().failure, Failure::timeout);
}

TEST(SessionDriver, AWrongKeyEndsBothSidesAsAKeyMismatchAfterOurConfirmIsWritten) {
  Pair p(kOtherKey);
  // Client hello -> server; the server's hello and CONFIRM -> the client, in one piece.
  deliver(p.server, take_written(p.client, t0), t0, p.server_log.sink());
  deliver(p.client, take_written(p.server, t0), t0, p.client_log.sink());
  // The client saw the mismatch, but its own CONFIRM is still queued: it is not done yet.
  EXPECT_FALSE(p.client.ended());
  EXPECT_FALSE(p.client.wants_input());
  auto confirm = take_written(p.client, t0);
  EXPECT_FALSE(confirm.empty());
  ASSERT_TRUE(p.client.ended());
  EXPECT_EQ(p.client.disconnect().failure, Failure::key_mismatch);
  // ... and that CONFIRM tells the server of the mismatch too.
  deliver(p.server, confirm, t0, p.server_log.sink());
  ASSERT_TRUE(p.server.ended());
  EXPECT_EQ(p.server.disconnect().failure, Failure::key_mismatch);
}

TEST(SessionDriver, AFailureWhoseOutputIsNeverTakenEndsAtTheLingerDeadline) {
  Pair p(kOtherKey);
  deliver(p.server, take_written(p.client, t0), t0, p.server_log.sink());
  deliver(p.client, take_written(p.server, t0), t0, p.client_log.sink());
  ASSERT_FALSE(p.client.ended());
  p.client.on_timer(t0 + milliseconds(199));
  EXPECT_FALSE(p.client.ended());
  p.client.on_timer(t0 + milliseconds(200));
  ASSERT_TRUE(p.client.ended());
  EXPECT_EQ(p.client.disconnect().failure, Failure::key_mismatch);
}

TEST(SessionDriver, APeerThatNeverAnswersOurCloseIsGivenUpAfterTheLinger) {
  Pair p;
  p.exchange();
  p.client.close({}, t0);
  auto bytes = take_written(p.client, t0 + milliseconds(10));  // written and half-closed at +10 ms
  EXPECT_FALSE(bytes.empty());
  p.client.on_timer(t0 + milliseconds(209));
  EXPECT_FALSE(p.client.ended());
  p.client.on_timer(t0 + milliseconds(210));
  ASSERT_TRUE(p.client.ended());
  EXPECT_EQ(p.client.disconnect().failure, Failure::io);
}

TEST(SessionDriver, APeerThatReadsNothingIsGivenUpAfterTheFlushTimeoutSayingHowMuchWasLost) {
  Pair p;
  p.exchange();
  ASSERT_TRUE(p.client.send_data(text_bytes("never read")));
  p.client.close({}, t0);
  std::vector<std::uint8_t> in_flight;
  p.client.take_output(in_flight);  // the socket took nothing of it
  EXPECT_FALSE(p.client.wants_write_shutdown());
  p.client.on_timer(t0 + milliseconds(499));
  EXPECT_FALSE(p.client.ended());
  p.client.wrote(1, t0 + milliseconds(400));  // progress pushes the deadline
  p.client.on_timer(t0 + milliseconds(899));
  EXPECT_FALSE(p.client.ended());
  p.client.on_timer(t0 + milliseconds(900));
  ASSERT_TRUE(p.client.ended());
  EXPECT_EQ(p.client.disconnect().failure, Failure::io);
  EXPECT_NE(p.client.disconnect().detail.find(std::to_string(in_flight.size() - 1) + " bytes were never sent"),
            std::string::npos)
      << p.client.disconnect().detail;
}

TEST(SessionDriver, TheQueueBoundEndsTheSessionInsteadOfGrowing) {
  Pair p;
  p.exchange();
  std::string big(1000, 'x');
  const std::size_t frame = big.size() + v1::kFrameOverhead;
  std::size_t queued = 0;
  while (p.client.send_data(text_bytes(big))) ++queued;
  EXPECT_EQ(queued, 4096 / frame);  // as many frames as fit in the bound, and not one more
  ASSERT_TRUE(p.client.ended());
  EXPECT_EQ(p.client.disconnect().failure, Failure::over_limit);
  EXPECT_FALSE(p.client.send_data(text_bytes("x")));
}

TEST(SessionDriver, NothingIsSentBeforeTheHandshakeOrAfterTheClose) {
  Pair p;
  EXPECT_FALSE(p.client.send_data(text_bytes("early")));
  p.exchange();
  p.client.close({}, t0);
  EXPECT_FALSE(p.client.send_data(text_bytes("late")));
}

TEST(SessionDriver, AStreamCutBeforeTheCloseIsATruncation) {
  Pair p;
  p.exchange();
  p.client.send_data(text_bytes("one"));
  p.exchange();
  p.server.received_end(t0);
  drain(p.server, p.server_log.sink());
  ASSERT_TRUE(p.server.ended());
  EXPECT_EQ(p.server.disconnect().failure, Failure::truncated);
  EXPECT_EQ(p.server_log.messages, std::vector<std::string>{"one"});
}

TEST(SessionDriver, IdleIsDueOncePerSilenceAndActivityRestartsIt) {
  Limits l = limits();
  l.idle_timeout = milliseconds(300);
  LegacySession s(kKey);
  SessionDriver d(s, l, t0);
  ASSERT_TRUE(d.established());
  EXPECT_EQ(d.deadline(), t0 + milliseconds(300));
  EXPECT_FALSE(d.idle_due(t0 + milliseconds(299)));
  EXPECT_TRUE(d.idle_due(t0 + milliseconds(300)));
  EXPECT_FALSE(d.idle_due(t0 + milliseconds(301)));
  EXPECT_EQ(d.deadline(), TimePoint::max());
  d.received(text_bytes("x"), t0 + milliseconds(400));
  EXPECT_FALSE(d.idle_due(t0 + milliseconds(699)));
  EXPECT_TRUE(d.idle_due(t0 + milliseconds(700)));
}

TEST(SessionDriver, TheLabsFormatEndsCleanlyAtTheEndOfTheStream) {
  LegacySession s(kKey);
  SessionDriver d(s, limits(), t0);
  d.received_end(t0);
  Log log;
  drain(d, log.sink());
  EXPECT_EQ(log.kinds, std::vector<EventKind>{EventKind::closed});
  ASSERT_TRUE(d.wants_write_shutdown());
  d.write_shut_down(t0);
  ASSERT_TRUE(d.ended());
  EXPECT_TRUE(d.disconnect().clean());
}

TEST(SessionDriver, AStreamCutInsideALabMessageIsATruncation) {
  LegacySession s(kKey);
  SessionDriver d(s, limits(), t0);
  d.received(text_bytes("half a mess"), t0);
  d.received_end(t0, "Connection reset by peer");
  Log log;
  drain(d, log.sink());
  ASSERT_TRUE(d.ended());
  EXPECT_EQ(d.disconnect().failure, Failure::truncated);  // cut inside a message, whatever the socket said
}


TEST(SessionDriver, TheApplicationSeesThePeersCloseBeforeTheDriverAnswersIt) {
  Pair p;
  p.exchange();
  p.client.close({}, t0);
  bool seen = false;
  deliver(p.server, take_written(p.client, t0), t0, [&](const Event& e) {
    if (e.kind != EventKind::closed) return;
    seen = true;
    // Inside the handler nothing has happened to the connection yet.
    EXPECT_FALSE(p.server.ended());
    EXPECT_FALSE(p.server.has_output());
  });
  ASSERT_TRUE(seen);
  EXPECT_TRUE(p.server.has_output());  // our answering CLOSE, queued once the handler returned
  deliver(p.client, take_written(p.server, t0), t0, p.client_log.sink());
  EXPECT_TRUE(p.server.ended() && p.server.disconnect().clean());
  EXPECT_TRUE(p.client.ended() && p.client.disconnect().clean());
}

TEST(SessionDriver, ThePeersCloseCodeReachesTheApplicationAndIsAnsweredWithNormal) {
  Pair p;
  p.exchange();
  p.server.close(CloseCode::kicked, "kicked by the server", t0);
  std::vector<CloseCode> client_saw, server_saw;
  deliver(p.client, take_written(p.server, t0), t0, [&](const Event& e) {
    if (e.kind == EventKind::closed) client_saw.push_back(e.close_code);
  });
  deliver(p.server, take_written(p.client, t0), t0, [&](const Event& e) {
    if (e.kind == EventKind::closed) server_saw.push_back(e.close_code);
  });
  EXPECT_EQ(client_saw, std::vector<CloseCode>{CloseCode::kicked});
  EXPECT_EQ(server_saw, std::vector<CloseCode>{CloseCode::normal});
  EXPECT_TRUE(p.client.ended() && p.client.disconnect().clean()) << p.client.disconnect().detail;
}

TEST(SessionDriver, AFatalFailureAfterTheHandshakeTellsThePeerWithACloseNamingIt) {
  V1Session client_session(kKey, role(v1::Role::client));
  V1Session::Options strict = role(v1::Role::server);
  strict.strict = true;
  V1Session server_session(kKey, strict);
  SessionDriver client(client_session, limits(), t0), server(server_session, limits(), t0);
  Log client_log, server_log;
  exchange(client, server, t0, client_log.sink(), server_log.sink());
  ASSERT_TRUE(client.established() && server.established());
  ASSERT_TRUE(client.send_data(text_bytes("flipped on the way")));
  auto wire = take_written(client, t0);
  wire[v1::kHeaderSize] ^= 0x01;  // the first payload byte
  deliver(server, wire, t0, server_log.sink());
  // Under --strict the server stops, but first writes a CLOSE with the code `integrity`.
  ASSERT_FALSE(server.ended());
  auto close = take_written(server, t0);
  ASSERT_TRUE(server.ended());
  EXPECT_EQ(server.disconnect().failure, Failure::integrity);
  std::vector<Event> seen;
  deliver(client, close, t0, [&](const Event& e) {
    if (e.kind == EventKind::closed) seen.push_back(e);
  });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].close_code, CloseCode::integrity);
  EXPECT_EQ(close_failure(seen[0].close_code), Failure::integrity);
  EXPECT_NE(seen[0].detail.find("strict mode"), std::string::npos) << seen[0].detail;
}

TEST(SessionDriver, AFailureInTheHandshakeSendsNoClose) {
  Pair p(kOtherKey);
  deliver(p.server, take_written(p.client, t0), t0, p.server_log.sink());
  deliver(p.client, take_written(p.server, t0), t0, p.client_log.sink());
  auto out = take_written(p.client, t0);
  // Only the client's CONFIRM: 45 bytes of frame overhead, the transcript and the name.
  EXPECT_EQ(out.size(), v1::kFrameOverhead + 32 + std::string("client").size());
  EXPECT_EQ(out[0], static_cast<std::uint8_t>(v1::FrameType::confirm));
}

TEST(SessionDriver, AResetBeforeAnyByteOfTheHandshakeIsStillARefusal) {
  V1Session s(kKey, role(v1::Role::client));
  SessionDriver d(s, limits(), t0);
  take_written(d, t0);  // the hello
  d.received_end(t0, "Connection reset by peer");
  Log log;
  drain(d, log.sink());
  ASSERT_TRUE(d.ended());
  EXPECT_EQ(d.disconnect().failure, Failure::refused);
  EXPECT_NE(d.disconnect().detail.find("before the handshake (refused, or not an intact server)"),
            std::string::npos)
      << d.disconnect().detail;
}

TEST(SessionDriver, NoEventComesAfterTheEnd) {
  Pair p;
  p.exchange();
  p.server.abort(Failure::internal, "stop");
  p.client.send_data(text_bytes("unheard"));
  auto bytes = take_written(p.client, t0);
  p.server.received(bytes, t0);
  EXPECT_FALSE(p.server.poll());
  std::vector<std::uint8_t> out;
  p.server.take_output(out);
  EXPECT_TRUE(out.empty());
}

TEST(SessionDriver, AnAbortWhileAFailureIsFlushedKeepsTheFailure) {
  Pair p(kOtherKey);
  deliver(p.server, take_written(p.client, t0), t0, p.server_log.sink());
  deliver(p.client, take_written(p.server, t0), t0, p.client_log.sink());
  ASSERT_FALSE(p.client.ended());
  p.client.abort(Failure::io, "connection lost while sending: Broken pipe");
  ASSERT_TRUE(p.client.ended());
  EXPECT_EQ(p.client.disconnect().failure, Failure::key_mismatch);
  EXPECT_NE(p.client.disconnect().detail.find("Broken pipe"), std::string::npos);
}

TEST(SessionDriver, AFailureBeingFlushedIsNotMistakenForAHandshakeTimeout) {
  Pair p(kOtherKey);
  deliver(p.server, take_written(p.client, t0), t0, p.server_log.sink());
  deliver(p.client, take_written(p.server, t0 + milliseconds(900)), t0 + milliseconds(900), p.client_log.sink());
  ASSERT_FALSE(p.client.ended());
  p.client.on_timer(t0 + milliseconds(1000));  // the handshake deadline passes while our CONFIRM waits
  EXPECT_FALSE(p.client.ended());
  p.client.on_timer(t0 + milliseconds(1100));  // the linger after the failure
  ASSERT_TRUE(p.client.ended());
  EXPECT_EQ(p.client.disconnect().failure, Failure::key_mismatch);
}

TEST(SessionDriver, EveryDeadlineMakesProgressWhenItComes) {
  // In each state, on_timer at deadline() ends the driver, moves the deadline
  // later, or makes idle due: a transport waiting for deadline() never spins.
  Limits l = limits();
  l.idle_timeout = milliseconds(300);
  auto progresses = [](SessionDriver& d) {
    TimePoint when = d.deadline();
    if (when == TimePoint::max()) return true;
    d.on_timer(when);
    return d.ended() || d.deadline() > when || d.idle_due(when);
  };
  {
    V1Session s(kKey, role(v1::Role::server));
    SessionDriver d(s, l, t0);
    EXPECT_TRUE(progresses(d));  // the handshake
  }
  {
    Pair p;
    p.exchange();
    LegacySession s(kKey);
    SessionDriver d(s, l, t0);
    EXPECT_TRUE(progresses(d));  // idle
    EXPECT_TRUE(progresses(d));  // nothing left after the idle was reported
    p.client.close({}, t0);
    std::vector<std::uint8_t> held;
    p.client.take_output(held);
    EXPECT_TRUE(progresses(p.client));  // flushing
    p.server.close({}, t0);
    take_written(p.server, t0);
    EXPECT_TRUE(progresses(p.server));  // linger
  }
}

// ---- a message still arriving: the frame deadline and the one memory bound

Limits frame_limits() {
  Limits l = limits();
  l.frame_timeout = milliseconds(1000);
  l.max_queued_bytes = 1u << 16;
  return l;
}

struct Talk {
  V1Session client_session{kKey, role(v1::Role::client)};
  V1Session server_session{kKey, role(v1::Role::server)};
  SessionDriver client;
  SessionDriver server;
  Log server_log;
  std::vector<CloseCode> client_closes;
  EventSink client_sink() {
    return [this](const Event& e) {
      if (e.kind == EventKind::closed) client_closes.push_back(e.close_code);
    };
  }
  Talk(Limits client_limits, Limits server_limits)
      : client(client_session, client_limits, t0), server(server_session, server_limits, t0) {
    exchange(client, server, t0, client_sink(), server_log.sink());
  }
  std::vector<std::uint8_t> sealed(std::size_t size) {
    EXPECT_TRUE(client.send_data(text_bytes(std::string(size, 'x'))));
    return take_written(client, t0);
  }
  void give(std::span<const std::uint8_t> bytes, TimePoint at) { deliver(server, bytes, at, server_log.sink()); }
};

TEST(SessionDriver, AMessageNotCompleteWithinTheFrameTimeoutClosesWithIdleAndNotBefore) {
  Talk t(limits(), frame_limits());
  ASSERT_TRUE(t.server.established());
  EXPECT_EQ(t.server.deadline(), TimePoint::max());  // nothing arriving: no frame deadline
  auto frame = t.sealed(2000);
  t.give(std::span(frame).first(100), t0 + milliseconds(10));
  EXPECT_EQ(t.server.deadline(), t0 + milliseconds(1010));
  // A dribble keeps the peer from being idle, but does not move the frame's deadline.
  t.give(std::span(frame).subspan(100, 100), t0 + milliseconds(900));
  EXPECT_EQ(t.server.deadline(), t0 + milliseconds(1010));
  t.server.on_timer(t0 + milliseconds(1009));
  EXPECT_FALSE(t.server.ended());
  EXPECT_TRUE(t.server.wants_input());
  t.server.on_timer(t0 + milliseconds(1010));
  EXPECT_FALSE(t.server.wants_input());
  deliver(t.client, take_written(t.server, t0 + milliseconds(1010)), t0 + milliseconds(1010), t.client_sink());
  EXPECT_EQ(t.client_closes, std::vector<CloseCode>{CloseCode::idle});
  ASSERT_TRUE(t.server.ended());
  EXPECT_EQ(t.server.disconnect().failure, Failure::timeout);
  EXPECT_NE(t.server.disconnect().detail.find("200 bytes of a message had arrived"), std::string::npos)
      << t.server.disconnect().detail;
  EXPECT_NE(t.server.disconnect().detail.find("not complete within 1 s"), std::string::npos);
  EXPECT_TRUE(t.server_log.messages.empty());
}

TEST(SessionDriver, EachMessageHasItsOwnFrameDeadlineFromItsFirstByte) {
  Talk t(limits(), frame_limits());
  auto first = t.sealed(500);
  auto second = t.sealed(500);
  t.give(std::span(first).first(10), t0);
  EXPECT_EQ(t.server.deadline(), t0 + milliseconds(1000));
  // The first message completes and the second begins in the same read: its clock starts then.
  std::vector<std::uint8_t> piece(first.begin() + 10, first.end());
  piece.insert(piece.end(), second.begin(), second.begin() + 10);
  t.give(piece, t0 + milliseconds(900));
  EXPECT_EQ(t.server_log.messages.size(), 1u);
  EXPECT_EQ(t.server.deadline(), t0 + milliseconds(1900));
  t.server.on_timer(t0 + milliseconds(1000));
  EXPECT_FALSE(t.server.ended());
  t.give(std::span(second).subspan(10), t0 + milliseconds(1800));
  EXPECT_EQ(t.server_log.messages.size(), 2u);
  EXPECT_EQ(t.server.deadline(), TimePoint::max());  // nothing arriving any more
}

TEST(SessionDriver, AMessageArrivingCountsAgainstTheSameBoundAsTheQueue) {
  Limits server = frame_limits();
  server.max_queued_bytes = 4096;
  Limits client = limits();
  client.max_queued_bytes = 1u << 16;
  Talk t(client, server);
  // 2 x 1045 bytes wait for the client to read; 2,100 bytes of a message from it: 4,190 > 4,096.
  ASSERT_TRUE(t.server.send_data(text_bytes(std::string(1000, 'y'))));
  ASSERT_TRUE(t.server.send_data(text_bytes(std::string(1000, 'y'))));
  auto frame = t.sealed(3000);
  t.give(std::span(frame).first(2000), t0);
  EXPECT_TRUE(t.server.wants_input());  // 2,090 + 2,000 fit
  t.give(std::span(frame).subspan(2000, 100), t0);
  EXPECT_FALSE(t.server.wants_input());
  deliver(t.client, take_written(t.server, t0), t0, t.client_sink());
  EXPECT_EQ(t.client_closes, std::vector<CloseCode>{CloseCode::protocol});
  ASSERT_TRUE(t.server.ended());
  EXPECT_EQ(t.server.disconnect().failure, Failure::over_limit);
  EXPECT_NE(t.server.disconnect().detail.find("2100 received of a message not yet complete, 2090 waiting"),
            std::string::npos)
      << t.server.disconnect().detail;
}

TEST(SessionDriver, AMessageBeingReceivedLeavesLessRoomForTheQueue) {
  Limits server = frame_limits();
  server.max_queued_bytes = 4096;
  Limits client = limits();
  client.max_queued_bytes = 1u << 16;
  Talk t(client, server);
  auto frame = t.sealed(3000);
  t.give(std::span(frame).first(3000), t0);
  ASSERT_TRUE(t.server.send_data(text_bytes(std::string(1000, 'y'))));  // 3,000 + 1,045 fit
  EXPECT_FALSE(t.server.send_data(text_bytes(std::string(1000, 'y'))));
  ASSERT_TRUE(t.server.ended());
  EXPECT_EQ(t.server.disconnect().failure, Failure::over_limit);
  EXPECT_NE(t.server.disconnect().detail.find("and 3000 received of a message not yet complete"), std::string::npos)
      << t.server.disconnect().detail;
}

}  // namespace
}  // namespace intact::driver
