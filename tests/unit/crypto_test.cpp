// RFC 4231 HMAC-SHA256 vectors, the lab's captured tags, HKDF (RFC 5869) and hex.
#include <gtest/gtest.h>

#include "intact/crypto.hpp"
#include "intact/hex.hpp"
#include "intact/key.hpp"

namespace intact {
namespace {

std::vector<std::uint8_t> hex(std::string_view s) { return *from_hex(s); }
std::vector<std::uint8_t> repeat(std::uint8_t b, std::size_t n) { return std::vector<std::uint8_t>(n, b); }

struct Rfc4231Case {
  const char* name;
  std::vector<std::uint8_t> key;
  std::vector<std::uint8_t> data;
  const char* tag_hex;
  std::size_t truncate_to = 32;
};

TEST(HmacSha256, MatchesEveryRfc4231TestCase) {
  const std::vector<Rfc4231Case> cases = {
      {"case 1", repeat(0x0b, 20), hex("4869205468657265"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"case 2", hex("4a656665"), hex("7768617420646f2079612077616e7420666f72206e6f7468696e673f"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"case 3", repeat(0xaa, 20), repeat(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"case 4", hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), repeat(0xcd, 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"case 5 (truncated to 128 bits)", repeat(0x0c, 20),
       hex("546573742057697468205472756e636174696f6e"), "a3b6167473100ee06e0c796c2955552b", 16},
      {"case 6", repeat(0xaa, 131),
       hex("54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048"
           "617368204b6579204669727374"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"case 7", repeat(0xaa, 131),
       hex("5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d"
           "73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174"
           "612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e"
           "6720757365642062792074686520484d414320616c676f726974686d2e"),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) {
    HmacSha256 mac(c.key);
    Tag tag = mac.compute(c.data);
    std::string got = to_hex_upper(std::span<const std::uint8_t>(tag).first(c.truncate_to));
    std::string want = c.tag_hex;
    for (auto& ch : want) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(got, want) << c.name;
  }
}

TEST(HmacSha256, ReproducesTheLabsCapturedTag) {
  auto key = Key::from_hex("5D2E44719232EA78CD2B32");
  HmacSha256 mac(key.bytes());
  EXPECT_EQ(to_hex_upper(mac.compute(text_bytes("NMP-B19DCAT141 server send"))),
            "3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60");
}

TEST(HmacSha256, ReusesTheKeyScheduleAcrossMessages) {
  HmacSha256 mac(hex("4a656665"));
  Tag first = mac.compute(text_bytes("what do ya want for nothing?"));
  mac.compute(text_bytes("something else in between"));
  Tag again = mac.compute(text_bytes("what do ya want for nothing?"));
  EXPECT_EQ(first, again);
  EXPECT_TRUE(mac.verify(text_bytes("what do ya want for nothing?"), first));
  Tag split = mac.compute(text_bytes("what do ya "), text_bytes("want for nothing?"));
  EXPECT_EQ(first, split);
}

TEST(HmacSha256, VerifyRejectsAnyChangedTagByteAndShortTags) {
  HmacSha256 mac(hex("00112233445566778899aabbccddeeff"));
  auto msg = text_bytes("hello");
  Tag tag = mac.compute(msg);
  for (std::size_t i = 0; i < tag.size(); ++i) {
    Tag bad = tag;
    bad[i] ^= 0x01;
    EXPECT_FALSE(mac.verify(msg, bad)) << "byte " << i;
  }
  EXPECT_FALSE(mac.verify(msg, std::span<const std::uint8_t>(tag).first(16)));
}

TEST(Hkdf, MatchesRfc5869TestCase1) {
  auto okm = hkdf_sha256(repeat(0x0b, 22), hex("000102030405060708090a0b0c"),
                         std::string_view("\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9", 10), 42);
  EXPECT_EQ(to_hex_upper(okm),
            "3CB25F25FAACD57A90434F64D0362F2A2D2D0A90CF1A5A4C5DB02D56ECC4C5BF34007208D5B887185865");
}

TEST(Hex, RoundTripsAndRejectsOddOrNonHex) {
  EXPECT_EQ(to_hex_upper(hex("00ff7a")), "00FF7A");
  EXPECT_EQ(hex("5d2e"), hex("5D2E"));
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
  EXPECT_TRUE(from_hex("")->empty());
}

}  // namespace
}  // namespace intact
