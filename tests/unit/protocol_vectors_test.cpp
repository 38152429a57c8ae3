// The test vectors of docs/protocol.md section 4, produced by the real core:
// V1Session with the vectors' fixed nonces must put exactly these bytes on the
// wire, and the keyless building blocks must give the same intermediate
// values. tests/e2e/test_protocol_vectors.py recomputes all of them with
// Python's hmac/hashlib and checks them against the document itself.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "intact/frame.hpp"
#include "intact/hex.hpp"
#include "intact/testing.hpp"
#include "intact/v1_session.hpp"

namespace intact {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Copied from docs/protocol.md section 4 (spaces removed).
// clang-format off
const char* kPsk = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
const char* kClientHello =
    "494E544143540143C0C1C2C3C4C5C6C7C8C9CACBCCCDCECFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECF";
const char* kServerHello =
    "494E544143540153505152535455565758595A5B5C5D5E5F505152535455565758595A5B5C5D5E5F";
const char* kClientToServer = "9F79547A28F71CD018C769CBCCFD14F0041DA718D0A52A2571A4283C818CB7D3";
const char* kServerToClient = "132286A7C8707CF55C5C1C30EFE15F3FE09513FF1CFBAA2A4B2E52D2D2EC39DD";
const char* kTranscript = "C16E2087641B474BD403A65DAFA85DDCF5A38BB889FDF66E178BD3E6BABDB26A";
const char* kClientConfirm =
    "01" "0000000000000000" "00000025"
    "C16E2087641B474BD403A65DAFA85DDCF5A38BB889FDF66E178BD3E6BABDB26A" "616C696365"
    "EC985DAB4DDF2A92A2B8B81ECFDA3EFAA9C3FB21C308A219622BECEFDE4CF0B1";
const char* kServerConfirm =
    "01" "0000000000000000" "00000026"
    "C16E2087641B474BD403A65DAFA85DDCF5A38BB889FDF66E178BD3E6BABDB26A" "736572766572"
    "A9CCF576C82288C96F9D8C8660DFE345E7A439FF1BA6921B4CD93C981A155ADE";
const char* kClientData =
    "02" "0000000000000001" "0000000D" "68656C6C6F207C20776F726C64"
    "F9D45308058D9A305EAC8D676BBABF3167111F7E0F15AC97A9DCEA6A92218675";
const char* kClientClose =
    "03" "0000000000000002" "00000001" "00"
    "3A93A04449769464555E3217C999CA4AD924F7A07BD99EEE9B007A6D0B6C6875";
const char* kServerNotice =
    "05" "0000000000000001" "0000000A" "626F62206A6F696E6564"
    "1840C0D7F17F618A86A7E460F48F54C67894545FFE9B1703260B7D08345B6728";
const char* kServerChat =
    "04" "0000000000000002" "0000000C" "03" "626F62" "686920616C696365"
    "F4EEFE018BCB7BD187580BC9AAD08ADD2595DAEF908558DEA51C9CA5307185C5";
const char* kServerLabChat =
    "04" "0000000000000002" "0000000C" "83" "626F62" "686920616C696365"
    "E792CC5871C97DD4FE39D6C959620BB2E8E070DCBB82FF55DBCB8C887AA984FD";
const char* kServerData =
    "02" "0000000000000003" "0000000E" "2870726976617465292070737374"
    "96B7C02084A45D281DE6C613BA9D92E4B62B17E048323272A7CA96618D4B6950";
const char* kServerClose =
    "03" "0000000000000004" "00000015" "01" "736572766572207368757474696E6720646F776E"
    "523349375CE8B5CA718266FD6F37B0C3343D06A6027093A7D7FE3D32897AC100";
// clang-format on

std::array<std::uint8_t, v1::kNonceSize> nonce_counting_from(std::uint8_t first) {
  std::array<std::uint8_t, v1::kNonceSize> n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(first + i % 16);
  return n;
}

std::string hex_of(std::span<const std::uint8_t> b) { return to_hex_upper(b); }

std::string take_hex(Session& s) {
  std::string h = hex_of(s.pending_output());
  s.consume_output(s.pending_output_size());
  return h;
}

struct VectorSessions {
  VectorSessions()
      : client(session(v1::Role::client, "alice", 0xC0)),
        server(session(v1::Role::server, "server", 0x50)) {}
  static V1Session session(v1::Role role, std::string name, std::uint8_t nonce) {
    V1Session::Options o;
    o.role = role;
    o.name = std::move(name);
    return testing::v1_session_with_fixed_nonce(Key::from_hex(kPsk), std::move(o),
                                                nonce_counting_from(nonce));
  }
  V1Session client;
  V1Session server;
};

TEST(ProtocolVectors, TheNoncesAreTheDocumentedCountingPatterns) {
  EXPECT_EQ(hex_of(nonce_counting_from(0xC0)),
            "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECF");
  EXPECT_EQ(hex_of(nonce_counting_from(0x50)),
            "505152535455565758595A5B5C5D5E5F505152535455565758595A5B5C5D5E5F");
}

TEST(ProtocolVectors, KeyScheduleAndTranscriptMatchTheDocument) {
  auto psk = *from_hex(kPsk);
  auto keys = v1::derive_keys(psk, nonce_counting_from(0xC0), nonce_counting_from(0x50));
  EXPECT_EQ(hex_of(keys.client_to_server.bytes()), kClientToServer);
  EXPECT_EQ(hex_of(keys.server_to_client.bytes()), kServerToClient);
  EXPECT_EQ(hex_of(v1::transcript_hash(*from_hex(kClientHello), *from_hex(kServerHello))),
            kTranscript);
}

TEST(ProtocolVectors, HellosEncodeToTheDocumentedBytes) {
  Bytes c, s;
  v1::encode_hello({v1::Role::client, v1::kVersion, nonce_counting_from(0xC0)}, c);
  v1::encode_hello({v1::Role::server, v1::kVersion, nonce_counting_from(0x50)}, s);
  EXPECT_EQ(hex_of(c), kClientHello);
  EXPECT_EQ(hex_of(s), kServerHello);
}

TEST(ProtocolVectors, ARealSessionPairPutsExactlyTheDocumentedBytesOnTheWire) {
  VectorSessions v;
  // client -> server: ClientHello
  std::string c1 = take_hex(v.client);
  EXPECT_EQ(c1, kClientHello);
  v.server.feed(*from_hex(c1));
  EXPECT_FALSE(v.server.poll()) << "the server waits for the client's CONFIRM";
  // server -> client: ServerHello, server CONFIRM
  std::string s1 = take_hex(v.server);
  EXPECT_EQ(s1, std::string(kServerHello) + kServerConfirm);
  v.client.feed(*from_hex(s1));
  auto ce = v.client.poll();
  ASSERT_TRUE(ce);
  EXPECT_EQ(ce->kind, EventKind::established) << ce->detail;
  EXPECT_EQ(v.client.peer_name(), "server");
  // client -> server: client CONFIRM, DATA "hello | world", CLOSE
  std::string c2 = take_hex(v.client);
  EXPECT_EQ(c2, kClientConfirm);
  v.client.send_data(text_bytes("hello | world"));
  std::string c3 = take_hex(v.client);
  EXPECT_EQ(c3, kClientData);
  v.client.close();
  std::string c4 = take_hex(v.client);
  EXPECT_EQ(c4, kClientClose);

  // And the server accepts all of it.
  v.server.feed(*from_hex(c2 + c3 + c4));
  auto se = v.server.poll();
  ASSERT_TRUE(se);
  EXPECT_EQ(se->kind, EventKind::established) << se->detail;
  EXPECT_EQ(v.server.peer_name(), "alice");
  auto msg = v.server.poll();
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->kind, EventKind::message);
  EXPECT_EQ(as_text(msg->payload), "hello | world");
  EXPECT_EQ(msg->seq, 1u);
  auto closed = v.server.poll();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->kind, EventKind::closed);
  EXPECT_EQ(closed->close_code, CloseCode::normal);
  EXPECT_EQ(closed->detail, "");
  EXPECT_EQ(closed->seq, 2u);

  // server -> client: a NOTICE, a relayed CHAT and the console's private line as DATA.
  v.server.send_notice("bob joined");
  std::string s2 = take_hex(v.server);
  EXPECT_EQ(s2, kServerNotice);
  v.server.send_chat("bob", "hi alice");
  std::string s3 = take_hex(v.server);
  EXPECT_EQ(s3, kServerChat);
  v.server.send_data(text_bytes("(private) psst"));
  std::string s4 = take_hex(v.server);
  EXPECT_EQ(s4, kServerData);
  v.client.feed(*from_hex(s2 + s3 + s4));
  auto notice = v.client.poll();
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->kind, EventKind::message);
  EXPECT_EQ(notice->type, MessageType::notice);
  EXPECT_EQ(as_text(notice->payload), "bob joined");
  EXPECT_EQ(notice->seq, 1u);
  auto chat = v.client.poll();
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->type, MessageType::chat);
  EXPECT_EQ(chat->sender, "bob");
  EXPECT_EQ(as_text(chat->payload), "hi alice");
  EXPECT_EQ(chat->seq, 2u);
  auto data = v.client.poll();
  ASSERT_TRUE(data);
  EXPECT_EQ(data->type, MessageType::data);
  EXPECT_EQ(as_text(data->payload), "(private) psst");
  EXPECT_EQ(data->seq, 3u);
  // The room's shutdown: CLOSE with code 0x01 (shutdown) and its text.
  v.server.close(CloseCode::shutdown, "server shutting down");
  std::string s5 = take_hex(v.server);
  EXPECT_EQ(s5, kServerClose);
  v.client.feed(*from_hex(s5));
  auto shut = v.client.poll();
  ASSERT_TRUE(shut);
  EXPECT_EQ(shut->kind, EventKind::closed);
  EXPECT_EQ(shut->close_code, CloseCode::shutdown);
  EXPECT_EQ(shut->detail, "server shutting down");
  EXPECT_EQ(shut->seq, 4u);
}

TEST(ProtocolVectors, FramesSealedWithTheDirectionKeysMatchTheDocument) {
  auto c2s = *from_hex(kClientToServer);
  auto s2c = *from_hex(kServerToClient);
  auto th = *from_hex(kTranscript);
  FrameSealer client_tx(c2s), server_tx(s2c);
  Bytes p = th, out;
  p.insert(p.end(), {'a', 'l', 'i', 'c', 'e'});
  client_tx.seal(v1::FrameType::confirm, p, out);
  EXPECT_EQ(hex_of(out), kClientConfirm);
  out.clear();
  p = th;
  p.insert(p.end(), {'s', 'e', 'r', 'v', 'e', 'r'});
  server_tx.seal(v1::FrameType::confirm, p, out);
  EXPECT_EQ(hex_of(out), kServerConfirm);
  out.clear();
  client_tx.seal(v1::FrameType::data, text_bytes("hello | world"), out);
  EXPECT_EQ(hex_of(out), kClientData);
  out.clear();
  Bytes close;
  v1::encode_close(CloseCode::normal, "", close);
  EXPECT_EQ(hex_of(close), "00");
  client_tx.seal(v1::FrameType::close, close, out);
  EXPECT_EQ(hex_of(out), kClientClose);
  out.clear();
  server_tx.seal(v1::FrameType::notice, text_bytes("bob joined"), out);
  EXPECT_EQ(hex_of(out), kServerNotice);
  out.clear();
  Bytes chat;
  v1::encode_chat("bob", "hi alice", chat);
  EXPECT_EQ(hex_of(chat), "03626F62686920616C696365");
  server_tx.seal(v1::FrameType::chat, chat, out);
  EXPECT_EQ(hex_of(out), kServerChat);
  out.clear();
  server_tx.seal(v1::FrameType::data, text_bytes("(private) psst"), out);
  EXPECT_EQ(hex_of(out), kServerData);
  out.clear();
  close.clear();
  v1::encode_close(CloseCode::shutdown, "server shutting down", close);
  server_tx.seal(v1::FrameType::close, close, out);
  EXPECT_EQ(hex_of(out), kServerClose);
}

TEST(ProtocolVectors, ALabFormatMembersLineIsTheDocumentedFlaggedChatAndDecodesAsSuch) {
  // The room's seq 2 had bob been a lab-format member: the CHAT's first byte carries 0x80.
  VectorSessions v;
  v.server.feed(*from_hex(take_hex(v.client)));
  ASSERT_FALSE(v.server.poll());
  v.client.feed(*from_hex(take_hex(v.server)));
  ASSERT_EQ(v.client.poll()->kind, EventKind::established);
  v.server.feed(*from_hex(take_hex(v.client)));
  ASSERT_EQ(v.server.poll()->kind, EventKind::established);
  v.server.send_notice("bob joined");
  EXPECT_EQ(take_hex(v.server), kServerNotice);
  v.server.send_chat("bob", "hi alice", ChatOrigin::lab_format);
  std::string lab = take_hex(v.server);
  EXPECT_EQ(lab, kServerLabChat);
  v.client.feed(*from_hex(std::string(kServerNotice) + lab));
  ASSERT_EQ(v.client.poll()->type, MessageType::notice);
  auto chat = v.client.poll();
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->kind, EventKind::message);
  EXPECT_EQ(chat->type, MessageType::chat);
  EXPECT_EQ(chat->origin, ChatOrigin::lab_format);
  EXPECT_EQ(chat->sender, "bob");
  EXPECT_EQ(as_text(chat->payload), "hi alice");
  EXPECT_EQ(chat->seq, 2u);

  // The same frame from the keyless codec and a sealer holding the documented key.
  Bytes payload, out, skip;
  v1::encode_chat("bob", "hi alice", ChatOrigin::lab_format, payload);
  EXPECT_EQ(hex_of(payload), "83626F62686920616C696365");
  FrameSealer server_tx(*from_hex(kServerToClient));
  server_tx.seal(v1::FrameType::confirm, {}, skip);
  server_tx.seal(v1::FrameType::notice, text_bytes("bob joined"), skip);
  server_tx.seal(v1::FrameType::chat, payload, out);
  EXPECT_EQ(hex_of(out), kServerLabChat);
}

TEST(ProtocolVectors, TheVectorFramesVerifyOnlyInTheirOwnDirection) {
  FrameReceiver server_rx(*from_hex(kClientToServer));
  FrameReceiver client_rx(*from_hex(kServerToClient));
  InputBuffer in;
  in.append(*from_hex(kClientData));
  EXPECT_EQ(server_rx.open(in)->status, FrameReceiver::Open::ok);
  EXPECT_EQ(client_rx.open(in)->status, FrameReceiver::Open::bad_tag);
}

}  // namespace
}  // namespace intact
