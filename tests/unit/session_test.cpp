// Specification of protocol v1's session (V1Session) and of what its receiver
// reports (docs/protocol.md sections 1-3). No sockets: two sessions are wired
// back to back by moving one's pending_output() into the other's feed(), and
// an attacker on the path is a test that edits those bytes in between.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "intact/failure.hpp"
#include "intact/frame.hpp"
#include "intact/hex.hpp"
#include "intact/testing.hpp"
#include "intact/v1_session.hpp"
#include "intact/wire_sniff.hpp"

namespace intact {
namespace {

using Bytes = std::vector<std::uint8_t>;

const char* kKeyHex = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";
const char* kOtherKeyHex = "FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100";

// An Event with its payload and sender copied out of the session's buffer
// (an Event's spans are only valid until the next feed()).
struct Seen {
  EventKind kind;
  MessageType type;
  std::uint64_t seq;
  std::uint64_t missing;
  std::string payload;
  std::string sender;
  std::string detail;
  Failure failure = Failure::none;
  CloseCode close_code = CloseCode::normal;
  std::optional<WireFormat> peer_format;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, EventKind k) {
  static const char* names[] = {"established", "message", "integrity_failure", "replay",
                                "gap",         "closed",  "truncated",         "protocol_error"};
  return os << names[static_cast<int>(k)];
}

std::string describe(const std::vector<Seen>& events) {
  std::string s;
  for (const auto& e : events) {
    std::ostringstream os;
    os << e.kind << "(seq " << e.seq << ", '" << e.payload.substr(0, 40) << "', " << e.detail
       << ") ";
    s += os.str();
  }
  return s;
}

std::vector<Seen> drain(Session& s) {
  std::vector<Seen> out;
  // A bound instead of `while (true)`: a session that never stops emitting is a bug to report.
  for (int i = 0; i < 100000; ++i) {
    auto e = s.poll();
    if (!e) return out;
    out.push_back({e->kind, e->type, e->seq, e->missing, std::string(as_text(e->payload)),
                   std::string(e->sender), e->detail, e->failure, e->close_code, e->peer_format});
  }
  ADD_FAILURE() << "poll() never returned nullopt";
  return out;
}

Bytes take(Session& s) {
  Bytes b(s.pending_output().begin(), s.pending_output().end());
  s.consume_output(b.size());
  return b;
}

std::vector<Seen> deliver(Session& to, std::span<const std::uint8_t> bytes) {
  to.feed(bytes);
  return drain(to);
}

std::vector<Seen> deliver(Session& to, std::string_view text) {
  return deliver(to, text_bytes(text));
}

std::array<std::uint8_t, v1::kNonceSize> nonce_of(std::uint8_t fill) {
  std::array<std::uint8_t, v1::kNonceSize> n{};
  n.fill(fill);
  return n;
}

V1Session::Options client_options(std::string name = "alice") {
  V1Session::Options o;
  o.role = v1::Role::client;
  o.name = std::move(name);
  return o;
}

V1Session::Options server_options(std::string name = "server") {
  V1Session::Options o;
  o.role = v1::Role::server;
  o.name = std::move(name);
  return o;
}

// A client and a server; handshake() runs the exchange to its end and keeps every event.
struct Pair {
  explicit Pair(const char* client_key = kKeyHex, const char* server_key = kKeyHex,
                V1Session::Options co = client_options(), V1Session::Options so = server_options(),
                std::optional<testing::Nonce> client_nonce = {},
                std::optional<testing::Nonce> server_nonce = {})
      : client(testing::v1_session_with_fixed_nonce(Key::from_hex(client_key), std::move(co), client_nonce)),
        server(testing::v1_session_with_fixed_nonce(Key::from_hex(server_key), std::move(so), server_nonce)) {}

  void handshake() {
    for (int round = 0; round < 8; ++round) {
      auto c2s = take(client);
      auto s2c = take(server);
      if (c2s.empty() && s2c.empty()) return;
      for (auto& e : deliver(server, c2s)) server_events.push_back(e);
      for (auto& e : deliver(client, s2c)) client_events.push_back(e);
    }
  }

  V1Session client;
  V1Session server;
  std::vector<Seen> client_events;
  std::vector<Seen> server_events;
};

// An established pair; the test then plays the network between client and server.
struct Established : Pair {
  explicit Established(V1Session::Options so = server_options())
      : Pair(kKeyHex, kKeyHex, client_options(), std::move(so)) {
    handshake();
    EXPECT_TRUE(client.established());
    EXPECT_TRUE(server.established());
  }
  Bytes data_frame(std::string_view text) {
    client.send_data(text_bytes(text));
    return take(client);
  }
};

bool any_message_with(const std::vector<Seen>& events, std::string_view payload) {
  for (const auto& e : events)
    if (e.kind == EventKind::message && e.payload == payload) return true;
  return false;
}

// ---------------------------------------------------------------- handshake

TEST(V1Handshake, ClientAndServerEstablishAndEachLearnsThePeersName) {
  Pair p;
  p.handshake();
  ASSERT_EQ(p.client_events.size(), 1u) << describe(p.client_events);
  ASSERT_EQ(p.server_events.size(), 1u) << describe(p.server_events);
  EXPECT_EQ(p.client_events[0].kind, EventKind::established);
  EXPECT_EQ(p.server_events[0].kind, EventKind::established);
  EXPECT_EQ(p.client.peer_name(), "server");
  EXPECT_EQ(p.server.peer_name(), "alice");
  EXPECT_FALSE(p.client.finished());
  EXPECT_FALSE(p.server.finished());
}

TEST(V1Handshake, EachSideDropsThePreSharedKeyOnceItsKeysAreDerived) {
  Pair p;
  EXPECT_TRUE(p.client.holds_psk());
  EXPECT_TRUE(p.server.holds_psk());
  // The server derives its keys from the client's hello; the client from the server's.
  deliver(p.server, take(p.client));
  EXPECT_FALSE(p.server.holds_psk());
  EXPECT_TRUE(p.client.holds_psk());
  deliver(p.client, take(p.server));
  EXPECT_FALSE(p.client.holds_psk());
  p.handshake();
  ASSERT_TRUE(p.client.established());
  ASSERT_TRUE(p.server.established());
  EXPECT_FALSE(p.client.holds_psk());
  EXPECT_FALSE(p.server.holds_psk());
}

TEST(V1Handshake, AFailedHandshakeDropsThePreSharedKeyToo) {
  V1Session client(Key::from_hex(kKeyHex), client_options());
  client.feed(text_bytes("not an intact hello at all, but long enough to judge"));
  auto e = client.poll();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, EventKind::protocol_error);
  EXPECT_FALSE(client.holds_psk());
}

TEST(V1Handshake, ClientSendsItsHelloAtOnceAndServerWaitsForIt) {
  Pair p;
  EXPECT_EQ(p.client.pending_output_size(), v1::kHelloSize);
  EXPECT_EQ(p.server.pending_output_size(), 0u);
  auto hello = take(p.client);
  EXPECT_TRUE(std::equal(v1::kMagic.begin(), v1::kMagic.end(), hello.begin()));
  EXPECT_EQ(hello[6], v1::kVersion);
  EXPECT_EQ(hello[7], 'C');
}

TEST(V1Handshake, EveryConnectionUsesFreshNonces) {
  Pair a, b;
  EXPECT_NE(take(a.client), take(b.client));
}

TEST(V1Handshake, DifferentKeysFailKeyConfirmationOnBothSidesAndNothingIsDelivered) {
  Pair p(kKeyHex, kOtherKeyHex);
  p.handshake();
  ASSERT_FALSE(p.client_events.empty());
  ASSERT_FALSE(p.server_events.empty());
  EXPECT_EQ(p.client_events.back().kind, EventKind::protocol_error);
  EXPECT_NE(p.client_events.back().detail.find("key confirmation failed"), std::string::npos)
      << p.client_events.back().detail;
  EXPECT_EQ(p.server_events.back().kind, EventKind::protocol_error);
  EXPECT_NE(p.server_events.back().detail.find("key confirmation failed"), std::string::npos)
      << p.server_events.back().detail;
  EXPECT_FALSE(p.client.established());
  EXPECT_FALSE(p.server.established());
  EXPECT_TRUE(p.client.finished());
  EXPECT_TRUE(p.server.finished());
  // The failure is the one and only event on each side: no established, no message.
  EXPECT_EQ(p.client_events.size(), 1u) << describe(p.client_events);
  EXPECT_EQ(p.server_events.size(), 1u) << describe(p.server_events);
  EXPECT_THROW(p.client.send_data(text_bytes("secret")), std::logic_error);

  // A client with the wrong key that keeps talking (frames sealed under its
  // own key, seq 1) gets nothing delivered either.
  auto other_key = Key::from_hex(kOtherKeyHex);
  FrameSealer forged(other_key.bytes());
  Bytes frames;
  forged.seal(v1::FrameType::confirm, text_bytes("x"), frames);
  forged.seal(v1::FrameType::data, text_bytes("let me in"), frames);
  auto later = deliver(p.server, frames);
  p.server.feed_eof();
  for (auto& e : drain(p.server)) later.push_back(e);
  EXPECT_TRUE(later.empty()) << describe(later);
}

TEST(V1Handshake, AlteredServerNonceFailsKeyConfirmationOnBothSides) {
  Pair p;
  auto client_hello = take(p.client);
  deliver(p.server, client_hello);
  auto server_flight = take(p.server);  // ServerHello, then the server's CONFIRM
  server_flight[8 + 5] ^= 0x20;         // one bit of the server's nonce
  auto ce = deliver(p.client, server_flight);
  ASSERT_EQ(ce.size(), 1u) << describe(ce);
  EXPECT_EQ(ce[0].kind, EventKind::protocol_error);
  EXPECT_NE(ce[0].detail.find("key confirmation failed"), std::string::npos);
  auto se = deliver(p.server, take(p.client));  // the client's CONFIRM went out first
  ASSERT_EQ(se.size(), 1u) << describe(se);
  EXPECT_EQ(se[0].kind, EventKind::protocol_error);
  EXPECT_NE(se[0].detail.find("key confirmation failed"), std::string::npos);
}

TEST(V1Handshake, ClientRefusesItsOwnReflectedHello) {
  Pair p;
  auto hello = take(p.client);
  auto events = deliver(p.client, hello);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("reflected"), std::string::npos) << events[0].detail;
  EXPECT_TRUE(p.client.finished());
}

TEST(V1Handshake, ServerRefusesAServersHello) {
  Pair p;
  deliver(p.server, take(p.client));
  auto server_hello = take(p.server);
  server_hello.resize(v1::kHelloSize);
  V1Session other(Key::from_hex(kKeyHex), server_options());
  auto events = deliver(other, server_hello);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("reflected"), std::string::npos) << events[0].detail;
}

TEST(V1Handshake, WrongRoleIsRefusedAsSoonAsTheRoleByteArrives) {
  V1Session server(Key::from_hex(kKeyHex), server_options());
  const std::uint8_t prefix[] = {'I', 'N', 'T', 'A', 'C', 'T', 0x01, 'S'};
  auto events = deliver(server, prefix);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
}

TEST(V1Handshake, AnotherProtocolVersionIsRefusedNamingThatVersion) {
  V1Session server(Key::from_hex(kKeyHex), server_options());
  Bytes hello;
  v1::encode_hello({v1::Role::client, 2, nonce_of(0x11)}, hello);
  auto events = deliver(server, hello);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("the peer speaks intact protocol version 2"), std::string::npos)
      << events[0].detail;
  // No ServerHello for a refused hello: only the opening of one (magic, version 1),
  // so the peer can tell that it reached an intact v1 server.
  const std::uint8_t opening[] = {'I', 'N', 'T', 'A', 'C', 'T', 0x01};
  auto answer = server.pending_output();
  EXPECT_EQ(Bytes(answer.begin(), answer.end()), Bytes(std::begin(opening), std::end(opening)));
  EXPECT_FALSE(events[0].peer_format.has_value()) << "another version is not the lab's format";
}

TEST(V1Handshake, LabFormatMessageIsRefusedFromItsFirstBytesAsAFormatMismatch) {
  V1Session server(Key::from_hex(kKeyHex), server_options());
  auto events = deliver(server, "NMP");  // the start of "NMP-B19DCAT141 server send|3F9A..."
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("does not speak intact v1"), std::string::npos);
  EXPECT_EQ(events[0].failure, Failure::format_mismatch);  // the CLI turns it into "add --legacy"
  EXPECT_EQ(events[0].peer_format, WireFormat::legacy);
  EXPECT_TRUE(server.finished());
  EXPECT_TRUE(deliver(server, "-B19DCAT141 server send|3F9A").empty());
  // The server answers with the opening of its hello, which a lab-format peer's
  // sniffer (the one rule) recognises as v1, before it closes.
  auto answer = server.pending_output();
  ASSERT_EQ(answer.size(), v1::kMagic.size() + 1);
  EXPECT_EQ(sniff_wire_format(answer), WireSniff::v1);
  EXPECT_EQ(answer[6], v1::kVersion);
}

TEST(V1Handshake, AClientAnsweredInTheLabsFormatSaysTheServerDoesNotSpeakV1) {
  V1Session client(Key::from_hex(kKeyHex), client_options());
  take(client);  // its hello
  auto events = deliver(client, "hello|");
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].failure, Failure::format_mismatch);
  EXPECT_EQ(events[0].peer_format, WireFormat::legacy);
  EXPECT_NE(events[0].detail.find("the server does not speak intact v1"), std::string::npos) << events[0].detail;
  EXPECT_EQ(client.pending_output_size(), 0u) << "a client answers nothing: its hello said it all";
}

TEST(V1Handshake, AClientWhoseServerClosesBeforeAnyByteSaysItWasRefusedOrNotIntact) {
  V1Session client(Key::from_hex(kKeyHex), client_options());
  take(client);
  client.feed_eof();
  auto events = drain(client);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].failure, Failure::refused);
  EXPECT_EQ(events[0].detail,
            "the server closed the connection before the handshake (refused, or not an intact server)");
}

TEST(V1Handshake, GarbageFirstByteIsRefusedAtOnce) {
  V1Session client(Key::from_hex(kKeyHex), client_options());
  const std::uint8_t garbage[] = {0x16};  // a TLS record, say
  auto events = deliver(client, garbage);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
}

TEST(V1Handshake, EofBeforeAnyHelloIsAProtocolError) {
  V1Session server(Key::from_hex(kKeyHex), server_options());
  server.feed_eof();
  auto events = drain(server);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("before the handshake finished"), std::string::npos);
  EXPECT_TRUE(server.finished());
}

TEST(V1Handshake, EofInsideTheHelloIsAProtocolError) {
  Pair p;
  auto hello = take(p.client);
  hello.resize(20);
  p.server.feed(hello);
  EXPECT_TRUE(drain(p.server).empty()) << "20 bytes of a hello: wait for the rest";
  p.server.feed_eof();
  auto events = drain(p.server);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
}

TEST(V1Handshake, EofAfterTheServerHelloWithoutConfirmIsAProtocolErrorHintingAtTheKey) {
  Pair p;
  deliver(p.server, take(p.client));
  auto flight = take(p.server);
  flight.resize(v1::kHelloSize);  // the CONFIRM never comes: the peer hung up
  EXPECT_TRUE(deliver(p.client, flight).empty());
  p.client.feed_eof();
  auto events = drain(p.client);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("during the handshake"), std::string::npos) << events[0].detail;
  EXPECT_NE(events[0].detail.find("different key"), std::string::npos) << events[0].detail;
}

TEST(V1Handshake, EofInsideTheConfirmFrameIsAProtocolError) {
  Pair p;
  deliver(p.server, take(p.client));
  auto flight = take(p.server);
  flight.resize(v1::kHelloSize + 20);
  EXPECT_TRUE(deliver(p.client, flight).empty());
  p.client.feed_eof();
  auto events = drain(p.client);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("in the middle of the handshake"), std::string::npos);
}

TEST(V1Handshake, ADataFrameInPlaceOfTheConfirmIsRefused) {
  // Both sides use fixed nonces, so the test can seal frames under the real direction key.
  V1Session client =
      testing::v1_session_with_fixed_nonce(Key::from_hex(kKeyHex), client_options(), nonce_of(0xC0));
  Bytes server_hello;
  v1::encode_hello({v1::Role::server, v1::kVersion, nonce_of(0x50)}, server_hello);
  auto keys = v1::derive_keys(Key::from_hex(kKeyHex).bytes(), nonce_of(0xC0), nonce_of(0x50));
  FrameSealer s2c(keys.server_to_client.bytes());
  Bytes flight = server_hello;
  s2c.seal(v1::FrameType::data, text_bytes("no confirm"), flight);
  auto events = deliver(client, flight);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("CONFIRM"), std::string::npos) << events[0].detail;
  EXPECT_FALSE(client.established());
}

// A server flight sealed under the right server-to-client key, with a CONFIRM
// whose fields the test chooses: the client must check more than the tag.
std::vector<Seen> client_sees_confirm(v1::FrameType type, std::uint64_t seq,
                                      std::span<const std::uint8_t> transcript,
                                      std::string_view name) {
  V1Session client =
      testing::v1_session_with_fixed_nonce(Key::from_hex(kKeyHex), client_options(), nonce_of(0xC0));
  Bytes server_hello;
  v1::encode_hello({v1::Role::server, v1::kVersion, nonce_of(0x50)}, server_hello);
  auto keys = v1::derive_keys(Key::from_hex(kKeyHex).bytes(), nonce_of(0xC0), nonce_of(0x50));
  HmacSha256 mac(keys.server_to_client.bytes());
  Bytes payload(transcript.begin(), transcript.end());
  payload.insert(payload.end(), name.begin(), name.end());
  Bytes frame(v1::kHeaderSize);
  v1::encode_header({type, seq, static_cast<std::uint32_t>(payload.size())}, frame.data());
  frame.insert(frame.end(), payload.begin(), payload.end());
  Tag tag = mac.compute(frame);
  frame.insert(frame.end(), tag.begin(), tag.end());
  Bytes flight = server_hello;
  flight.insert(flight.end(), frame.begin(), frame.end());
  return deliver(client, flight);
}

Digest transcript_of_fixed_hellos() {
  Bytes ch, sh;
  v1::encode_hello({v1::Role::client, v1::kVersion, nonce_of(0xC0)}, ch);
  v1::encode_hello({v1::Role::server, v1::kVersion, nonce_of(0x50)}, sh);
  return v1::transcript_hash(ch, sh);
}

TEST(V1Handshake, AConfirmWithAValidTagAndTheRightFieldsEstablishes) {
  // The control for the three tests below: only the field each one changes is wrong there.
  Digest th = transcript_of_fixed_hellos();
  auto events = client_sees_confirm(v1::FrameType::confirm, 0, th, "server");
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::established);
}

TEST(V1Handshake, AConfirmWithAValidTagOverAnotherTranscriptIsRefused) {
  Digest th = transcript_of_fixed_hellos();
  th[7] ^= 0x01;
  auto events = client_sees_confirm(v1::FrameType::confirm, 0, th, "server");
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("does not match the hellos"), std::string::npos)
      << events[0].detail;
}

TEST(V1Handshake, AConfirmWithASequenceNumberOtherThanZeroIsRefused) {
  Digest th = transcript_of_fixed_hellos();
  auto events = client_sees_confirm(v1::FrameType::confirm, 1, th, "server");
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
}

TEST(V1Handshake, AConfirmCarryingANameOver64BytesIsRefused) {
  Digest th = transcript_of_fixed_hellos();
  auto events = client_sees_confirm(v1::FrameType::confirm, 0, th, std::string(65, 'n'));
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  auto ok = client_sees_confirm(v1::FrameType::confirm, 0, th, std::string(64, 'n'));
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].kind, EventKind::established);
}

// Regression: before the keys are confirmed only a CONFIRM (at most 32 + 64
// bytes) can come, yet a peer that never showed it holds the key could make the
// session buffer a whole 1 MiB frame. The claim is now refused from the header.
TEST(V1Handshake, AFirstFrameClaimingMoreThanAConfirmCanHoldIsRefusedFromItsHeader) {
  for (std::uint32_t length : {97u, 1u << 20}) {  // up to the frame maximum
    auto co = client_options();
    V1Session client(Key::from_hex(kKeyHex), co);
    Bytes flight;
    v1::encode_hello({v1::Role::server, v1::kVersion, nonce_of(0x50)}, flight);
    flight.resize(flight.size() + v1::kHeaderSize);
    v1::encode_header({v1::FrameType::confirm, 0, length}, flight.data() + v1::kHelloSize);
    auto events = deliver(client, flight);  // the header alone
    ASSERT_EQ(events.size(), 1u) << length << ": " << describe(events);
    EXPECT_EQ(events[0].kind, EventKind::protocol_error);
    EXPECT_NE(events[0].detail.find("a frame claims " + std::to_string(length) +
                                    " bytes, over the maximum of 96 for a CONFIRM frame"),
              std::string::npos)
        << events[0].detail;
  }
  V1Session client(Key::from_hex(kKeyHex), client_options());
  Bytes flight;
  v1::encode_hello({v1::Role::server, v1::kVersion, nonce_of(0x50)}, flight);
  flight.resize(flight.size() + v1::kHeaderSize);
  v1::encode_header({v1::FrameType::confirm, 0, 96}, flight.data() + v1::kHelloSize);
  EXPECT_TRUE(deliver(client, flight).empty()) << "96 bytes fit a CONFIRM: wait for them";

  // Over the frame maximum, the handshake reports it in the spec's words.
  V1Session other(Key::from_hex(kKeyHex), client_options());
  v1::encode_header({v1::FrameType::confirm, 0, 0xFFFFFFFFu}, flight.data() + v1::kHelloSize);
  auto events = deliver(other, flight);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].detail,
            "handshake failed: a frame claims 4294967295 bytes, over the maximum of 1048576");
}

TEST(V1Handshake, ANameOver64BytesIsRefusedAsAUsageError) {
  try {
    V1Session s(Key::from_hex(kKeyHex), client_options(std::string(65, 'n')));
    FAIL() << "a 65-byte name was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::usage);
  }
  V1Session ok(Key::from_hex(kKeyHex), client_options(std::string(64, 'n')));
}

TEST(V1Handshake, SendingBeforeTheHandshakeThrowsLogicError) {
  Pair p;
  EXPECT_THROW(p.client.send_data(text_bytes("early")), std::logic_error);
  EXPECT_THROW(p.client.send_chat("bob", "early"), std::logic_error);
  EXPECT_THROW(p.server.send_notice("early"), std::logic_error);
  p.client.close(CloseCode::normal, "early");  // a close before the handshake has nothing to close: ignored
  EXPECT_EQ(p.client.pending_output_size(), v1::kHelloSize);
}

// ---------------------------------------------------------------- tampering

// What docs/protocol.md section 2-3 says one flipped bit at `pos` of a DATA
// frame must produce: a header that still looks like a frame is lost
// integrity; an unknown type or an over-maximum length is a protocol error.
struct Expectation {
  EventKind kind;
  std::string detail_part;
};

Expectation expected_for_flip(const Bytes& frame, std::size_t pos, int bit) {
  Bytes t = frame;
  t[pos] ^= static_cast<std::uint8_t>(1u << bit);
  v1::FrameHeader h = v1::decode_header(t.data());
  if (!v1::is_known_frame_type(t[0])) return {EventKind::protocol_error, "unknown frame type"};
  if (h.length > v1::kMaxPayload) return {EventKind::protocol_error, "over the maximum of 1048576"};
  return {EventKind::integrity_failure, std::string(kLostIntegrity)};
}

TEST(V1Tampering, EveryFlippedBitOfADataFrameIsCaughtAndItsPayloadNeverDelivered) {
  const std::string secret = "transfer 100 EUR";  // 16 bytes
  int integrity = 0, protocol = 0;
  for (std::size_t pos = 0; pos < v1::kFrameOverhead + secret.size(); ++pos) {
    for (int bit = 0; bit < 8; ++bit) {
      Established link;
      Bytes frame = link.data_frame(secret);
      ASSERT_EQ(frame.size(), v1::kFrameOverhead + secret.size());
      Expectation want = expected_for_flip(frame, pos, bit);
      Bytes wire = frame;
      wire[pos] ^= static_cast<std::uint8_t>(1u << bit);
      // What follows on the wire: the next message, and enough filler for a
      // frame whose length grew to be complete.
      Bytes next = link.data_frame("next");
      v1::FrameHeader h = v1::decode_header(wire.data());
      wire.insert(wire.end(), next.begin(), next.end());
      if (h.length > secret.size() && h.length <= v1::kMaxPayload) {
        Bytes filler = link.data_frame(std::string(h.length, 'x'));
        wire.insert(wire.end(), filler.begin(), filler.end());
      }
      auto events = deliver(link.server, wire);
      link.server.feed_eof();
      for (auto& e : drain(link.server)) events.push_back(e);

      SCOPED_TRACE("byte " + std::to_string(pos) + " bit " + std::to_string(bit) + ": " +
                   describe(events));
      ASSERT_FALSE(events.empty());
      EXPECT_EQ(events[0].kind, want.kind);
      EXPECT_NE(events[0].detail.find(want.detail_part), std::string::npos) << events[0].detail;
      EXPECT_FALSE(any_message_with(events, secret));
      (want.kind == EventKind::integrity_failure ? integrity : protocol)++;

      const bool length_changed = pos >= 9 && pos < v1::kHeaderSize;
      if (want.kind == EventKind::integrity_failure && !length_changed) {
        // The stream stayed in step: the next frame is delivered, with no gap
        // (the failed frame was reported already and is not counted again).
        ASSERT_GE(events.size(), 2u);
        EXPECT_EQ(events[1].kind, EventKind::message);
        EXPECT_EQ(events[1].payload, "next");
        EXPECT_EQ(events[1].seq, 2u);
      }
      if (want.kind == EventKind::protocol_error) {
        EXPECT_EQ(events.size(), 1u) << "nothing after a protocol error";
        EXPECT_TRUE(link.server.finished());
      }
    }
  }
  // Sanity of the table itself: 7 type bits and the high length bits are protocol errors.
  EXPECT_EQ(protocol, 7 + 8 + 1 + 3);
  EXPECT_EQ(integrity, 61 * 8 - protocol);
}

TEST(V1Tampering, ADataFrameRetypedAsCloseIsLostIntegrityNotAClose) {
  Established link;
  Bytes frame = link.data_frame("keep going");
  frame[0] = static_cast<std::uint8_t>(v1::FrameType::close);
  auto events = deliver(link.server, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::integrity_failure);
  EXPECT_FALSE(link.server.finished());
}

TEST(V1Tampering, AReplayedFrameIsReportedAndDropped) {
  Established link;
  Bytes first = link.data_frame("pay 5");
  auto e1 = deliver(link.server, first);
  ASSERT_EQ(e1.size(), 1u);
  EXPECT_EQ(e1[0].kind, EventKind::message);
  auto e2 = deliver(link.server, first);
  ASSERT_EQ(e2.size(), 1u) << describe(e2);
  EXPECT_EQ(e2[0].kind, EventKind::replay);
  EXPECT_EQ(e2[0].seq, 1u);
  EXPECT_NE(e2[0].detail.find("older than a frame already received (replayed, duplicated or reordered)"),
            std::string::npos);
  auto e3 = deliver(link.server, link.data_frame("after"));
  ASSERT_EQ(e3.size(), 1u);
  EXPECT_EQ(e3[0].kind, EventKind::message);
  EXPECT_EQ(e3[0].payload, "after");
}

TEST(V1Tampering, AnOlderFrameDeliveredAfterANewerOneIsAReplay) {
  Established link;
  Bytes f1 = link.data_frame("one");
  Bytes f2 = link.data_frame("two");
  Bytes wire = f2;
  wire.insert(wire.end(), f1.begin(), f1.end());
  auto events = deliver(link.server, wire);
  ASSERT_EQ(events.size(), 3u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::gap);
  EXPECT_EQ(events[1].kind, EventKind::message);
  EXPECT_EQ(events[1].payload, "two");
  EXPECT_EQ(events[2].kind, EventKind::replay);
  EXPECT_EQ(events[2].seq, 1u);
}

TEST(V1Tampering, ADroppedFrameIsAGapOfOneAndTheNextMessageIsStillDelivered) {
  Established link;
  Bytes f1 = link.data_frame("one");
  link.data_frame("two (deleted on the way)");
  Bytes f3 = link.data_frame("three");
  auto e1 = deliver(link.server, f1);
  auto e3 = deliver(link.server, f3);
  ASSERT_EQ(e3.size(), 2u) << describe(e3);
  EXPECT_EQ(e3[0].kind, EventKind::gap);
  EXPECT_EQ(e3[0].missing, 1u);
  EXPECT_EQ(e3[0].seq, 3u);
  EXPECT_NE(e3[0].detail.find("1 message is missing"), std::string::npos) << e3[0].detail;
  EXPECT_EQ(e3[1].kind, EventKind::message);
  EXPECT_EQ(e3[1].payload, "three");
}

TEST(V1Tampering, SeveralDroppedFramesAreCountedInOneGap) {
  Established link;
  for (int i = 0; i < 4; ++i) link.data_frame("deleted");
  auto events = deliver(link.server, link.data_frame("survivor"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::gap);
  EXPECT_EQ(events[0].missing, 4u);
  EXPECT_NE(events[0].detail.find("4 messages are missing"), std::string::npos);
  EXPECT_EQ(events[1].payload, "survivor");
}

TEST(V1Tampering, AGapOverAFrameAlreadyReportedAsLostIntegrityCountsOnlyTheUnseen) {
  Established link;
  Bytes f1 = link.data_frame("one");
  f1.back() ^= 1;
  link.data_frame("two (deleted)");
  Bytes f3 = link.data_frame("three");
  Bytes wire = f1;
  wire.insert(wire.end(), f3.begin(), f3.end());
  auto events = deliver(link.server, wire);
  ASSERT_EQ(events.size(), 3u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::integrity_failure);
  EXPECT_EQ(events[1].kind, EventKind::gap);
  EXPECT_EQ(events[1].missing, 1u);
  EXPECT_EQ(events[2].payload, "three");
}

TEST(V1Tampering, AFrameReflectedBackToItsSenderFailsVerification) {
  Established link;
  Bytes frame = link.data_frame("to the server");
  auto events = deliver(link.client, frame);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::integrity_failure);
  EXPECT_EQ(events[0].detail, kLostIntegrity);
}

TEST(V1Tampering, AFrameRecordedFromAnotherConnectionFailsVerification) {
  Established earlier;
  Bytes recorded = earlier.data_frame("pay 5");
  Established now;
  auto events = deliver(now.server, recorded);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::integrity_failure);
}

TEST(V1Tampering, AStreamCutBeforeTheCloseFrameIsReportedAsTruncated) {
  Established link;
  deliver(link.server, link.data_frame("last words"));
  link.server.feed_eof();
  auto events = drain(link.server);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::truncated);
  EXPECT_NE(events[0].detail.find("without an authenticated close"), std::string::npos);
  EXPECT_TRUE(link.server.finished());
  EXPECT_TRUE(drain(link.server).empty());
}

TEST(V1Tampering, AStreamCutInsideAFrameIsTruncatedAndThePartialFrameNotDelivered) {
  Established link;
  Bytes frame = link.data_frame("half of this");
  frame.resize(frame.size() - 10);
  EXPECT_TRUE(deliver(link.server, frame).empty());
  link.server.feed_eof();
  auto events = drain(link.server);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::truncated);
  EXPECT_NE(events[0].detail.find("in the middle of a frame"), std::string::npos);
}

TEST(V1Tampering, ACleanCloseIsClosedWithItsReasonAndNoTruncation) {
  Established link;
  link.client.send_data(text_bytes("bye"));
  link.client.close(CloseCode::normal, "done for today");
  EXPECT_TRUE(link.client.close_sent());
  auto events = deliver(link.server, take(link.client));
  link.server.feed_eof();
  for (auto& e : drain(link.server)) events.push_back(e);
  ASSERT_EQ(events.size(), 2u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[1].kind, EventKind::closed);
  EXPECT_EQ(events[1].detail, "done for today");
  EXPECT_EQ(events[1].close_code, CloseCode::normal);
  EXPECT_TRUE(link.server.finished());
  EXPECT_THROW(link.client.send_data(text_bytes("after close")), std::logic_error);
}

TEST(V1Tampering, ACloseReasonIsCutTo256Bytes) {
  Established link;
  link.client.close(CloseCode::normal, std::string(300, 'r'));
  auto events = deliver(link.server, take(link.client));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].detail.size(), 256u);
}

TEST(V1Tampering, ACloseReasonIsCutOnACharacterBoundary) {
  Established link;
  link.client.close(CloseCode::normal, std::string(255, 'r') + "\xC3\xA9");  // U+00E9 at bytes 255-256
  auto events = deliver(link.server, take(link.client));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].detail, std::string(255, 'r'));
}

TEST(V1Tampering, NothingAfterTheCloseIsDelivered) {
  Established link;
  link.client.close();
  Bytes close = take(link.client);
  // A frame appended after the close (the attacker would need the key, but
  // even a valid one from the same sealer must not count): use a replay.
  Bytes wire = close;
  wire.insert(wire.end(), close.begin(), close.end());
  auto events = deliver(link.server, wire);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::closed);
}

// Regression: a session that can give no further event kept appending what
// was fed to it, so a peer streaming after its CLOSE (or after being refused)
// grew the buffer for as long as the caller kept reading.
TEST(V1Tampering, AFinishedSessionDoesNotBufferWhatIsFedAfterwards) {
  Established link;
  link.client.close();
  auto events = deliver(link.server, take(link.client));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::closed);
  Bytes junk(64 * 1024, 'j');
  for (int i = 0; i < 16; ++i) EXPECT_TRUE(deliver(link.server, junk).empty());
  EXPECT_EQ(link.server.input().size(), 0u);

  V1Session refused(Key::from_hex(kKeyHex), server_options());
  ASSERT_EQ(deliver(refused, "GET / HTTP/1.1").size(), 1u);
  for (int i = 0; i < 16; ++i) EXPECT_TRUE(deliver(refused, junk).empty());
  EXPECT_LE(refused.input().size(), 14u);
}

TEST(V1Strict, StopsAtTheFirstIntegrityFailureWithAProtocolError) {
  auto so = server_options();
  so.strict = true;
  Established link(so);
  Bytes f1 = link.data_frame("one");
  f1[v1::kHeaderSize] ^= 0x04;
  Bytes f2 = link.data_frame("two");
  Bytes wire = f1;
  wire.insert(wire.end(), f2.begin(), f2.end());
  auto events = deliver(link.server, wire);
  ASSERT_EQ(events.size(), 2u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::integrity_failure);
  EXPECT_EQ(events[1].kind, EventKind::protocol_error);
  EXPECT_EQ(events[1].failure, Failure::integrity);
  EXPECT_NE(events[1].detail.find("strict mode"), std::string::npos);
  EXPECT_TRUE(link.server.finished());
  link.server.feed_eof();
  EXPECT_TRUE(drain(link.server).empty());
}

TEST(V1Strict, StopsAtAReplay) {
  auto so = server_options();
  so.strict = true;
  Established link(so);
  Bytes f1 = link.data_frame("one");
  Bytes wire = f1;
  wire.insert(wire.end(), f1.begin(), f1.end());
  auto events = deliver(link.server, wire);
  ASSERT_EQ(events.size(), 3u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[1].kind, EventKind::replay);
  EXPECT_EQ(events[2].kind, EventKind::protocol_error);
}

TEST(V1Strict, StopsAtAGapWithoutDeliveringTheFrameAfterIt) {
  auto so = server_options();
  so.strict = true;
  Established link(so);
  link.data_frame("deleted");
  auto events = deliver(link.server, link.data_frame("after the gap"));
  ASSERT_EQ(events.size(), 2u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::gap);
  EXPECT_EQ(events[1].kind, EventKind::protocol_error);
  EXPECT_FALSE(any_message_with(events, "after the gap"));
}

// ---------------------------------------------------------------- payloads

TEST(V1Messages, PayloadsWithBarsUtf8AndEmptyRoundTrip) {
  Established link;
  const std::vector<std::string> messages = {
      "hello | world",
      "|",
      "a|3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60",
      "Gr\xC3\xBC\xC3\x9F"
      "e \xE2\x9C\x93 \xF0\x9F\x94\x92 \xE6\x97\xA5\xE6\x9C\xAC",
      "",
      std::string("nul\0inside", 10)};
  for (const auto& m : messages) link.client.send_data(text_bytes(m));
  auto events = deliver(link.server, take(link.client));
  ASSERT_EQ(events.size(), messages.size()) << describe(events);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(events[i].kind, EventKind::message);
    EXPECT_EQ(events[i].type, MessageType::data);
    EXPECT_EQ(events[i].payload, messages[i]);
    EXPECT_EQ(events[i].seq, i + 1);
  }
}

TEST(V1Messages, ExactlyMaxPayloadRoundTripsAndOneMoreIsRefusedBySender) {
  Established link;
  std::string big(link.client.max_payload(), '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
  link.client.send_data(text_bytes(big));
  auto events = deliver(link.server, take(link.client));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_TRUE(events[0].payload == big);

  big.push_back('!');
  try {
    link.client.send_data(text_bytes(big));
    FAIL() << "max_payload + 1 bytes were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("over the maximum of 1048576"), std::string::npos);
  }
  EXPECT_EQ(link.client.pending_output_size(), 0u);
  // The refused message used no sequence number: the next one arrives without a gap.
  auto after = deliver(link.server, link.data_frame("after"));
  ASSERT_EQ(after.size(), 1u) << describe(after);
  EXPECT_EQ(after[0].kind, EventKind::message);
}

TEST(V1Messages, ASmallerConfiguredMaximumIsEnforcedOnBothSides) {
  auto so = server_options();
  so.max_payload = 100;
  Established link(so);
  EXPECT_EQ(link.server.max_payload(), 100u);
  EXPECT_THROW(link.server.send_data(Bytes(101, 'a')), Error);
  auto events = deliver(link.server, link.data_frame(std::string(101, 'a')));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("a frame claims 101 bytes, over the maximum of 100"),
            std::string::npos)
      << events[0].detail;
}

TEST(V1Messages, AHeaderClaiming4GiBIsRefusedFromTheHeaderAlone) {
  Established link;
  std::uint8_t header[v1::kHeaderSize];
  v1::encode_header({v1::FrameType::data, 1, 0xFFFFFFFFu}, header);
  auto events = deliver(link.server, header);  // only 13 bytes: nothing to wait for
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_EQ(events[0].detail, "a frame claims 4294967295 bytes, over the maximum of 1048576");
  EXPECT_TRUE(link.server.finished());
}

TEST(V1Messages, AnUnknownFrameTypeIsAProtocolError) {
  Established link;
  Bytes frame = link.data_frame("x");
  frame[0] = 0x7F;
  auto events = deliver(link.server, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("unknown frame type 0x7F"), std::string::npos);
}

TEST(V1Messages, ChatFramesCarryTheRelayedSenderAndNoticesTheirType) {
  Established link;
  link.server.send_chat("bob", "hi | all");
  link.server.send_notice("carol joined");
  link.server.send_data(text_bytes("plain"));
  link.server.send_chat(std::string(70, 'n'), "long name");  // names are cut to 64 bytes
  auto events = deliver(link.client, take(link.server));
  ASSERT_EQ(events.size(), 4u) << describe(events);
  EXPECT_EQ(events[0].type, MessageType::chat);
  EXPECT_EQ(events[0].sender, "bob");
  EXPECT_EQ(events[0].payload, "hi | all");
  EXPECT_EQ(events[1].type, MessageType::notice);
  EXPECT_EQ(events[1].payload, "carol joined");
  EXPECT_EQ(events[1].sender, "");
  EXPECT_EQ(events[2].type, MessageType::data);
  EXPECT_EQ(events[3].type, MessageType::chat);
  EXPECT_EQ(events[3].sender, std::string(64, 'n'));
  EXPECT_EQ(events[3].payload, "long name");
}

// With fixed nonces on both sides the test knows the direction keys and can
// seal frames a correct peer would never send: they verify, and must still be refused.
struct Forger {
  Forger() {
    pair.emplace(kKeyHex, kKeyHex, client_options(), server_options(), nonce_of(0xC1), nonce_of(0x51));
    pair->handshake();
    auto keys = v1::derive_keys(Key::from_hex(kKeyHex).bytes(), nonce_of(0xC1), nonce_of(0x51));
    c2s.emplace(keys.client_to_server.bytes());
    Bytes skip;
    c2s->seal(v1::FrameType::confirm, {}, skip);  // seq 0 was the handshake's CONFIRM
  }
  std::optional<Pair> pair;
  std::optional<FrameSealer> c2s;
};

TEST(V1Messages, FixedTestNoncesStillGiveAWorkingSession) {
  Forger f;
  ASSERT_TRUE(f.pair->server.established());
  Bytes frame;
  f.c2s->seal(v1::FrameType::data, text_bytes("sealed by the test"), frame);
  auto events = deliver(f.pair->server, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, "sealed by the test");
}

TEST(V1Messages, AConfirmFrameAfterTheHandshakeIsAProtocolError) {
  Forger f;
  Bytes frame;
  f.c2s->seal(v1::FrameType::confirm, text_bytes("again"), frame);
  auto events = deliver(f.pair->server, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("CONFIRM"), std::string::npos);
}

// A CLOSE payload: u8 code, then the reason's text (0..256 bytes).
Bytes close_payload(std::uint8_t code, std::string_view text) {
  Bytes p{code};
  p.insert(p.end(), text.begin(), text.end());
  return p;
}

TEST(V1Messages, ACloseFrameWithAReasonOver256BytesIsAProtocolErrorNotAClose) {
  Forger f;
  Bytes frame;
  f.c2s->seal(v1::FrameType::close, close_payload(0x00, std::string(257, 'r')), frame);
  auto events = deliver(f.pair->server, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_EQ(events[0].failure, Failure::protocol);
  EXPECT_NE(events[0].detail.find("over the maximum of 256"), std::string::npos) << events[0].detail;
  EXPECT_TRUE(f.pair->server.finished());
}

TEST(V1Messages, ACloseFrameWithAReasonOfExactly256BytesIsAClose) {
  Forger f;
  Bytes frame;
  f.c2s->seal(v1::FrameType::close, close_payload(0x02, std::string(256, 'r')), frame);
  auto events = deliver(f.pair->server, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::closed);
  EXPECT_EQ(events[0].close_code, CloseCode::kicked);
  EXPECT_EQ(events[0].detail.size(), 256u);
}

TEST(V1Messages, ACloseFrameWithoutItsCodeIsAProtocolErrorNotAClose) {
  Forger f;
  Bytes frame;
  f.c2s->seal(v1::FrameType::close, {}, frame);
  auto events = deliver(f.pair->server, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_EQ(events[0].failure, Failure::protocol);
  EXPECT_NE(events[0].detail.find("without its reason code"), std::string::npos) << events[0].detail;
  EXPECT_TRUE(f.pair->server.finished());
}

TEST(V1Messages, ACloseWithAnUnknownCodeStillEndsTheDirectionButIsNoNormalClose) {
  Forger f;
  Bytes frame;
  f.c2s->seal(v1::FrameType::close, close_payload(0x2A, "from the future"), frame);
  auto events = deliver(f.pair->server, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::closed);
  EXPECT_EQ(events[0].close_code, CloseCode::unknown);
  EXPECT_EQ(events[0].detail, "from the future");
  EXPECT_EQ(close_failure(events[0].close_code), Failure::protocol);
  EXPECT_TRUE(f.pair->server.finished());
}

TEST(V1Messages, EveryCloseCodeTravelsAsItsByteWithItsText) {
  const CloseCode codes[] = {CloseCode::normal, CloseCode::shutdown, CloseCode::kicked,
                             CloseCode::idle,   CloseCode::refused,  CloseCode::strict,
                             CloseCode::integrity, CloseCode::protocol};
  std::uint8_t expected_byte = 0;
  for (CloseCode code : codes) {
    Established link;
    link.server.close(code, "why");
    Bytes wire = take(link.server);
    ASSERT_EQ(wire.size(), v1::kFrameOverhead + 4);
    EXPECT_EQ(wire[v1::kHeaderSize], expected_byte++) << close_code_name(code);
    auto events = deliver(link.client, wire);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, EventKind::closed);
    EXPECT_EQ(events[0].close_code, code) << close_code_name(code);
    EXPECT_EQ(events[0].detail, "why");
  }
}

TEST(V1Messages, TheCloseCodeDecidesWhatTheCloseMeans) {
  EXPECT_EQ(close_failure(CloseCode::normal), Failure::none);
  EXPECT_EQ(close_failure(CloseCode::shutdown), Failure::none);
  EXPECT_EQ(close_failure(CloseCode::kicked), Failure::refused);
  EXPECT_EQ(close_failure(CloseCode::refused), Failure::refused);
  EXPECT_EQ(close_failure(CloseCode::idle), Failure::timeout);
  EXPECT_EQ(close_failure(CloseCode::strict), Failure::integrity);
  EXPECT_EQ(close_failure(CloseCode::integrity), Failure::integrity);
  EXPECT_EQ(close_failure(CloseCode::protocol), Failure::protocol);
  EXPECT_EQ(close_code_for(Failure::integrity), CloseCode::integrity);
  EXPECT_EQ(close_code_for(Failure::replay), CloseCode::strict);
  EXPECT_EQ(close_code_for(Failure::gap), CloseCode::strict);
  EXPECT_EQ(close_code_for(Failure::protocol), CloseCode::protocol);
  EXPECT_EQ(close_code_from_byte(0x07), CloseCode::protocol);
  EXPECT_EQ(close_code_from_byte(0x08), CloseCode::unknown);
  EXPECT_EQ(close_code_from_byte(0xFF), CloseCode::unknown);
  Bytes out;
  EXPECT_THROW(v1::encode_close(CloseCode::unknown, "", out), std::logic_error);
}

TEST(V1Messages, AChatFrameWithAMalformedSenderFieldIsAProtocolError) {
  Forger f;
  Bytes frame;
  const std::uint8_t bad[] = {10, 'b', 'o'};  // claims a 10-byte name, has 2
  f.c2s->seal(v1::FrameType::chat, bad, frame);
  auto events = deliver(f.pair->server, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("CHAT"), std::string::npos);
}

TEST(V1Messages, AValidFrameAtTheLastSequenceNumberIsAcceptedAndNothingAfterIt) {
  Forger f;
  // Two frames sealed under the right key with seq near the top, by hand.
  auto keys = v1::derive_keys(Key::from_hex(kKeyHex).bytes(), nonce_of(0xC1), nonce_of(0x51));
  HmacSha256 mac(keys.client_to_server.bytes());
  auto frame_at = [&](std::uint64_t seq, std::string_view text) {
    Bytes out(v1::kHeaderSize);
    v1::encode_header({v1::FrameType::data, seq, static_cast<std::uint32_t>(text.size())},
                      out.data());
    out.insert(out.end(), text.begin(), text.end());
    Tag t = mac.compute(out);
    out.insert(out.end(), t.begin(), t.end());
    return out;
  };
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  auto events = deliver(f.pair->server, frame_at(top, "last"));
  ASSERT_EQ(events.size(), 2u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::gap);
  EXPECT_EQ(events[0].missing, top - 1);
  EXPECT_EQ(events[1].payload, "last");
  auto again = deliver(f.pair->server, frame_at(top, "last"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].kind, EventKind::replay);
}

TEST(SessionOutput, ConsumeAndTakeHandOutEveryByteOnceInOrder) {
  Established link;
  link.client.send_data(text_bytes("first"));
  link.client.send_data(text_bytes("second"));
  Bytes expected(link.client.pending_output().begin(), link.client.pending_output().end());
  Bytes got;
  // A synchronous writer that managed 10 bytes, then an asynchronous one taking the rest.
  got.insert(got.end(), link.client.pending_output().begin(),
             link.client.pending_output().begin() + 10);
  link.client.consume_output(10);
  EXPECT_EQ(link.client.pending_output_size(), expected.size() - 10);
  Bytes in_flight;
  link.client.take_output(in_flight);
  got.insert(got.end(), in_flight.begin(), in_flight.end());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(link.client.pending_output_size(), 0u);
  // The session keeps sealing into a fresh buffer while the taken one is in flight.
  link.client.send_data(text_bytes("third"));
  got.insert(got.end(), link.client.pending_output().begin(), link.client.pending_output().end());
  link.client.consume_output(link.client.pending_output_size());
  auto events = deliver(link.server, got);
  ASSERT_EQ(events.size(), 3u) << describe(events);
  EXPECT_EQ(events[0].payload, "first");
  EXPECT_EQ(events[1].payload, "second");
  EXPECT_EQ(events[2].payload, "third");
}

TEST(V1Streaming, FeedingOneByteAtATimeGivesTheSameEventsAsFeedingAllAtOnce) {
  // A whole client->server stream, recorded: hello, CONFIRM, messages, a
  // replay, a tampered frame, a deleted frame, and the close. Fixed nonces let
  // fresh servers replay the recording.
  auto so = server_options();
  Pair p(kKeyHex, kKeyHex, client_options(), so, nonce_of(0xC2), nonce_of(0x52));
  Bytes stream;
  auto record = [&](const Bytes& b) { stream.insert(stream.end(), b.begin(), b.end()); };
  for (int round = 0; round < 8; ++round) {
    auto c2s = take(p.client);
    auto s2c = take(p.server);
    if (c2s.empty() && s2c.empty()) break;
    record(c2s);
    deliver(p.server, c2s);
    deliver(p.client, s2c);
  }
  ASSERT_TRUE(p.client.established());
  p.client.send_data(text_bytes("one"));
  p.client.send_chat("bob", "two");
  record(take(p.client));
  p.client.send_notice("three");
  Bytes three = take(p.client);
  record(three);
  record(three);
  p.client.send_data(text_bytes("four"));
  Bytes four = take(p.client);
  four[v1::kHeaderSize + 1] ^= 0x40;
  record(four);
  p.client.send_data(text_bytes("five"));
  take(p.client);  // deleted on the way
  p.client.send_data(text_bytes(std::string(3000, 's')));
  p.client.close(CloseCode::normal, "bye");
  record(take(p.client));

  V1Session all = testing::v1_session_with_fixed_nonce(Key::from_hex(kKeyHex), so, nonce_of(0x52));
  auto at_once = deliver(all, stream);
  all.feed_eof();
  for (auto& e : drain(all)) at_once.push_back(e);

  V1Session bytewise = testing::v1_session_with_fixed_nonce(Key::from_hex(kKeyHex), so, nonce_of(0x52));
  std::vector<Seen> one_by_one;
  for (std::uint8_t b : stream) {
    for (auto& e : deliver(bytewise, std::span<const std::uint8_t>(&b, 1))) one_by_one.push_back(e);
  }
  bytewise.feed_eof();
  for (auto& e : drain(bytewise)) one_by_one.push_back(e);

  const std::vector<EventKind> want = {
      EventKind::established, EventKind::message, EventKind::message,
      EventKind::message,     EventKind::replay,  EventKind::integrity_failure,
      EventKind::gap,         EventKind::message, EventKind::closed};
  ASSERT_EQ(at_once.size(), want.size()) << describe(at_once);
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(at_once[i].kind, want[i]) << i;
  EXPECT_EQ(at_once[2].sender, "bob");
  EXPECT_EQ(at_once[6].missing, 1u);
  EXPECT_EQ(at_once[7].payload, std::string(3000, 's'));
  EXPECT_EQ(at_once[8].detail, "bye");
  ASSERT_EQ(one_by_one.size(), at_once.size()) << describe(one_by_one);
  for (std::size_t i = 0; i < at_once.size(); ++i) EXPECT_TRUE(one_by_one[i] == at_once[i]) << i;
}

}  // namespace
}  // namespace intact
