// The tamper proxy's engine, sans-I/O: each attack on byte strings, checked
// against the bytes that come out and against what a real receiver (the core's
// FrameReceiver / LegacySession) reports about them.
#include <gtest/gtest.h>

#include "attack/record_edits.hpp"
#include "attack/record_splitter.hpp"
#include "attack/tamper_engine.hpp"
#include "intact/crypto.hpp"
#include "intact/frame.hpp"
#include "intact/hex.hpp"
#include "intact/key.hpp"
#include "intact/legacy.hpp"

namespace intact::attack {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes cat(std::initializer_list<const Bytes*> parts) {
  Bytes out;
  for (const Bytes* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}
Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

const Bytes kKey(32, 0x42);

struct LegacyStream {
  std::vector<Bytes> msgs;
  Bytes all() const {
    Bytes out;
    for (const auto& m : msgs) out.insert(out.end(), m.begin(), m.end());
    return out;
  }
};
LegacyStream make_legacy(int n, std::string_view prefix = "message ") {
  HmacSha256 mac(kKey);
  LegacyStream s;
  for (int i = 1; i <= n; ++i) {
    Bytes m;
    legacy::encode(mac, intact::text_bytes(std::string(prefix) + std::to_string(i)), m);
    s.msgs.push_back(m);
  }
  return s;
}

struct V1Stream {
  Bytes hello, confirm, close;
  std::vector<Bytes> msgs;
  Bytes head() const { return cat({&hello, &confirm}); }
  Bytes all() const {
    Bytes out = head();
    for (const auto& m : msgs) out.insert(out.end(), m.begin(), m.end());
    out.insert(out.end(), close.begin(), close.end());
    return out;
  }
};
V1Stream make_v1(int n, std::string_view prefix = "message ") {
  V1Stream s;
  v1::encode_hello(v1::Hello{v1::Role::client, v1::kVersion, {}}, s.hello);
  FrameSealer sealer(kKey);
  sealer.seal(v1::FrameType::confirm, Bytes(32, 0), s.confirm);
  for (int i = 1; i <= n; ++i) {
    Bytes m;
    sealer.seal(v1::FrameType::data, intact::text_bytes(std::string(prefix) + std::to_string(i)), m);
    s.msgs.push_back(m);
  }
  sealer.seal(v1::FrameType::close, Bytes{0x00}, s.close);  // CloseCode::normal
  return s;
}

TamperEngine::Options with(std::initializer_list<const char*> specs,
                           FormatChoice format = FormatChoice::detect) {
  TamperEngine::Options o;
  o.format = format;
  for (const char* s : specs) o.attacks.push_back(parse_attack_spec(s));
  return o;
}

struct Result {
  Bytes c2s, s2c;
  bool cut;
  std::vector<LogEntry> log;
};
// Feeds the client's bytes (one byte at a time when `trickle`), then the end.
Result run(TamperEngine& e, const Bytes& from_client, bool trickle = false) {
  if (trickle) {
    for (auto b : from_client) e.feed(Direction::client_to_server, Bytes{b});
  } else {
    e.feed(Direction::client_to_server, from_client);
  }
  e.feed_eof(Direction::client_to_server);
  Result r;
  e.take_output(Direction::client_to_server, r.c2s);
  e.take_output(Direction::server_to_client, r.s2c);
  r.cut = e.cut();
  r.log = e.take_log();
  return r;
}

// What the core's v1 receiver makes of frames (after the hello and CONFIRM).
std::vector<std::string> v1_receiver_sees(const Bytes& frames) {
  FrameReceiver rx(kKey);
  InputBuffer in;
  in.append(frames);
  std::vector<std::string> seen;
  while (auto e = rx.poll(in)) {
    switch (e->kind) {
      case EventKind::message:
        seen.push_back(std::string(as_text(e->payload)));
        break;
      case EventKind::integrity_failure:
        seen.push_back("LOST");
        break;
      case EventKind::replay:
        seen.push_back("REPLAY");
        break;
      case EventKind::gap:
        seen.push_back("GAP" + std::to_string(e->missing));
        break;
      case EventKind::closed:
        seen.push_back("CLOSE");
        break;
      case EventKind::protocol_error:
        seen.push_back("ERROR");
        break;
      default:
        break;
    }
  }
  if (auto e = rx.eof(in); e && e->kind == EventKind::truncated) seen.push_back("TRUNCATED");
  return seen;
}
Bytes after_handshake(const Bytes& out, const V1Stream& s) {
  const Bytes head = s.head();
  if (out.size() < head.size() || !std::equal(head.begin(), head.end(), out.begin())) {
    ADD_FAILURE() << "the handshake records were altered or lost";
    return {};
  }
  return Bytes(out.begin() + static_cast<std::ptrdiff_t>(head.size()), out.end());
}

std::vector<std::string> legacy_receiver_sees(const Bytes& bytes) {
  LegacySession rx(
      Key::from_hex("4242424242424242424242424242424242424242424242424242424242424242"));
  rx.feed(bytes);
  rx.feed_eof();
  std::vector<std::string> seen;
  while (auto e = rx.poll()) {
    if (e->kind == EventKind::message) seen.push_back(std::string(as_text(e->payload)));
    if (e->kind == EventKind::integrity_failure) seen.push_back("LOST");
  }
  return seen;
}

using V = std::vector<std::string>;

// The proxy detects with the core's sniffer (wire_sniff_test.cpp has its full table).
TEST(RecordSplitter, TheProxyReadsV1FromItsMagicAndAnythingElseAsLegacy) {
  auto detect = [](std::string_view s) { return sniffed_format(sniff_wire_format(text_bytes(s))); };
  EXPECT_EQ(detect("INTACT\x01"), WireFormat::v1);
  EXPECT_EQ(detect("INT"), std::nullopt);  // could still be either
  EXPECT_EQ(detect("INTO|"), WireFormat::legacy);
  EXPECT_EQ(detect("hello|AB"), WireFormat::legacy);
}

TEST(RecordSplitter, CutsLabMessagesContainingBarsAndNumbersThem) {
  HmacSha256 mac(kKey);
  Bytes stream;
  legacy::encode(mac, intact::text_bytes("PYTHON | language"), stream);
  legacy::encode(mac, intact::text_bytes("second"), stream);
  RecordSplitter sp(WireFormat::legacy);
  sp.feed(stream);
  auto a = sp.next();
  auto b = sp.next();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->number, 1u);
  EXPECT_EQ(b->number, 2u);
  EXPECT_EQ(RecordSplitter::display_text(WireFormat::legacy, *a), "PYTHON | language");
  EXPECT_FALSE(sp.next());
}

TEST(RecordSplitter, HandsBackAnIncompleteV1FrameAtTheEnd) {
  auto s = make_v1(1);
  Bytes partial = s.head();
  partial.insert(partial.end(), s.msgs[0].begin(), s.msgs[0].begin() + 20);
  RecordSplitter sp(WireFormat::v1);
  sp.feed(partial);
  EXPECT_EQ(sp.next()->kind, Record::Kind::handshake);
  EXPECT_EQ(sp.next()->kind, Record::Kind::handshake);
  EXPECT_FALSE(sp.next());
  auto rest = sp.finish();
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->bytes, Bytes(s.msgs[0].begin(), s.msgs[0].begin() + 20));
}

TEST(RecordSplitter, PassesAnOversizedTaglessLegacyStreamOnAsRawBytes) {
  RecordSplitter sp(WireFormat::legacy);
  Bytes junk(legacy::kMaxMessage + 100, 'x');
  sp.feed(junk);
  auto r = sp.next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Record::Kind::raw);
  EXPECT_EQ(r->bytes.size(), junk.size());
  EXPECT_EQ(sp.buffered(), 0u);
}

TEST(TamperEngine, ForwardsBothFormatsUntouchedWithoutAttacks) {
  auto v = make_v1(3);
  TamperEngine e1(with({}));
  auto r1 = run(e1, v.all(), /*trickle=*/true);
  EXPECT_EQ(r1.c2s, v.all());
  EXPECT_EQ(e1.format(), WireFormat::v1);
  auto l = make_legacy(3);
  TamperEngine e2(with({}));
  auto r2 = run(e2, l.all(), true);
  EXPECT_EQ(r2.c2s, l.all());
  EXPECT_EQ(e2.format(), WireFormat::legacy);
  EXPECT_TRUE(e2.ended(Direction::client_to_server));
}

TEST(TamperEngine, DropDeletesExactlyTheNthMessage) {
  auto l = make_legacy(3);
  TamperEngine e(with({"drop:c2s:2"}));
  EXPECT_EQ(run(e, l.all()).c2s, cat({&l.msgs[0], &l.msgs[2]}));
  auto v = make_v1(3);
  TamperEngine e1(with({"drop:c2s:2"}));
  EXPECT_EQ(v1_receiver_sees(after_handshake(run(e1, v.all()).c2s, v)),
            (V{"message 1", "GAP1", "message 3", "CLOSE"}));
}

TEST(TamperEngine, DupDeliversTheMessageTwice) {
  auto l = make_legacy(2);
  TamperEngine e(with({"dup:c2s:1"}));
  EXPECT_EQ(legacy_receiver_sees(run(e, l.all()).c2s), (V{"message 1", "message 1", "message 2"}));
  auto v = make_v1(2);
  TamperEngine e1(with({"dup:c2s:1"}));
  EXPECT_EQ(v1_receiver_sees(after_handshake(run(e1, v.all()).c2s, v)),
            (V{"message 1", "REPLAY", "message 2", "CLOSE"}));
}

TEST(TamperEngine, SwapDeliversTheMessageAfterTheNextOne) {
  auto l = make_legacy(3);
  TamperEngine e(with({"swap:c2s:2"}));
  EXPECT_EQ(run(e, l.all()).c2s, cat({&l.msgs[0], &l.msgs[2], &l.msgs[1]}));
}

TEST(TamperEngine, HeldMessagesGoOutBeforeTheAuthenticatedClose) {
  auto v = make_v1(2);
  TamperEngine e(with({"swap:c2s:2"}));  // the last message: no next one to wait for
  EXPECT_EQ(v1_receiver_sees(after_handshake(run(e, v.all()).c2s, v)),
            (V{"message 1", "message 2", "CLOSE"}));
}

TEST(TamperEngine, ReplaySendsACopyAfterTheChosenMessage) {
  auto l = make_legacy(4);
  TamperEngine e(with({"replay:c2s:1:after=3"}));
  EXPECT_EQ(run(e, l.all()).c2s, cat({&l.msgs[0], &l.msgs[1], &l.msgs[2], &l.msgs[0], &l.msgs[3]}));
  auto v = make_v1(3);
  TamperEngine e1(with({"replay:c2s:1:after=2"}));
  EXPECT_EQ(v1_receiver_sees(after_handshake(run(e1, v.all()).c2s, v)),
            (V{"message 1", "message 2", "REPLAY", "message 3", "CLOSE"}));
}

TEST(TamperEngine, ReflectSendsTheMessageBackToItsSender) {
  auto l = make_legacy(3);
  TamperEngine e(with({"reflect:c2s:2"}));
  auto r = run(e, l.all());
  EXPECT_EQ(r.c2s, cat({&l.msgs[0], &l.msgs[2]}));
  EXPECT_EQ(r.s2c, l.msgs[1]);
  // The lab's format cannot tell: the client accepts its own message.
  EXPECT_EQ(legacy_receiver_sees(r.s2c), (V{"message 2"}));
}

TEST(TamperEngine, CutStopsEverythingBeforeTheNthMessage) {
  auto v = make_v1(3);
  TamperEngine e(with({"cut:c2s:3"}));
  auto r = run(e, v.all());
  EXPECT_TRUE(r.cut);
  EXPECT_EQ(v1_receiver_sees(after_handshake(r.c2s, v)),
            (V{"message 1", "message 2", "TRUNCATED"}));
  e.feed(Direction::server_to_client, text_bytes("more"));  // nothing passes after a cut
  Bytes out;
  e.take_output(Direction::server_to_client, out);
  EXPECT_TRUE(out.empty());
}

TEST(TamperEngine, FlipInTheLabTextChangesOneBitAndIsCaught) {
  auto l = make_legacy(1, "attack at dawn ");
  TamperEngine e(with({"flip:c2s:1:field=text:seed=3"}));
  auto out = run(e, l.all()).c2s;
  ASSERT_EQ(out.size(), l.msgs[0].size());
  int bits = 0;
  std::size_t text_len = out.size() - 65;
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto x = static_cast<unsigned>(out[i] ^ l.msgs[0][i]);
    bits += __builtin_popcount(x);
    if (x) {
      EXPECT_LT(i, text_len) << "a byte outside the text changed";
    }
  }
  EXPECT_EQ(bits, 1);
  EXPECT_EQ(legacy_receiver_sees(out), (V{"LOST"}));
}

TEST(TamperEngine, FlipInTheLabTagKeepsItHexSoTheTagCheckCatchesIt) {
  auto l = make_legacy(1);
  TamperEngine e(with({"flip:c2s:1:field=tag"}));
  auto out = run(e, l.all()).c2s;
  ASSERT_EQ(out.size(), l.msgs[0].size());
  for (std::size_t i = out.size() - 64; i < out.size(); ++i) EXPECT_TRUE(is_hex_digit(out[i]));
  EXPECT_NE(out, l.msgs[0]);
  EXPECT_EQ(legacy_receiver_sees(out), (V{"LOST"}));
}

TEST(TamperEngine, FlipInAV1FieldStaysInThatField) {
  auto v = make_v1(1);
  for (auto [field, begin, end] :
       {std::tuple{"seq", 1, 9}, std::tuple{"length", 9, 13}, std::tuple{"type", 0, 1}}) {
    TamperEngine e(with({("flip:c2s:1:field=" + std::string(field)).c_str()}));
    auto frames = after_handshake(run(e, v.all()).c2s, v);
    ASSERT_GE(frames.size(), v.msgs[0].size());
    for (std::size_t i = 0; i < v.msgs[0].size(); ++i) {
      if (frames[i] != v.msgs[0][i]) {
        EXPECT_GE(i, static_cast<std::size_t>(begin)) << field;
        EXPECT_LT(i, static_cast<std::size_t>(end)) << field;
      }
    }
    auto seen = v1_receiver_sees(frames);
    ASSERT_FALSE(seen.empty());
    EXPECT_NE(seen.front(), "message 1") << field << ": an altered frame was accepted";
  }
}

TEST(TamperEngine, ReplaceKeepsTheOldTagOrRetagsUnderTheAttackersKey) {
  auto l = make_legacy(1);
  TamperEngine keep(with({"replace:c2s:1:text=PAY MALLORY"}));
  auto out = run(keep, l.all()).c2s;
  std::string s(out.begin(), out.end());
  EXPECT_EQ(s.substr(0, 12), "PAY MALLORY|");
  EXPECT_EQ(s.substr(12), std::string(l.msgs[0].end() - 64, l.msgs[0].end()));
  EXPECT_EQ(legacy_receiver_sees(out), (V{"LOST"}));

  TamperEngine retag(with({"replace:c2s:1:retag=0BADC0DE:text=PAY MALLORY"}));
  out = run(retag, l.all()).c2s;
  HmacSha256 attacker(Bytes{0x0B, 0xAD, 0xC0, 0xDE});
  Bytes expected;
  legacy::encode(attacker, intact::text_bytes("PAY MALLORY"), expected);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(legacy_receiver_sees(out), (V{"LOST"}));
}

TEST(TamperEngine, ReplaceInV1RewritesThePayloadAndLengthAndIsCaught) {
  auto v = make_v1(2);
  TamperEngine e(with({"replace:c2s:1:text=a much longer replacement text"}));
  EXPECT_EQ(v1_receiver_sees(after_handshake(run(e, v.all()).c2s, v)),
            (V{"LOST", "message 2", "CLOSE"}));
}

TEST(TamperEngine, InjectInsertsAForgedMessageThatNeverVerifies) {
  auto v = make_v1(2);
  TamperEngine e(with({"inject:c2s:2:text=FORGED"}));
  EXPECT_EQ(v1_receiver_sees(after_handshake(run(e, v.all()).c2s, v)),
            (V{"message 1", "LOST", "message 2", "CLOSE"}));
  auto l = make_legacy(2);
  TamperEngine e2(with({"inject:c2s:1:text=FORGED"}));
  EXPECT_EQ(legacy_receiver_sees(run(e2, l.all()).c2s), (V{"LOST", "message 1", "message 2"}));
}

TEST(TamperEngine, SpliceUsesTheSameNumberedMessageOfAnEarlierConnection) {
  SpliceStore store;
  auto first = make_legacy(3, "old ");
  auto second = make_legacy(3, "new ");
  auto o = with({"splice:c2s:2"});
  o.splice_store = &store;
  TamperEngine e1(o);
  EXPECT_EQ(run(e1, first.all()).c2s, first.all());  // nothing recorded yet: untouched
  e1.finish();
  TamperEngine e2(o);
  EXPECT_EQ(legacy_receiver_sees(run(e2, second.all()).c2s), (V{"new 1", "old 2", "new 3"}));
}

TEST(TamperEngine, ProbabilisticAttacksAreReproducibleFromTheSeed) {
  auto l = make_legacy(40);
  auto once = [&](const char* spec) {
    TamperEngine e(with({spec}));
    return run(e, l.all()).c2s;
  };
  EXPECT_EQ(once("drop:c2s:p=0.5:seed=11"), once("drop:c2s:p=0.5:seed=11"));
  EXPECT_NE(once("drop:c2s:p=0.5:seed=11"), once("drop:c2s:p=0.5:seed=12"));
  EXPECT_EQ(once("drop:c2s:p=0"), l.all());
  EXPECT_TRUE(once("drop:c2s:p=1").empty());
  EXPECT_EQ(once("random:p=0.3:seed=5"), once("random:p=0.3:seed=5"));
}

TEST(TamperEngine, AttacksOnOneDirectionLeaveTheOtherAlone) {
  auto l = make_legacy(2);
  TamperEngine e(with({"drop:s2c:1"}));
  auto r = run(e, l.all());
  EXPECT_EQ(r.c2s, l.all());
}

TEST(TamperEngine, OperatorLinesReplaceTheNextMessageOfTheirDirection) {
  auto l = make_legacy(2);
  ReplacementQueue q(Direction::client_to_server);
  q.push("typed by the operator");
  auto o = with({});
  o.replacements = &q;
  TamperEngine e(o);
  auto r = run(e, l.all());
  std::string s(r.c2s.begin(), r.c2s.end());
  EXPECT_EQ(s.rfind("typed by the operator|", 0), 0u) << s;
  EXPECT_EQ(legacy_receiver_sees(r.c2s), (V{"LOST", "message 2"}));
  EXPECT_EQ(q.size(), 0u);
  ReplacementQueue other(Direction::server_to_client);
  other.push("x");
  EXPECT_FALSE(other.pop(Direction::client_to_server));
}

TEST(TamperEngine, LogsEveryActionWithItsMessageNumber) {
  auto l = make_legacy(3);
  TamperEngine e(with({"drop:c2s:2", "dup:c2s:3"}));
  auto r = run(e, l.all());
  int drops = 0, dups = 0;
  for (const auto& entry : r.log) {
    if (entry.action == LogAction::drop) {
      ++drops;
      EXPECT_EQ(entry.message, 2u);
    }
    if (entry.action == LogAction::dup) {
      ++dups;
      EXPECT_EQ(entry.message, 3u);
    }
  }
  EXPECT_EQ(drops, 1);
  EXPECT_EQ(dups, 1);
  std::string json = format_json(LogEntry{1, Direction::client_to_server, 2, LogAction::drop, "deleted \"x\"\n"});
  EXPECT_EQ(json,
            R"({"v":1,"conn":1,"dir":"c2s","message":2,"action":"drop","detail":"deleted \"x\"\n"})");
}

}  // namespace
}  // namespace intact::attack
