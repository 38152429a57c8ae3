// Specification of the one CONFIRM check (intact/handshake.hpp) that V1Session
// and the capture verifier's observer both use: each outcome, and the typed
// Failure each failure carries. Frames are built with a FrameSealer, so every
// case differs from the accepted one in exactly the field it names.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "intact/failure.hpp"
#include "intact/frame.hpp"
#include "intact/handshake.hpp"
#include "intact/hex.hpp"

namespace intact {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Status = v1::ConfirmCheck::Status;

Bytes hex(std::string_view h) { return *from_hex(h); }

std::array<std::uint8_t, v1::kNonceSize> nonce_of(std::uint8_t first) {
  std::array<std::uint8_t, v1::kNonceSize> n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(first + i % 16);
  return n;
}

// docs/protocol.md, section 4: the test vectors' PSK and nonces.
struct Vectors {
  Bytes psk = hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  Bytes client_hello, server_hello;
  Vectors() {
    v1::encode_hello({v1::Role::client, v1::kVersion, nonce_of(0xC0)}, client_hello);
    v1::encode_hello({v1::Role::server, v1::kVersion, nonce_of(0x50)}, server_hello);
  }
  v1::DirectionKeys keys() const { return v1::keys_from_hellos(psk, client_hello, server_hello); }
  Bytes transcript() const {
    Digest th = v1::transcript_hash(client_hello, server_hello);
    return Bytes(th.begin(), th.end());
  }
};

// The server's first frame as the client receives it: `type` at sequence number
// `seq`, sealed under `key`, with `payload`.
struct Case {
  Vectors v;
  FrameReceiver rx{v.keys().server_to_client.bytes()};
  InputBuffer in;

  void seal(std::span<const std::uint8_t> key, v1::FrameType type, std::uint64_t seq,
            std::span<const std::uint8_t> payload) {
    FrameSealer tx(key);
    Bytes frame;
    for (std::uint64_t i = 0; i < seq; ++i) tx.seal(v1::FrameType::data, {}, frame);
    frame.clear();
    tx.seal(type, payload, frame);
    in.append(frame);
  }
  void header_only(std::uint8_t type, std::uint32_t length) {
    std::uint8_t h[v1::kHeaderSize];
    v1::encode_header({static_cast<v1::FrameType>(type), 0, length}, h);
    in.append(h);
  }
  Bytes confirm_payload(std::string_view name) const {
    Bytes p = v.transcript();
    p.insert(p.end(), name.begin(), name.end());
    return p;
  }
  v1::ConfirmCheck check() { return v1::check_confirm(rx, in, v.client_hello, v.server_hello); }
};

TEST(KeysFromHellos, ReadTheNoncesFromBothHellosAndGiveTheSpecsKeys) {
  Vectors v;
  auto k = v.keys();
  EXPECT_EQ(to_hex_upper(k.client_to_server.bytes()),
            "9F79547A28F71CD018C769CBCCFD14F0041DA718D0A52A2571A4283C818CB7D3");
  EXPECT_EQ(to_hex_upper(k.server_to_client.bytes()),
            "132286A7C8707CF55C5C1C30EFE15F3FE09513FF1CFBAA2A4B2E52D2D2EC39DD");
}

TEST(CheckConfirm, AValidConfirmIsOkAndNamesThePeerWithoutConsumingInput) {
  Case c;
  c.seal(c.v.keys().server_to_client.bytes(), v1::FrameType::confirm, 0, c.confirm_payload("server"));
  auto r = c.check();
  ASSERT_EQ(r.status, Status::ok) << r.detail;
  EXPECT_EQ(r.peer_name, "server");
  EXPECT_EQ(r.frame_len, v1::kFrameOverhead + v1::kTranscriptSize + 6);
  EXPECT_EQ(c.in.size(), r.frame_len);  // the caller consumes it
  EXPECT_EQ(r.failure, Failure::none);
}

TEST(CheckConfirm, AnIncompleteFrameNeedsMoreAndReportsTheHeaderOnceItIsWhole) {
  Case c;
  c.seal(c.v.keys().server_to_client.bytes(), v1::FrameType::confirm, 0, c.confirm_payload("server"));
  Bytes whole(c.in.data().begin(), c.in.data().end());
  for (std::size_t n : {std::size_t{0}, v1::kHeaderSize - 1, v1::kHeaderSize, whole.size() - 1}) {
    Case part;
    part.in.append(std::span<const std::uint8_t>(whole).first(n));
    auto r = part.check();
    EXPECT_EQ(r.status, Status::need_more) << n;
    EXPECT_EQ(r.header.has_value(), n >= v1::kHeaderSize) << n;
  }
}

TEST(CheckConfirm, AConfirmUnderAnotherKeyIsAKeyMismatch) {
  Case c;
  c.seal(c.v.keys().client_to_server.bytes(), v1::FrameType::confirm, 0, c.confirm_payload("server"));
  auto r = c.check();
  ASSERT_EQ(r.status, Status::failed);
  EXPECT_EQ(r.failure, Failure::key_mismatch);
  EXPECT_NE(r.detail.find("key confirmation failed"), std::string::npos) << r.detail;
  EXPECT_TRUE(r.peer_name.empty());
}

TEST(CheckConfirm, AHeaderClaimingMoreThanAConfirmHoldsIsOverLimitFromTheHeaderAlone) {
  for (std::uint32_t length : {std::uint32_t{v1::kMaxConfirmPayload + 1}, std::uint32_t{v1::kMaxPayload}}) {
    Case c;
    c.header_only(0x01, length);
    auto r = c.check();
    ASSERT_EQ(r.status, Status::failed) << length;
    EXPECT_EQ(r.failure, Failure::over_limit);
    EXPECT_EQ(r.detail, "handshake failed: a frame claims " + std::to_string(length) +
                            " bytes, over the maximum of 96 for a CONFIRM frame");
  }
  Case fits;
  fits.header_only(0x01, v1::kMaxConfirmPayload);
  EXPECT_EQ(fits.check().status, Status::need_more);
}

TEST(CheckConfirm, AHeaderOverTheFrameMaximumIsOverLimitInTheSpecsWords) {
  Case c;
  c.header_only(0x01, 0xFFFFFFFFu);
  auto r = c.check();
  ASSERT_EQ(r.status, Status::failed);
  EXPECT_EQ(r.failure, Failure::over_limit);
  EXPECT_EQ(r.detail, "handshake failed: a frame claims 4294967295 bytes, over the maximum of 1048576");
}

TEST(CheckConfirm, AnUnknownFrameTypeIsAProtocolFailure) {
  Case c;
  c.header_only(0x09, 10);
  auto r = c.check();
  ASSERT_EQ(r.status, Status::failed);
  EXPECT_EQ(r.failure, Failure::protocol);
  EXPECT_NE(r.detail.find("unknown frame type 0x09"), std::string::npos) << r.detail;
}

TEST(CheckConfirm, AValidFrameOfAnotherTypeIsAProtocolFailure) {
  Case c;
  c.seal(c.v.keys().server_to_client.bytes(), v1::FrameType::data, 0, c.confirm_payload("server"));
  auto r = c.check();
  ASSERT_EQ(r.status, Status::failed);
  EXPECT_EQ(r.failure, Failure::protocol);
  EXPECT_NE(r.detail.find("DATA frame, not a CONFIRM"), std::string::npos) << r.detail;
}

TEST(CheckConfirm, AConfirmAtASequenceNumberOtherThanZeroIsAProtocolFailure) {
  Case c;
  c.seal(c.v.keys().server_to_client.bytes(), v1::FrameType::confirm, 1, c.confirm_payload("server"));
  auto r = c.check();
  ASSERT_EQ(r.status, Status::failed);
  EXPECT_EQ(r.failure, Failure::protocol);
  EXPECT_NE(r.detail.find("sequence number 1, not 0"), std::string::npos) << r.detail;
}

TEST(CheckConfirm, AConfirmShorterThanTheTranscriptIsAProtocolFailure) {
  Case c;
  Bytes short_payload = c.v.transcript();
  short_payload.pop_back();
  c.seal(c.v.keys().server_to_client.bytes(), v1::FrameType::confirm, 0, short_payload);
  auto r = c.check();
  ASSERT_EQ(r.status, Status::failed);
  EXPECT_EQ(r.failure, Failure::protocol);
  EXPECT_NE(r.detail.find("carries 31 bytes, not 32 to 96"), std::string::npos) << r.detail;
}

TEST(CheckConfirm, AConfirmOverAnotherTranscriptIsAProtocolFailure) {
  Case c;
  Bytes p = c.confirm_payload("server");
  p[0] ^= 0x01;
  c.seal(c.v.keys().server_to_client.bytes(), v1::FrameType::confirm, 0, p);
  auto r = c.check();
  ASSERT_EQ(r.status, Status::failed);
  EXPECT_EQ(r.failure, Failure::protocol);
  EXPECT_NE(r.detail.find("does not match the hellos"), std::string::npos) << r.detail;
}

TEST(CheckConfirm, TheLongestNameFitsAndTheCheckIsTheSameForTheOtherDirection) {
  Case c;
  FrameReceiver from_client(c.v.keys().client_to_server.bytes());
  std::string longest(v1::kMaxNameSize, 'n');
  c.seal(c.v.keys().client_to_server.bytes(), v1::FrameType::confirm, 0, c.confirm_payload(longest));
  auto r = v1::check_confirm(from_client, c.in, c.v.client_hello, c.v.server_hello);
  ASSERT_EQ(r.status, Status::ok) << r.detail;
  EXPECT_EQ(r.peer_name, longest);
}

}  // namespace
}  // namespace intact
