// Specification of protocol v1's building blocks (docs/protocol.md sections 1-2):
// hello and header codecs, the key schedule, CHAT payloads, InputBuffer,
// FrameSealer, FrameReceiver's lower level, and the keyless FrameSplitter.
#include "intact/frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "intact/failure.hpp"
#include "intact/hex.hpp"

namespace intact {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes key_bytes(std::uint8_t fill) { return Bytes(32, fill); }

Bytes hello_bytes(v1::Role role, std::uint8_t nonce_fill = 0xAB) {
  v1::Hello h;
  h.role = role;
  h.nonce.fill(nonce_fill);
  Bytes out;
  v1::encode_hello(h, out);
  return out;
}

// ---------------------------------------------------------------- hello

TEST(V1Hello, EncodesMagicVersionRoleAndNonceIn40Bytes) {
  Bytes h = hello_bytes(v1::Role::server, 0x5A);
  ASSERT_EQ(h.size(), 40u);
  EXPECT_EQ(to_hex_upper(std::span(h).first(8)), "494E544143540153");
  for (std::size_t i = 8; i < 40; ++i) EXPECT_EQ(h[i], 0x5A);
}

TEST(V1Hello, CheckAcceptsAWholeHelloOfTheExpectedRoleAndReturnsItsNonce) {
  Bytes h = hello_bytes(v1::Role::client, 0x33);
  v1::Hello out;
  EXPECT_EQ(v1::check_hello(h, v1::Role::client, &out), v1::HelloCheck::ok);
  EXPECT_EQ(out.role, v1::Role::client);
  EXPECT_EQ(out.version, 1);
  EXPECT_EQ(out.nonce[0], 0x33);
  EXPECT_EQ(out.nonce[31], 0x33);
}

TEST(V1Hello, CheckNeedsMoreForEveryProperPrefixOfAValidHello) {
  Bytes h = hello_bytes(v1::Role::client);
  for (std::size_t n = 0; n < h.size(); ++n)
    EXPECT_EQ(v1::check_hello(std::span(h).first(n), v1::Role::client, nullptr),
              v1::HelloCheck::need_more)
        << n;
}

TEST(V1Hello, CheckRefusesAWrongMagicFromItsFirstDifferingByte) {
  const std::uint8_t tls[] = {0x16};
  EXPECT_EQ(v1::check_hello(tls, v1::Role::client, nullptr), v1::HelloCheck::not_intact);
  const std::uint8_t almost[] = {'I', 'N', 'T', 'A', 'C', 'X'};
  EXPECT_EQ(v1::check_hello(almost, v1::Role::client, nullptr), v1::HelloCheck::not_intact);
  const std::uint8_t lower[] = {'i', 'n'};
  EXPECT_EQ(v1::check_hello(lower, v1::Role::client, nullptr), v1::HelloCheck::not_intact);
}

TEST(V1Hello, CheckRefusesAnotherVersionAndTheWrongRoleBeforeTheNonceArrives) {
  Bytes h = hello_bytes(v1::Role::client);
  h[6] = 2;
  EXPECT_EQ(v1::check_hello(std::span(h).first(7), v1::Role::client, nullptr),
            v1::HelloCheck::bad_version);
  Bytes s = hello_bytes(v1::Role::server);
  EXPECT_EQ(v1::check_hello(std::span(s).first(8), v1::Role::client, nullptr),
            v1::HelloCheck::bad_role);
  EXPECT_EQ(v1::check_hello(s, v1::Role::server, nullptr), v1::HelloCheck::ok);
}

// ---------------------------------------------------------------- header

TEST(V1Header, EncodesBigEndianAndDecodesBack) {
  std::uint8_t buf[v1::kHeaderSize];
  v1::encode_header({v1::FrameType::chat, 0x0102030405060708ull, 0x0A0B0C0Du}, buf);
  EXPECT_EQ(to_hex_upper(buf), "0401020304050607080A0B0C0D");
  auto h = v1::decode_header(buf);
  EXPECT_EQ(h.type, v1::FrameType::chat);
  EXPECT_EQ(h.seq, 0x0102030405060708ull);
  EXPECT_EQ(h.length, 0x0A0B0C0Du);
}

TEST(V1Header, DecodeKeepsAnUnknownTypeAsSent) {
  std::uint8_t buf[v1::kHeaderSize] = {0xEE};
  EXPECT_EQ(static_cast<int>(v1::decode_header(buf).type), 0xEE);
  EXPECT_FALSE(v1::is_known_frame_type(0xEE));
  EXPECT_FALSE(v1::is_known_frame_type(0x00));
  EXPECT_FALSE(v1::is_known_frame_type(0x06));
  for (int t = 1; t <= 5; ++t) EXPECT_TRUE(v1::is_known_frame_type(static_cast<std::uint8_t>(t)));
}

TEST(V1Header, FrameTypesHaveTheirSpecNames) {
  EXPECT_EQ(v1::frame_type_name(v1::FrameType::confirm), "CONFIRM");
  EXPECT_EQ(v1::frame_type_name(v1::FrameType::data), "DATA");
  EXPECT_EQ(v1::frame_type_name(v1::FrameType::close), "CLOSE");
  EXPECT_EQ(v1::frame_type_name(v1::FrameType::chat), "CHAT");
  EXPECT_EQ(v1::frame_type_name(v1::FrameType::notice), "NOTICE");
}

// ---------------------------------------------------------------- key schedule

TEST(V1KeySchedule, EachDirectionHasItsOwnKeyAndEveryNonceChangesBoth) {
  Bytes psk = key_bytes(0x11);
  Bytes cn(32, 0xC0), sn(32, 0x50);
  auto k = v1::derive_keys(psk, cn, sn);
  // Copies of the derived bytes, to compare (a SecretBytes has no operator==).
  auto c2s = [](const v1::DirectionKeys& d) { return Bytes(d.client_to_server.bytes().begin(), d.client_to_server.bytes().end()); };
  auto s2c = [](const v1::DirectionKeys& d) { return Bytes(d.server_to_client.bytes().begin(), d.server_to_client.bytes().end()); };
  EXPECT_EQ(k.client_to_server.size(), 32u);
  EXPECT_EQ(k.server_to_client.size(), 32u);
  EXPECT_NE(c2s(k), s2c(k));
  EXPECT_EQ(c2s(v1::derive_keys(psk, cn, sn)), c2s(k));
  Bytes cn2 = cn;
  cn2[31] ^= 1;
  EXPECT_NE(c2s(v1::derive_keys(psk, cn2, sn)), c2s(k));
  Bytes sn2 = sn;
  sn2[0] ^= 1;
  EXPECT_NE(s2c(v1::derive_keys(psk, cn, sn2)), s2c(k));
  // The nonces are not interchangeable: swapping them gives other keys.
  EXPECT_NE(c2s(v1::derive_keys(psk, sn, cn)), c2s(k));
  EXPECT_NE(c2s(v1::derive_keys(key_bytes(0x12), cn, sn)), c2s(k));
}

TEST(V1KeySchedule, TranscriptIsTheSha256OfBothHellosInOrder) {
  Bytes c = hello_bytes(v1::Role::client, 1), s = hello_bytes(v1::Role::server, 2);
  Bytes both = c;
  both.insert(both.end(), s.begin(), s.end());
  EXPECT_EQ(v1::transcript_hash(c, s), sha256(both));
  EXPECT_NE(v1::transcript_hash(s, c), sha256(both));
}

// ---------------------------------------------------------------- CHAT payload

TEST(V1Chat, EncodesNameLengthNameAndTextAndDecodesBack) {
  Bytes p;
  v1::encode_chat("bob", "hi | there", p);
  EXPECT_EQ(p[0], 3);
  EXPECT_EQ(std::string(as_text(p)).substr(1), "bobhi | there");
  std::string_view sender;
  std::span<const std::uint8_t> text;
  ASSERT_TRUE(v1::decode_chat(p, &sender, &text));
  EXPECT_EQ(sender, "bob");
  EXPECT_EQ(as_text(text), "hi | there");
}

TEST(V1Chat, DecodeRefusesEmptyTruncatedAndOverlongNames) {
  std::string_view sender;
  std::span<const std::uint8_t> text;
  EXPECT_FALSE(v1::decode_chat({}, &sender, &text));
  const std::uint8_t short_name[] = {5, 'a', 'b'};
  EXPECT_FALSE(v1::decode_chat(short_name, &sender, &text));
  Bytes long_name(1 + 65 + 1, 'n');
  long_name[0] = 65;
  EXPECT_FALSE(v1::decode_chat(long_name, &sender, &text));
  const std::uint8_t empty_name_and_text[] = {0};
  ASSERT_TRUE(v1::decode_chat(empty_name_and_text, &sender, &text));
  EXPECT_TRUE(sender.empty());
  EXPECT_TRUE(text.empty());
}

TEST(V1Chat, ASenderOver64BytesIsCutTo64OnACharacterBoundary) {
  Bytes p;
  v1::encode_chat(std::string(70, 'n'), "t", p);
  EXPECT_EQ(p[0], 64);
  p.clear();
  v1::encode_chat(std::string(63, 'n') + "\xC3\xA9", "t", p);  // a 2-byte character at bytes 63-64
  EXPECT_EQ(p[0], 63);
  EXPECT_EQ(std::string(as_text(p)).substr(1), std::string(63, 'n') + "t");
  EXPECT_EQ(v1::cut_utf8("abc", 3), "abc");
  EXPECT_EQ(v1::cut_utf8("ab\xE2\x9C\x93", 4), "ab");  // U+2713 is 3 bytes
  EXPECT_EQ(v1::cut_utf8("\x80\x80\x80", 2), "");      // no boundary at all: nothing
}

TEST(V1Chat, TheLabFormatFlagIsTheLengthBytesHighBitAndDecodesBack) {
  Bytes plain, lab;
  v1::encode_chat("bob", "hi", plain);
  v1::encode_chat("bob", "hi", ChatOrigin::lab_format, lab);
  EXPECT_EQ(plain[0], 0x03) << "an unflagged CHAT is what it always was";
  EXPECT_EQ(lab[0], 0x83);
  EXPECT_TRUE(std::equal(plain.begin() + 1, plain.end(), lab.begin() + 1)) << "only the flag differs";
  std::string_view sender;
  std::span<const std::uint8_t> text;
  ChatOrigin origin = ChatOrigin::v1;
  ASSERT_TRUE(v1::decode_chat(lab, &sender, &text, &origin));
  EXPECT_EQ(origin, ChatOrigin::lab_format);
  EXPECT_EQ(sender, "bob");
  EXPECT_EQ(as_text(text), "hi");
  ASSERT_TRUE(v1::decode_chat(plain, &sender, &text, &origin));
  EXPECT_EQ(origin, ChatOrigin::v1);
  // A 64-byte name still fits beside the flag: 0x80 | 64 = 0xC0.
  Bytes longest;
  v1::encode_chat(std::string(64, 'n'), "t", ChatOrigin::lab_format, longest);
  EXPECT_EQ(longest[0], 0xC0);
  ASSERT_TRUE(v1::decode_chat(longest, &sender, &text, &origin));
  EXPECT_EQ(sender.size(), 64u);
  EXPECT_EQ(origin, ChatOrigin::lab_format);
}

TEST(V1Chat, AFlaggedLengthOver64IsMalformedLikeAnyOther) {
  // The seven low bits are the length: 0x80 | 65 and 0xFF are no lengths, flag or not.
  std::string_view sender;
  std::span<const std::uint8_t> text;
  ChatOrigin origin = ChatOrigin::v1;
  for (std::uint8_t first : {std::uint8_t{0xC1}, std::uint8_t{0xFF}, std::uint8_t{0x41}, std::uint8_t{0x7F}}) {
    Bytes p(1 + 127 + 1, 'n');
    p[0] = first;
    EXPECT_FALSE(v1::decode_chat(p, &sender, &text, &origin)) << int(first);
    EXPECT_FALSE(v1::decode_chat(p, &sender, &text)) << int(first);
  }
  const std::uint8_t flagged_short_name[] = {0x85, 'a', 'b'};
  EXPECT_FALSE(v1::decode_chat(flagged_short_name, &sender, &text, &origin));
  const std::uint8_t flagged_empty_name_and_text[] = {0x80};
  ASSERT_TRUE(v1::decode_chat(flagged_empty_name_and_text, &sender, &text, &origin));
  EXPECT_TRUE(sender.empty() && text.empty());
  EXPECT_EQ(origin, ChatOrigin::lab_format);
}

TEST(V1Chat, AReceiverReportsTheFlagOnTheChatEvent) {
  Bytes k = key_bytes(7);
  FrameSealer tx(k);
  Bytes skip, p, wire;
  tx.seal(v1::FrameType::confirm, {}, skip);  // seq 0 belongs to the handshake
  v1::encode_chat("bob", "replayable", ChatOrigin::lab_format, p);
  tx.seal(v1::FrameType::chat, p, wire);
  p.clear();
  v1::encode_chat("carol", "protected", p);
  tx.seal(v1::FrameType::chat, p, wire);
  FrameReceiver rx(k);
  InputBuffer in;
  in.append(wire);
  auto lab = rx.poll(in);
  ASSERT_TRUE(lab);
  EXPECT_EQ(lab->type, MessageType::chat);
  EXPECT_EQ(lab->origin, ChatOrigin::lab_format);
  EXPECT_EQ(lab->sender, "bob");
  EXPECT_EQ(as_text(lab->payload), "replayable");
  auto v1line = rx.poll(in);
  ASSERT_TRUE(v1line);
  EXPECT_EQ(v1line->origin, ChatOrigin::v1);
  EXPECT_EQ(v1line->sender, "carol");
}

// ---------------------------------------------------------------- InputBuffer

TEST(InputBuffer, AppendsConsumesAndCompactsWithoutLosingBytes) {
  InputBuffer in;
  EXPECT_TRUE(in.empty());
  std::string all;
  for (int i = 0; i < 200; ++i) {
    std::string chunk(static_cast<std::size_t>(i % 37 + 1), static_cast<char>('a' + i % 26));
    in.append(text_bytes(chunk));
    all += chunk;
    std::size_t eat = std::min<std::size_t>(in.size(), static_cast<std::size_t>(i % 29));
    EXPECT_EQ(as_text(in.data().first(eat)), all.substr(0, eat));
    in.consume(eat);
    all.erase(0, eat);
    ASSERT_EQ(as_text(in.data()), all) << i;
  }
  in.consume(in.size() + 100);  // over-consuming empties, never underflows
  EXPECT_TRUE(in.empty());
}

TEST(InputBuffer, PrepareAndCommitReadInPlace) {
  InputBuffer in;
  in.append(text_bytes("abc"));
  auto space = in.prepare(4);
  ASSERT_EQ(space.size(), 4u);
  std::memcpy(space.data(), "defg", 4);
  in.commit(2);  // only two bytes "arrived"
  EXPECT_EQ(as_text(in.data()), "abcde");
}

// ---------------------------------------------------------------- sealer and receiver

TEST(FrameSealer, NumbersFramesFromZeroAndTagsHeaderAndPayload) {
  Bytes k = key_bytes(0x42);
  FrameSealer sealer(k);
  Bytes out;
  sealer.seal(v1::FrameType::data, text_bytes("abc"), out);
  sealer.seal(v1::FrameType::notice, text_bytes(""), out);
  EXPECT_EQ(sealer.next_seq(), 2u);
  ASSERT_EQ(out.size(), 2 * v1::kFrameOverhead + 3);
  auto h0 = v1::decode_header(out.data());
  EXPECT_EQ(h0.seq, 0u);
  EXPECT_EQ(h0.length, 3u);
  auto h1 = v1::decode_header(out.data() + v1::kFrameOverhead + 3);
  EXPECT_EQ(h1.seq, 1u);
  EXPECT_EQ(h1.type, v1::FrameType::notice);
  // The tag is HMAC over header || payload, recomputed here without the sealer.
  HmacSha256 mac(k);
  Tag want = mac.compute(std::span(out).first(v1::kHeaderSize + 3));
  EXPECT_TRUE(std::equal(want.begin(), want.end(), out.begin() + v1::kHeaderSize + 3));
}

TEST(FrameSealer, RefusesAnOversizedPayloadWithoutUsingASequenceNumber) {
  FrameSealer sealer(key_bytes(1), 10);
  Bytes out;
  EXPECT_THROW(sealer.seal(v1::FrameType::data, Bytes(11, 'x'), out), Error);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(sealer.next_seq(), 0u);
  sealer.seal(v1::FrameType::data, Bytes(10, 'x'), out);
  EXPECT_EQ(sealer.next_seq(), 1u);
}

TEST(FrameReceiver, OpenReportsOkBadTagAndMalformedWithoutSequenceChecks) {
  Bytes k = key_bytes(7);
  FrameSealer sealer(k);
  Bytes wire;
  sealer.seal(v1::FrameType::confirm, text_bytes("hello"), wire);
  FrameReceiver rx(k);
  InputBuffer in;
  in.append(std::span(wire).first(wire.size() - 1));
  EXPECT_FALSE(rx.open(in)) << "one byte short: not whole yet";
  in.append(std::span(wire).last(1));
  auto o = rx.open(in);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->status, FrameReceiver::Open::ok);
  EXPECT_EQ(o->frame_len, wire.size());
  EXPECT_EQ(as_text(o->payload), "hello");

  FrameReceiver other(key_bytes(8));
  EXPECT_EQ(other.open(in)->status, FrameReceiver::Open::bad_tag);

  InputBuffer junk;
  const std::uint8_t unknown[v1::kHeaderSize] = {0x09};
  junk.append(unknown);
  EXPECT_EQ(rx.open(junk)->status, FrameReceiver::Open::malformed);
}

TEST(FrameReceiver, PollReportsEachOutcomeAndEofAfterCloseIsSilent) {
  Bytes k = key_bytes(9);
  FrameSealer sealer(k);
  Bytes skip;
  sealer.seal(v1::FrameType::confirm, {}, skip);  // seq 0 belongs to the handshake
  Bytes wire;
  sealer.seal(v1::FrameType::data, text_bytes("a"), wire);
  const Bytes close_payload = {0x01, 'b', 'y', 'e'};  // CloseCode::shutdown, "bye"
  sealer.seal(v1::FrameType::close, close_payload, wire);
  FrameReceiver rx(k);
  InputBuffer in;
  in.append(wire);
  auto m = rx.poll(in);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, EventKind::message);
  auto c = rx.poll(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, EventKind::closed);
  EXPECT_EQ(c->close_code, CloseCode::shutdown);
  EXPECT_EQ(c->detail, "bye");
  EXPECT_TRUE(rx.close_received());
  EXPECT_TRUE(rx.done());
  EXPECT_FALSE(rx.poll(in));
  EXPECT_FALSE(rx.eof(in));
}

TEST(FrameReceiver, EofIsReportedOnce) {
  FrameReceiver rx(key_bytes(3));
  InputBuffer in;
  auto t = rx.eof(in);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, EventKind::truncated);
  EXPECT_FALSE(rx.eof(in));
}

// ---------------------------------------------------------------- FrameSplitter

Bytes sample_stream() {
  Bytes s = hello_bytes(v1::Role::client);
  FrameSealer sealer(key_bytes(5));
  sealer.seal(v1::FrameType::confirm, Bytes(32, 0x77), s);
  sealer.seal(v1::FrameType::data, text_bytes("hello | world"), s);
  sealer.seal(v1::FrameType::data, {}, s);
  sealer.seal(v1::FrameType::close, Bytes{0x00, 'b', 'y', 'e'}, s);
  return s;
}

std::vector<FrameSplitter::Record> split_all(FrameSplitter& sp) {
  std::vector<FrameSplitter::Record> out;
  for (int i = 0; i < 10000; ++i) {
    auto r = sp.next();
    if (!r) return out;
    out.push_back(std::move(*r));
  }
  ADD_FAILURE() << "next() never returned nullopt";
  return out;
}

TEST(FrameSplitter, CutsAStreamIntoItsHelloAndFramesAsOnTheWire) {
  Bytes s = sample_stream();
  FrameSplitter sp;
  sp.feed(s);
  auto records = split_all(sp);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].kind, FrameSplitter::Kind::hello);
  EXPECT_EQ(records[0].bytes.size(), 40u);
  EXPECT_EQ(records[1].header.type, v1::FrameType::confirm);
  EXPECT_EQ(records[2].header.seq, 1u);
  EXPECT_EQ(records[2].bytes.size(), v1::kFrameOverhead + 13);
  EXPECT_EQ(records[3].header.length, 0u);
  EXPECT_EQ(records[4].header.type, v1::FrameType::close);
  Bytes joined;
  for (const auto& r : records) joined.insert(joined.end(), r.bytes.begin(), r.bytes.end());
  EXPECT_EQ(joined, s) << "the records are the stream, byte for byte";
  EXPECT_EQ(sp.buffered(), 0u);
}

TEST(FrameSplitter, GivesTheSameRecordsForAStreamSplitAtEveryPosition) {
  Bytes s = sample_stream();
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    FrameSplitter sp;
    sp.feed(std::span(s).first(cut));
    auto records = split_all(sp);
    sp.feed(std::span(s).subspan(cut));
    for (auto& r : split_all(sp)) records.push_back(std::move(r));
    ASSERT_EQ(records.size(), 5u) << "cut " << cut;
    for (const auto& r : records)
      EXPECT_NE(r.kind, FrameSplitter::Kind::malformed) << "cut " << cut;
  }
}

TEST(FrameSplitter, ReportsANonIntactStreamAsMalformedFromItsFirstBytes) {
  FrameSplitter sp;
  sp.feed(text_bytes("NMP-B19DCAT141 server send|3F9A"));
  auto records = split_all(sp);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].kind, FrameSplitter::Kind::malformed);
  EXPECT_EQ(records[0].bytes.size(), 31u);
  sp.feed(text_bytes("more"));
  records = split_all(sp);
  ASSERT_EQ(records.size(), 1u) << "after malformed, every feed comes back as one record";
  EXPECT_EQ(records[0].kind, FrameSplitter::Kind::malformed);
  EXPECT_EQ(records[0].bytes.size(), 4u);
}

TEST(FrameSplitter, ReportsAnUnknownTypeOrOverMaximumLengthAsMalformedWithoutBuffering) {
  for (std::uint32_t length : {0x00100001u, 0xFFFFFFFFu}) {
    FrameSplitter sp;
    Bytes s = hello_bytes(v1::Role::server);
    std::uint8_t header[v1::kHeaderSize];
    v1::encode_header({v1::FrameType::data, 1, length}, header);
    s.insert(s.end(), header, header + v1::kHeaderSize);
    sp.feed(s);
    auto records = split_all(sp);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[1].kind, FrameSplitter::Kind::malformed);
    EXPECT_NE(records[1].detail.find("over the maximum"), std::string::npos);
  }
  FrameSplitter sp;
  Bytes s = hello_bytes(v1::Role::server);
  s.push_back(0x00);
  s.resize(s.size() + v1::kHeaderSize - 1);
  sp.feed(s);
  auto records = split_all(sp);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].kind, FrameSplitter::Kind::malformed);
  EXPECT_NE(records[1].detail.find("unknown frame type"), std::string::npos);
}

TEST(FrameSplitter, ExactlyTheMaximumLengthIsAFrame) {
  FrameSplitter sp(100);
  Bytes s = hello_bytes(v1::Role::server);
  FrameSealer sealer(key_bytes(1), 100);
  sealer.seal(v1::FrameType::data, Bytes(100, 'x'), s);
  sp.feed(s);
  auto records = split_all(sp);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].kind, FrameSplitter::Kind::frame);
}

}  // namespace
}  // namespace intact
