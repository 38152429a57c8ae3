// Specification of the lab's wire format as intact speaks it (LegacySession,
// legacy::find_boundary): byte-for-byte compatibility with the lab's capture,
// a streaming decoder that copes with any split of the byte stream, a bounded
// buffer, and, documented as tests, the weaknesses the format keeps on purpose.
#include "intact/legacy.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "intact/failure.hpp"
#include "intact/hex.hpp"
#include "intact/v1_session.hpp"

namespace intact {
namespace {

using Bytes = std::vector<std::uint8_t>;

const char* kLabKey = "5D2E44719232EA78CD2B32";
const std::string kLabMessage = "NMP-B19DCAT141 server send";
const std::string kLabWire =
    "NMP-B19DCAT141 server send|3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60";

struct Seen {
  EventKind kind;
  std::string payload;
  std::string detail;
  Failure failure = Failure::none;
  bool operator==(const Seen&) const = default;
};

std::string describe(const std::vector<Seen>& events) {
  std::ostringstream os;
  for (const auto& e : events)
    os << static_cast<int>(e.kind) << "('" << e.payload.substr(0, 40) << "', " << e.detail << ") ";
  return os.str();
}

std::vector<Seen> drain(Session& s) {
  std::vector<Seen> out;
  for (int i = 0; i < 100000; ++i) {
    auto e = s.poll();
    if (!e) return out;
    out.push_back({e->kind, std::string(as_text(e->payload)), e->detail, e->failure});
  }
  ADD_FAILURE() << "poll() never returned nullopt";
  return out;
}

std::vector<Seen> deliver(Session& s, std::string_view bytes) {
  s.feed(text_bytes(bytes));
  return drain(s);
}

std::string take(Session& s) {
  std::string out(as_text(s.pending_output()));
  s.consume_output(out.size());
  return out;
}

std::string encoded(std::string_view key_hex, std::string_view message) {
  LegacySession s(Key::from_hex(key_hex));
  s.send_data(text_bytes(message));
  return take(s);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ---------------------------------------------------------------- the lab's vector

TEST(LegacyCodec, EncodesTheLabsCapturedMessageAsExactlyThe91BytesOnTheWire) {
  std::string wire = encoded(kLabKey, kLabMessage);
  EXPECT_EQ(wire.size(), 91u);
  EXPECT_EQ(wire, kLabWire);
}

TEST(LegacyCodec, TagHexIsTheLabsUpperCaseTag) {
  HmacSha256 mac(Key::from_hex(kLabKey).bytes());
  EXPECT_EQ(legacy::tag_hex(mac, text_bytes(kLabMessage)),
            "3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60");
}

TEST(LegacyCodec, TheLabsHashModuleExampleWithABarInsideTheMessage) {
  // Tag computed independently with Python: hmac.new(bytes.fromhex("5D2A7139232AD22B23"),
  // b"PYTHON | language", hashlib.sha256).hexdigest().upper()
  std::string wire = encoded("5D2A7139232AD22B23", "PYTHON | language");
  EXPECT_EQ(wire,
            "PYTHON | language|AA7E9518FBA44E83EC492A821B472BC0BE8C88FA756DB518998D83166B2028C5");
  LegacySession rx(Key::from_hex("5D2A7139232AD22B23"));
  auto events = deliver(rx, wire);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[0].payload, "PYTHON | language");
}

TEST(LegacyDecoder, DecodesTheLabsCapturedBytes) {
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, kLabWire);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[0].payload, kLabMessage);
}

TEST(LegacyDecoder, DecodesTheLabsMessageSplitAcrossTwoReadsAtEveryBytePosition) {
  for (std::size_t cut = 0; cut <= kLabWire.size(); ++cut) {
    LegacySession rx(Key::from_hex(kLabKey));
    auto first = deliver(rx, std::string_view(kLabWire).substr(0, cut));
    auto second = deliver(rx, std::string_view(kLabWire).substr(cut));
    auto& got = cut == kLabWire.size() ? first : second;
    EXPECT_TRUE((cut == kLabWire.size() ? second : first).empty()) << "cut " << cut;
    ASSERT_EQ(got.size(), 1u) << "cut " << cut << ": " << describe(got);
    EXPECT_EQ(got[0].kind, EventKind::message) << "cut " << cut;
    EXPECT_EQ(got[0].payload, kLabMessage) << "cut " << cut;
  }
}

TEST(LegacyDecoder, DecodesMessagesFedOneByteAtATime) {
  std::string wire = encoded(kLabKey, "a|b") + encoded(kLabKey, "x|0123456789ABCDEF y") + kLabWire;
  LegacySession rx(Key::from_hex(kLabKey));
  std::vector<Seen> events;
  for (char c : wire)
    for (auto& e : deliver(rx, std::string_view(&c, 1))) events.push_back(e);
  ASSERT_EQ(events.size(), 3u) << describe(events);
  EXPECT_EQ(events[0].payload, "a|b");
  EXPECT_EQ(events[1].payload, "x|0123456789ABCDEF y");
  EXPECT_EQ(events[2].payload, kLabMessage);
}

TEST(LegacyDecoder, DecodesSeveralMessagesArrivingInOneRead) {
  std::string wire = encoded(kLabKey, "one") + encoded(kLabKey, "two") + encoded(kLabKey, "three");
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, wire);
  ASSERT_EQ(events.size(), 3u) << describe(events);
  EXPECT_EQ(events[0].payload, "one");
  EXPECT_EQ(events[1].payload, "two");
  EXPECT_EQ(events[2].payload, "three");
}

TEST(LegacyDecoder, MessagesContainingBarsAndBarsFollowedByHexDigitsRoundTrip) {
  const std::vector<std::string> messages = {
      "|",
      "a|b",
      "||||",
      "x|DEADBEEF y",
      "cost|42|3F",
      "ends with a bar|",
      "|" + std::string(63, 'A'),  // one hex digit short of a tag
      "hex then bar: " + std::string(63, 'F') + "|",
      ""};
  for (const auto& m : messages) {
    std::string wire = encoded(kLabKey, m);
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
      LegacySession rx(Key::from_hex(kLabKey));
      auto events = deliver(rx, std::string_view(wire).substr(0, cut));
      for (auto& e : deliver(rx, std::string_view(wire).substr(cut))) events.push_back(e);
      ASSERT_EQ(events.size(), 1u) << "'" << m << "' cut " << cut << ": " << describe(events);
      EXPECT_EQ(events[0].kind, EventKind::message) << "'" << m << "' cut " << cut;
      EXPECT_EQ(events[0].payload, m) << "cut " << cut;
    }
  }
}

TEST(LegacyDecoder, AMessageWithABarFollowedBy64HexDigitsIsAmbiguousAndNeverDelivered) {
  // The format cannot tell this message's own "|<64 hex>" from a tag: the
  // decoder takes the first one, the tag check fails, nothing forged gets through.
  // (A lab program can send such bytes; intact's sender refuses to, below.)
  std::string m = "x|" + std::string(64, 'A') + " tail";
  HmacSha256 mac(Key::from_hex(kLabKey).bytes());
  std::vector<std::uint8_t> wire;
  legacy::encode(mac, text_bytes(m), wire);
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, std::string(as_text(wire)));
  ASSERT_FALSE(events.empty());
  for (const auto& e : events) EXPECT_EQ(e.kind, EventKind::integrity_failure) << describe(events);
}

TEST(LegacyEncoder, RefusesATextItsReceiverWouldCutAtABarFollowedBy64HexDigits) {
  LegacySession tx(Key::from_hex(kLabKey));
  std::string ambiguous = "x|" + std::string(64, 'a') + " tail";
  EXPECT_THROW(tx.send_data(text_bytes(ambiguous)), Error);
  EXPECT_EQ(tx.pending_output_size(), 0u);
  // A bar with fewer hex digits after it is fine, and arrives whole.
  std::string fine = "x|" + std::string(63, 'A') + " tail";
  tx.send_data(text_bytes(fine));
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, take(tx));
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].payload, fine);
}

TEST(LegacyDecoder, AcceptsALowerCaseHexTag) {
  std::string wire = kLabMessage + "|" + lower(kLabWire.substr(kLabMessage.size() + 1));
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, wire);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[0].payload, kLabMessage);
}

TEST(LegacyDecoder, AWrongKeyIsLostIntegrityWithTheLabsSentence) {
  LegacySession rx(Key::from_hex("5D2E44719232EA78CD2B33"));  // the lab's experiment
  auto events = deliver(rx, kLabWire + kLabWire);
  ASSERT_EQ(events.size(), 2u) << describe(events);
  for (const auto& e : events) {
    EXPECT_EQ(e.kind, EventKind::integrity_failure);
    EXPECT_EQ(e.detail, "The received message has lost its integrity.");
    EXPECT_EQ(e.payload, "");
  }
  EXPECT_FALSE(rx.finished());
}

TEST(LegacyDecoder, AChangedMessageByteOrTagDigitIsLostIntegrity) {
  for (std::size_t pos = 0; pos < kLabWire.size(); ++pos) {
    if (kLabWire[pos] == '|') continue;
    std::string wire = kLabWire;
    // A different character of the same class, so the framing stays intact.
    wire[pos] = pos > kLabMessage.size() ? (wire[pos] == '0' ? '1' : '0')
                                         : static_cast<char>(wire[pos] ^ 0x01);
    LegacySession rx(Key::from_hex(kLabKey));
    auto events = deliver(rx, wire);
    ASSERT_EQ(events.size(), 1u) << "pos " << pos << ": " << describe(events);
    EXPECT_EQ(events[0].kind, EventKind::integrity_failure) << "pos " << pos;
  }
}

TEST(LegacyDecoder, InputWithoutATagIsAProtocolErrorOnceOverTheBound) {
  const std::size_t max_message = 1000;
  const std::size_t chunk = 100;
  LegacySession rx(Key::from_hex(kLabKey), max_message);
  std::size_t fed = 0;
  std::vector<Seen> events;
  while (events.empty() && fed < 10 * max_message) {
    events = deliver(rx, std::string(chunk, 'a'));
    fed += chunk;
  }
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("no tag in"), std::string::npos) << events[0].detail;
  // Refused as soon as the buffer passes one maximal message and its tag, not later.
  EXPECT_GT(fed, max_message + 1 + legacy::kTagHexSize);
  EXPECT_LE(fed, max_message + 1 + legacy::kTagHexSize + chunk);
  EXPECT_TRUE(rx.finished());
  EXPECT_TRUE(deliver(rx, kLabWire).empty());
}

TEST(LegacyDecoder, TheDefaultBoundIs64KiBEvenWhenBarsAndHexKeepLookingLikeATag) {
  // "|" and 63 hex digits, then a non-hex byte: every '|' is a tag that almost arrives.
  std::string almost = "|" + std::string(63, 'A') + "x";
  LegacySession rx(Key::from_hex(kLabKey));
  std::size_t fed = 0;
  std::vector<Seen> events;
  while (events.empty() && fed < 4 * legacy::kMaxMessage) {
    events = deliver(rx, almost);
    fed += almost.size();
  }
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_LE(fed, legacy::kMaxMessage + 1 + legacy::kTagHexSize + almost.size());
}

TEST(LegacyDecoder, AMessageOfExactlyTheMaximumIsDeliveredEvenInPieces) {
  const std::size_t max_message = 1000;
  std::string m(max_message, 'm');
  LegacySession tx(Key::from_hex(kLabKey), max_message);
  tx.send_data(text_bytes(m));
  std::string wire = take(tx);
  LegacySession rx(Key::from_hex(kLabKey), max_message);
  std::vector<Seen> events;
  for (std::size_t at = 0; at < wire.size(); at += 7)
    for (auto& e : deliver(rx, std::string_view(wire).substr(at, 7))) events.push_back(e);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[0].payload, m);
  EXPECT_THROW(tx.send_data(text_bytes(m + "!")), Error);
}

TEST(LegacyDecoder, AnIntactV1HelloIsRefusedAsAFormatMismatch) {
  V1Session::Options o;
  o.role = v1::Role::client;
  V1Session client(Key::from_hex(kLabKey), o);
  LegacySession rx(Key::from_hex(kLabKey));
  rx.feed(client.pending_output());
  auto events = drain(rx);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_EQ(events[0].failure, Failure::format_mismatch);
  EXPECT_NE(events[0].detail.find("speaks intact v1"), std::string::npos);
}

TEST(LegacyDecoder, AV1ServersAnswerToLabBytesIsRecognisedAsV1) {
  // What a v1 server sends a lab-format peer before it closes: its hello's opening.
  V1Session::Options o;
  o.role = v1::Role::server;
  V1Session server(Key::from_hex(kLabKey), o);
  server.feed(text_bytes("hello|"));
  while (server.poll()) {
  }
  LegacySession rx(Key::from_hex(kLabKey));
  rx.feed(server.pending_output());
  auto e = rx.poll();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->failure, Failure::format_mismatch);
  EXPECT_EQ(e->peer_format, WireFormat::v1);  // the client turns it into "drop --legacy"
}

// Regression (found by the legacy fuzz target): the events must not depend
// on how TCP cut the stream. An intact hello followed by text that happened to
// end in a valid tag was refused when its first 7 bytes arrived alone, but
// decoded as a message when it all arrived in one read.
TEST(LegacyDecoder, AnIntactHelloIsRefusedTheSameWayWholeOrInPieces) {
  std::string message = std::string(
      "INTACT\x01"
      "C then some text",
      23);
  std::string wire = encoded(kLabKey, message);
  LegacySession whole(Key::from_hex(kLabKey));
  auto at_once = deliver(whole, wire);
  LegacySession pieces(Key::from_hex(kLabKey));
  auto first = deliver(pieces, std::string_view(wire).substr(0, 7));
  for (auto& e : deliver(pieces, std::string_view(wire).substr(7))) first.push_back(e);
  ASSERT_EQ(at_once.size(), 1u) << describe(at_once);
  EXPECT_EQ(at_once[0].kind, EventKind::protocol_error);
  EXPECT_TRUE(first == at_once) << describe(first);
}

// Regression: a message over the maximum was delivered when it arrived in one
// read, and refused ("no tag in N bytes") when it arrived in pieces.
TEST(LegacyDecoder, AMessageOverTheMaximumIsRefusedEvenWhenItArrivesInOneRead) {
  const std::size_t max_message = 100;
  LegacySession tx(Key::from_hex(kLabKey));
  tx.send_data(text_bytes(std::string(max_message + 1, 'm')));
  std::string wire = take(tx);
  LegacySession whole(Key::from_hex(kLabKey), max_message);
  auto events = deliver(whole, wire);
  ASSERT_EQ(events.size(), 1u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::protocol_error);
  EXPECT_NE(events[0].detail.find("over the 100-byte maximum"), std::string::npos)
      << events[0].detail;
  LegacySession pieces(Key::from_hex(kLabKey), max_message);
  std::vector<Seen> piecewise;
  for (std::size_t at = 0; at < wire.size(); at += 10)
    for (auto& e : deliver(pieces, std::string_view(wire).substr(at, 10))) piecewise.push_back(e);
  ASSERT_EQ(piecewise.size(), 1u) << describe(piecewise);
  EXPECT_EQ(piecewise[0].kind, EventKind::protocol_error);
}

TEST(LegacyEof, EofOnAnEmptyBufferIsClosedBecauseTheFormatHasNoClose) {
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, kLabWire);
  rx.feed_eof();
  for (auto& e : drain(rx)) events.push_back(e);
  ASSERT_EQ(events.size(), 2u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[1].kind, EventKind::closed);
  EXPECT_TRUE(rx.finished());
  EXPECT_TRUE(drain(rx).empty());
}

TEST(LegacyEof, EofInsideAMessageIsTruncated) {
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, kLabWire.substr(0, 50));
  EXPECT_TRUE(events.empty());
  rx.feed_eof();
  events = drain(rx);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::truncated);
  EXPECT_NE(events[0].detail.find("50 bytes without a tag"), std::string::npos) << events[0].detail;
}

TEST(LegacyEof, MessagesBufferedBeforeEofAreStillDeliveredFirst) {
  LegacySession rx(Key::from_hex(kLabKey));
  rx.feed(text_bytes(kLabWire + kLabWire));
  rx.feed_eof();
  auto events = drain(rx);
  ASSERT_EQ(events.size(), 3u) << describe(events);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[1].kind, EventKind::message);
  EXPECT_EQ(events[2].kind, EventKind::closed);
}

TEST(LegacyWeakness, AReplayedMessageVerifiesAgain) {
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, kLabWire + kLabWire + kLabWire);
  ASSERT_EQ(events.size(), 3u);
  for (const auto& e : events) EXPECT_EQ(e.kind, EventKind::message);
}

TEST(LegacyWeakness, ReorderedMessagesVerifyInTheirNewOrder) {
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, encoded(kLabKey, "second") + encoded(kLabKey, "first"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[0].payload, "second");
  EXPECT_EQ(events[1].payload, "first");
}

TEST(LegacyWeakness, AMessageReflectedBackToItsSenderVerifies) {
  LegacySession alice(Key::from_hex(kLabKey));
  alice.send_data(text_bytes("only for bob"));
  auto events = deliver(alice, take(alice));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[0].payload, "only for bob");
}

TEST(LegacyWeakness, ADeletedMessageLeavesNoTrace) {
  LegacySession rx(Key::from_hex(kLabKey));
  std::string wire = encoded(kLabKey, "one") + /* "two" deleted */ encoded(kLabKey, "three");
  auto events = deliver(rx, wire);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::message);
  EXPECT_EQ(events[1].kind, EventKind::message);
}

TEST(LegacySender, CarriesBytesOnlyANoticeIsItsTextAndASenderCannotBeCarried) {
  // How a chat room shows lines in this format is chat/chat_format.hpp's business.
  LegacySession tx(Key::from_hex(kLabKey));
  EXPECT_THROW(tx.send_chat("bob", "hi"), std::logic_error);
  EXPECT_EQ(tx.pending_output_size(), 0u);
  tx.send_notice("carol joined");
  LegacySession rx(Key::from_hex(kLabKey));
  auto events = deliver(rx, take(tx));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, "carol joined");
}

TEST(LegacySender, IsEstablishedAtOnceAndCloseSendsNothing) {
  LegacySession s(Key::from_hex(kLabKey));
  EXPECT_TRUE(s.established());
  EXPECT_EQ(s.format(), WireFormat::legacy);
  EXPECT_EQ(s.peer_name(), "");
  s.close(CloseCode::normal, "bye");
  EXPECT_EQ(s.pending_output_size(), 0u);
}

// ---------------------------------------------------------------- find_boundary (keyless)

TEST(LegacyBoundary, FindsTheFirstBarFollowedBy64HexDigits) {
  std::string wire = "a|b|" + std::string(64, 'c') + "rest";
  std::size_t bar = 99, scan = 0;
  EXPECT_EQ(legacy::find_boundary(text_bytes(wire), &bar, &scan), legacy::Boundary::found);
  EXPECT_EQ(bar, 3u);
  EXPECT_EQ(scan, 0u);
}

TEST(LegacyBoundary, NeedsMoreWhileTheHexAfterABarMayStillBeATag) {
  std::string part = "msg|" + std::string(40, 'E');
  std::size_t bar = 0, scan = 0;
  EXPECT_EQ(legacy::find_boundary(text_bytes(part), &bar, &scan), legacy::Boundary::need_more);
  EXPECT_EQ(scan, 3u) << "resumes at the bar that may start a tag";
  std::string whole = part + std::string(24, 'E');
  EXPECT_EQ(legacy::find_boundary(text_bytes(whole), &bar, &scan), legacy::Boundary::found);
  EXPECT_EQ(bar, 3u);
}

TEST(LegacyBoundary, SkipsPastTextWithoutABarSoScanningIsNotRepeated) {
  std::string text(500, 't');
  std::size_t bar = 0, scan = 0;
  EXPECT_EQ(legacy::find_boundary(text_bytes(text), &bar, &scan), legacy::Boundary::need_more);
  EXPECT_EQ(scan, text.size());
}

TEST(LegacyBoundary, ABarFollowedByANonHexByteIsPartOfTheMessage) {
  std::string wire = "x|Z" + std::string(64, 'a');
  std::size_t bar = 0, scan = 0;
  EXPECT_EQ(legacy::find_boundary(text_bytes(wire), &bar, &scan), legacy::Boundary::need_more);
  EXPECT_EQ(scan, wire.size());
}

}  // namespace
}  // namespace intact
