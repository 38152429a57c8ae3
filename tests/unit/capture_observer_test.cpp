// Specification of the passive observers (V1Observer, LegacyObserver): holding the
// key and both directions of a recorded connection, they report each frame or
// message with the core's verdict. The traffic is made by real V1Sessions and
// LegacySessions wired back to back; an "attacker" edits the recorded bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "capture/stream_observer.hpp"
#include "intact/key.hpp"
#include "intact/legacy.hpp"
#include "intact/v1_session.hpp"

namespace intact::capture {
namespace {

using Bytes = std::vector<std::uint8_t>;

const Key kKey = Key::from_hex("00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF");
const Key kOtherKey =
    Key::from_hex("FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100");

// What one direction of a connection carried, recorded as a capture would.
struct Recording {
  Bytes c2s;
  Bytes s2c;
  std::vector<std::size_t> c2s_frames;  // where each client frame after the handshake starts
};

void move_output(Session& from, Session& to, Bytes& record) {
  auto out = from.pending_output();
  record.insert(record.end(), out.begin(), out.end());
  to.feed(out);
  from.consume_output(out.size());
  while (to.poll()) {
  }
}

// A real handshake between two V1Sessions, then the client sends `lines` and closes.
Recording v1_conversation(const std::vector<std::string>& lines, bool client_closes = true) {
  V1Session::Options client_options;
  client_options.role = v1::Role::client;
  client_options.name = "alice";
  V1Session::Options server_options;
  server_options.role = v1::Role::server;
  server_options.name = "server";
  V1Session client(kKey, client_options);
  V1Session server(kKey, server_options);
  Recording r;
  for (int i = 0; i < 4 && !(client.established() && server.established()); ++i) {
    move_output(client, server, r.c2s);
    move_output(server, client, r.s2c);
  }
  EXPECT_TRUE(client.established() && server.established());
  server.send_notice("welcome");
  move_output(server, client, r.s2c);
  for (const auto& line : lines) {
    r.c2s_frames.push_back(r.c2s.size());
    client.send_data(text_bytes(line));
    move_output(client, server, r.c2s);
  }
  if (client_closes) {
    client.close();
    move_output(client, server, r.c2s);
    server.close();
    move_output(server, client, r.s2c);
  }
  return r;
}

// An Observation with its spans copied out.
struct Seen {
  Direction dir;
  EventKind kind;
  std::uint64_t seq;
  std::string text;  // verified payload, CONFIRM name, or bytes as captured
  std::string detail;
};

std::vector<Seen> drain(StreamObserver& o) {
  std::vector<Seen> seen;
  while (auto obs = o.poll()) {
    Seen s{obs->direction, obs->event.kind, obs->event.seq, {}, obs->event.detail};
    if (obs->event.kind == EventKind::established) s.text.assign(obs->event.sender);
    if (obs->event.kind == EventKind::message) s.text.assign(as_text(obs->event.payload));
    if (!obs->captured_payload.empty()) s.text.assign(as_text(obs->captured_payload));
    seen.push_back(std::move(s));
  }
  return seen;
}

// Feeds the two directions in `chunk`-byte pieces, alternating, then both EOFs.
std::vector<Seen> observe(StreamObserver& o, const Recording& r, std::size_t chunk = 1 << 20) {
  std::vector<Seen> all;
  std::size_t a = 0, b = 0;
  while (a < r.c2s.size() || b < r.s2c.size()) {
    if (a < r.c2s.size()) {
      std::size_t n = std::min(chunk, r.c2s.size() - a);
      o.feed(Direction::client_to_server, std::span(r.c2s).subspan(a, n));
      a += n;
      for (auto& s : drain(o)) all.push_back(s);
    }
    if (b < r.s2c.size()) {
      std::size_t n = std::min(chunk, r.s2c.size() - b);
      o.feed(Direction::server_to_client, std::span(r.s2c).subspan(b, n));
      b += n;
      for (auto& s : drain(o)) all.push_back(s);
    }
  }
  o.feed_eof(Direction::client_to_server);
  o.feed_eof(Direction::server_to_client);
  for (auto& s : drain(o)) all.push_back(s);
  return all;
}

std::vector<Seen> only(const std::vector<Seen>& all, Direction d) {
  std::vector<Seen> out;
  for (const auto& s : all)
    if (s.dir == d) out.push_back(s);
  return out;
}

std::string kinds(const std::vector<Seen>& seen) {
  std::string out;
  for (const auto& s : seen) {
    switch (s.kind) {
      case EventKind::established:
        out += "E";
        break;
      case EventKind::message:
        out += "M";
        break;
      case EventKind::integrity_failure:
        out += "I";
        break;
      case EventKind::replay:
        out += "R";
        break;
      case EventKind::gap:
        out += "G";
        break;
      case EventKind::closed:
        out += "C";
        break;
      case EventKind::truncated:
        out += "T";
        break;
      case EventKind::protocol_error:
        out += "P";
        break;
    }
  }
  return out;
}

TEST(V1Observer, AnHonestConversationIsConfirmedThenGenuineThenClosedInBothDirections) {
  auto r = v1_conversation({"one", "two | three"});
  V1Observer o(kKey);
  auto seen = observe(o, r);
  auto c2s = only(seen, Direction::client_to_server);
  auto s2c = only(seen, Direction::server_to_client);
  EXPECT_EQ(kinds(c2s), "EMMC");
  EXPECT_EQ(c2s[0].text, "alice");
  EXPECT_EQ(c2s[1].text, "one");
  EXPECT_EQ(c2s[1].seq, 1u);
  EXPECT_EQ(c2s[2].text, "two | three");
  EXPECT_EQ(c2s[2].seq, 2u);
  EXPECT_EQ(c2s[3].seq, 3u);
  EXPECT_EQ(kinds(s2c), "EMC");
  EXPECT_EQ(s2c[0].text, "server");
  EXPECT_EQ(s2c[1].text, "welcome");
}

TEST(V1Observer, ByteAtATimeFeedingGivesTheSameVerdicts) {
  auto r = v1_conversation({"one", "two"});
  V1Observer whole(kKey), bytewise(kKey);
  auto a = observe(whole, r);
  auto b = observe(bytewise, r, 1);
  ASSERT_EQ(kinds(only(a, Direction::client_to_server)),
            kinds(only(b, Direction::client_to_server)));
  ASSERT_EQ(kinds(only(a, Direction::server_to_client)),
            kinds(only(b, Direction::server_to_client)));
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = only(a, a[i].dir), y = only(b, a[i].dir);
    for (std::size_t k = 0; k < x.size(); ++k) EXPECT_EQ(x[k].text, y[k].text);
  }
}

TEST(V1Observer, AChangedPayloadByteIsModifiedAndShownAsCapturedWhileTheRestStaysGenuine) {
  auto r = v1_conversation({"one", "two", "three"});
  r.c2s[r.c2s_frames[1] + v1::kHeaderSize] ^= 0x20;  // "two" -> "Two"
  V1Observer o(kKey);
  auto c2s = only(observe(o, r), Direction::client_to_server);
  ASSERT_EQ(kinds(c2s), "EMIMC");
  EXPECT_EQ(c2s[2].seq, 2u);
  EXPECT_EQ(c2s[2].text, "Two");
  EXPECT_EQ(c2s[3].text, "three");
}

TEST(V1Observer, AChangedTagByteIsModified) {
  auto r = v1_conversation({"one", "two"});
  // "two" is 3 bytes: its tag starts right after it. Change tag bytes 0 and 5.
  r.c2s[r.c2s_frames[1] + v1::kHeaderSize + 3] ^= 0x01;
  r.c2s[r.c2s_frames[1] + v1::kHeaderSize + 3 + 5] ^= 0x80;
  V1Observer o(kKey);
  EXPECT_EQ(kinds(only(observe(o, r), Direction::client_to_server)), "EMIC");
}

TEST(V1Observer, AnAlteredLengthFieldIsModifiedAndNothingAfterItIsTakenForAMessage) {
  auto r = v1_conversation({"one", "two", "three"});
  r.c2s[r.c2s_frames[0] + 12] += 3;  // "one" claims 6 bytes: its tag no longer lines up
  V1Observer o(kKey);
  auto seen = observe(o, r);
  auto c2s = only(seen, Direction::client_to_server);
  ASSERT_GE(c2s.size(), 3u);
  EXPECT_EQ(c2s[1].kind, EventKind::integrity_failure);
  // What follows starts inside a tag (random bytes): almost always an unknown type or an
  // over-long length (malformed); a plausible header instead waits and ends truncated.
  // Either way nothing after the altered frame is taken for a message.
  EXPECT_TRUE(c2s.back().kind == EventKind::protocol_error ||
              c2s.back().kind == EventKind::truncated)
      << kinds(c2s);
  for (std::size_t i = 2; i < c2s.size(); ++i)
    EXPECT_NE(c2s[i].kind, EventKind::message) << kinds(c2s);
  EXPECT_EQ(kinds(only(seen, Direction::server_to_client)), "EMC");  // the other side is unaffected
}

TEST(V1Observer, AFrameSentTwiceIsReplayed) {
  auto r = v1_conversation({"one", "two", "three"});
  Bytes frame2(r.c2s.begin() + static_cast<std::ptrdiff_t>(r.c2s_frames[1]),
               r.c2s.begin() + static_cast<std::ptrdiff_t>(r.c2s_frames[2]));
  r.c2s.insert(r.c2s.begin() + static_cast<std::ptrdiff_t>(r.c2s_frames[2]), frame2.begin(),
               frame2.end());
  V1Observer o(kKey);
  auto c2s = only(observe(o, r), Direction::client_to_server);
  ASSERT_EQ(kinds(c2s), "EMMRMC");
  EXPECT_EQ(c2s[3].seq, 2u);
  EXPECT_EQ(c2s[3].text, "two");  // what was replayed, as captured
}

TEST(V1Observer, ADeletedFrameIsReportedMissingBeforeTheNextOneWhichIsGenuine) {
  auto r = v1_conversation({"one", "two", "three"});
  r.c2s.erase(r.c2s.begin() + static_cast<std::ptrdiff_t>(r.c2s_frames[1]),
              r.c2s.begin() + static_cast<std::ptrdiff_t>(r.c2s_frames[2]));
  V1Observer o(kKey);
  auto c2s = only(observe(o, r), Direction::client_to_server);
  ASSERT_EQ(kinds(c2s), "EMGMC");
  EXPECT_EQ(c2s[2].seq, 3u);
  EXPECT_EQ(c2s[3].text, "three");
}

TEST(V1Observer, AStreamEndingWithoutItsCloseIsTruncated) {
  auto r = v1_conversation({"one", "two"}, /*client_closes=*/false);
  V1Observer o(kKey);
  auto seen = observe(o, r);
  EXPECT_EQ(kinds(only(seen, Direction::client_to_server)), "EMMT");
  EXPECT_EQ(kinds(only(seen, Direction::server_to_client)), "EMT");
}

TEST(V1Observer, AStreamCutInsideAFrameIsTruncatedAndThePartialFrameIsNotShown) {
  auto r = v1_conversation({"one", "two"});
  r.c2s.resize(r.c2s_frames[1] + 20);
  V1Observer o(kKey);
  auto c2s = only(observe(o, r), Direction::client_to_server);
  ASSERT_EQ(kinds(c2s), "EMT");
  EXPECT_NE(c2s[2].detail.find("middle of a frame"), std::string::npos) << c2s[2].detail;
}

TEST(V1Observer, AnotherKeyFailsKeyConfirmationOnBothSidesAndNothingAfterItIsJudged) {
  auto r = v1_conversation({"one", "two"});
  V1Observer o(kOtherKey);
  auto seen = observe(o, r);
  EXPECT_EQ(kinds(only(seen, Direction::client_to_server)), "I");
  EXPECT_EQ(kinds(only(seen, Direction::server_to_client)), "I");
  EXPECT_NE(seen[0].detail.find("key confirmation failed"), std::string::npos);
}

// The observer uses the core's CONFIRM check, size guard included: a first
// frame claiming more than a CONFIRM holds is refused from its header alone.
TEST(V1Observer, AFirstFrameClaimingMoreThanAConfirmHoldsIsMalformedFromItsHeader) {
  auto r = v1_conversation({"one"});
  r.c2s.resize(v1::kHelloSize + v1::kHeaderSize);
  v1::encode_header({v1::FrameType::confirm, 0, 1000}, r.c2s.data() + v1::kHelloSize);
  V1Observer o(kKey);
  auto c2s = only(observe(o, r), Direction::client_to_server);
  ASSERT_EQ(kinds(c2s), "P");
  EXPECT_NE(c2s[0].detail.find("over the maximum of 96 for a CONFIRM frame"), std::string::npos)
      << c2s[0].detail;
}

TEST(V1Observer, AnAlteredNonceFailsKeyConfirmation) {
  auto r = v1_conversation({"one"});
  r.s2c[20] ^= 0x01;  // inside the server's nonce
  V1Observer o(kKey);
  auto seen = observe(o, r);
  EXPECT_EQ(kinds(seen), "II");
}

TEST(V1Observer, FirstBytesThatAreNoHelloAreMalformed) {
  Recording r;
  std::string lab = "hello|3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60";
  r.c2s.assign(lab.begin(), lab.end());
  V1Observer o(kKey);
  auto seen = observe(o, r);
  ASSERT_EQ(kinds(seen), "P");
  EXPECT_NE(seen[0].detail.find("not an intact v1 hello"), std::string::npos);
}

TEST(V1Observer, AConnectionEndingBeforeTheServerAnsweredIsTruncated) {
  auto r = v1_conversation({});
  r.s2c.clear();
  r.c2s.resize(v1::kHelloSize);
  V1Observer o(kKey);
  auto seen = observe(o, r);
  ASSERT_EQ(kinds(seen), "T");
  EXPECT_EQ(seen[0].dir, Direction::server_to_client);
}

TEST(V1Observer, AClientWhoseServerHelloNeverComesIsHeldForOneFrameNotItsWholeDirection) {
  auto r = v1_conversation({"one"});
  Bytes c2s(r.c2s.begin(), r.c2s.begin() + v1::kHelloSize);
  V1Observer o(kKey);
  o.feed(Direction::client_to_server, c2s);
  EXPECT_FALSE(o.poll());
  Bytes chunk(kMaxFeed, 0x42);
  std::vector<Observation> seen;
  for (int i = 0; i < 64 && seen.empty(); ++i) {  // up to 4 MiB, a chunk at a time
    o.feed(Direction::client_to_server, chunk);
    EXPECT_LE(o.held_bytes(), kMaxObserverHeldPerDirection + 2 * v1::kHelloSize);
    while (auto ob = o.poll()) seen.push_back(std::move(*ob));
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].over_limit);
  EXPECT_EQ(seen[0].direction, Direction::client_to_server);
  EXPECT_EQ(seen[0].event.kind, EventKind::protocol_error);
  EXPECT_EQ(seen[0].event.detail.rfind("not verified: over the limit: ", 0), 0u);
  EXPECT_EQ(o.held_bytes(), 0u);  // stopped: its bytes were let go
  o.feed(Direction::client_to_server, chunk);
  o.feed(Direction::server_to_client, r.s2c);
  EXPECT_FALSE(o.poll());
  EXPECT_EQ(o.held_bytes(), 0u);
}

TEST(V1Observer, AnHonestConversationFedInChunksHoldsAtMostOneFrameAndAChunkPerDirection) {
  std::vector<std::string> lines;
  for (int i = 0; i < 40; ++i) lines.push_back(std::string(100000, static_cast<char>('a' + i % 26)));
  auto r = v1_conversation(lines);
  V1Observer o(kKey);
  auto seen = observe(o, r, kMaxFeed);
  EXPECT_EQ(kinds(only(seen, Direction::client_to_server)), "E" + std::string(40, 'M') + "C");
  EXPECT_LE(o.held_bytes(), 2 * (100000 + v1::kFrameOverhead + kMaxFeed) + 2 * v1::kHelloSize);
}

// ---- the lab's format ----

Bytes lab_stream(const std::vector<std::string>& messages, const Key& key = kKey) {
  HmacSha256 mac(key.bytes());
  Bytes out;
  for (const auto& m : messages) legacy::encode(mac, text_bytes(m), out);
  return out;
}

TEST(LegacyObserver, MessagesAreGenuineAndNumberedPerDirectionAndTheEndIsUnauthenticated) {
  Recording r{lab_stream({"hi", "a | b"}), lab_stream({"back"}), {}};
  LegacyObserver o(kKey);
  auto seen = observe(o, r, 7);
  auto c2s = only(seen, Direction::client_to_server);
  ASSERT_EQ(kinds(c2s), "MMC");
  EXPECT_EQ(c2s[0].seq, 1u);
  EXPECT_EQ(c2s[0].text, "hi");
  EXPECT_EQ(c2s[1].seq, 2u);
  EXPECT_EQ(c2s[1].text, "a | b");
  auto s2c = only(seen, Direction::server_to_client);
  ASSERT_EQ(kinds(s2c), "MC");
  EXPECT_EQ(s2c[0].seq, 1u);
}

TEST(LegacyObserver, AChangedByteIsModifiedAndShownAsCaptured) {
  Recording r{lab_stream({"hi", "there", "again"}), {}, {}};
  r.c2s[67] ^= 0x20;  // "hi|" + 64 = 67 bytes: the first byte of "there"
  LegacyObserver o(kKey);
  auto c2s = only(observe(o, r, 5), Direction::client_to_server);
  ASSERT_EQ(kinds(c2s), "MIMC");
  EXPECT_EQ(c2s[1].seq, 2u);
  EXPECT_EQ(c2s[1].text, "There");
  EXPECT_EQ(c2s[2].text, "again");
}

TEST(LegacyObserver, AReplayedMessageStillVerifiesBecauseTheLabsFormatCannotTell) {
  Recording r{lab_stream({"pay 10", "pay 10"}), {}, {}};
  LegacyObserver o(kKey);
  EXPECT_EQ(kinds(only(observe(o, r), Direction::client_to_server)), "MMC");
}

TEST(LegacyObserver, AStreamEndingInsideAMessageIsTruncated) {
  Recording r{lab_stream({"whole"}), {}, {}};
  std::string partial = "cut|3F9A";
  r.c2s.insert(r.c2s.end(), partial.begin(), partial.end());
  LegacyObserver o(kKey);
  EXPECT_EQ(kinds(only(observe(o, r), Direction::client_to_server)), "MT");
}

}  // namespace
}  // namespace intact::capture
