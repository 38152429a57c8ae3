// Specification of the core's Key (intact/key.hpp): hex text in any case, raw
// bytes within the size limits, one owner (move-only), and errors that give a
// hint and never contain a single byte of the key. Reading key files and the
// environment is the front end's (tests/cli/key_source_test.cpp).
#include "intact/key.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "intact/crypto.hpp"
#include "intact/failure.hpp"
#include "intact/hex.hpp"

namespace intact {
namespace {

using Bytes = std::vector<std::uint8_t>;

const std::string kLabHex = "5D2E44719232EA78CD2B32";
const std::string kLongHex = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every text intact showed the user must be free of the key, in either hex case
// and as raw bytes. Keys in these tests are long enough that a chance match is impossible.
void expect_no_key_in(const std::string& text, const std::string& key_text) {
  EXPECT_EQ(text.find(key_text), std::string::npos) << "the key leaked into: " << text;
  EXPECT_EQ(lower(text).find(lower(key_text)), std::string::npos)
      << "the key leaked into: " << text;
  auto bytes = from_hex(key_text);
  if (bytes && bytes->size() >= 4) {
    std::string raw(as_text(*bytes));
    EXPECT_EQ(text.find(raw), std::string::npos) << "the raw key leaked into: " << text;
  }
}

// ---------------------------------------------------------------- hex text

TEST(KeyFromHex, DecodesTheLabsKeyToItsElevenBytes) {
  Key k = Key::from_hex(kLabHex);
  EXPECT_EQ(to_hex_upper(k.bytes()), kLabHex);
  EXPECT_EQ(k.size(), 11u);
}

TEST(KeyFromHex, AcceptsAnyCase) {
  EXPECT_EQ(to_hex_upper(Key::from_hex(lower(kLabHex)).bytes()), kLabHex);
  EXPECT_EQ(to_hex_upper(Key::from_hex("5d2E44719232eA78Cd2b32").bytes()), kLabHex);
}

TEST(KeyFromHex, TrimsSurroundingWhiteSpace) {
  EXPECT_EQ(to_hex_upper(Key::from_hex(" \t" + kLabHex + "\r\n").bytes()), kLabHex);
}

TEST(KeyFromHex, RefusesOddLengthAndNonHexWithAHintAndExitCode2) {
  for (std::string bad : {kLongHex.substr(1), kLongHex.substr(0, 30) + "G" + kLongHex.substr(31),
                          "0x" + kLongHex, kLongHex.substr(0, 20) + " " + kLongHex.substr(20)}) {
    try {
      Key::from_hex(bad, "--key");
      FAIL() << "accepted: " << bad;
    } catch (const Error& e) {
      std::string what = e.what();
      EXPECT_EQ(e.failure(), Failure::bad_key);
      EXPECT_NE(what.find("--key"), std::string::npos) << what;
      EXPECT_NE(what.find("even number"), std::string::npos) << what;
      EXPECT_NE(what.find("intact keygen"), std::string::npos) << what;
      expect_no_key_in(what, bad);
      expect_no_key_in(what, kLongHex.substr(2, 28));
    }
  }
}

TEST(KeyFromHex, NamesTheSourceItWasGiven) {
  try {
    Key::from_hex("XYZ", "INTACT_KEY");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("INTACT_KEY"), std::string::npos);
  }
}

TEST(KeyFromHex, RefusesAnEmptyKey) {
  try {
    Key::from_hex("  \n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::bad_key);
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos);
  }
}

TEST(KeyFromHex, RefusesAKeyOverTheMaximumSize) {
  std::string huge((kMaxKeyBytes + 1) * 2, 'A');
  EXPECT_THROW(Key::from_hex(huge), Error);
  EXPECT_EQ(Key::from_hex(std::string(kMaxKeyBytes * 2, 'A')).size(), kMaxKeyBytes);
}

TEST(KeyGenerate, MakesFreshKeysOfTheRequestedSize) {
  Key a = Key::generate(), b = Key::generate();
  EXPECT_EQ(a.size(), kGeneratedKeyBytes);
  EXPECT_FALSE(std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin()));
  EXPECT_EQ(Key::generate(16).size(), 16u);
}

static_assert(!std::is_copy_constructible_v<Key>, "a Key has one owner: hold a reference");
static_assert(!std::is_copy_assignable_v<Key>, "a Key has one owner: hold a reference");
static_assert(std::is_nothrow_move_constructible_v<Key>);

TEST(KeyValue, AMovedFromKeyIsEmpty) {
  Key a = Key::from_hex(kLabHex);
  Key c = std::move(a);
  EXPECT_EQ(to_hex_upper(c.bytes()), kLabHex);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): the wipe is the behaviour
  Key d = Key::from_hex(kLongHex);
  d = std::move(c);
  EXPECT_EQ(to_hex_upper(d.bytes()), kLabHex);
  EXPECT_EQ(c.size(), 0u);  // NOLINT(bugprone-use-after-move)
}

// ---------------------------------------------------------------- raw bytes

TEST(KeyFromBytes, KeepsTheBytesAsGiven) {
  Bytes raw = {0x00, 0xFF, '|', '\n', 0x7F};
  Key k = Key::from_bytes(raw, "key file k");
  EXPECT_EQ(Bytes(k.bytes().begin(), k.bytes().end()), raw);
}

TEST(KeyFromBytes, RefusesEmptyAndOversizedKeysNamingTheSource) {
  for (const Bytes& bad : {Bytes{}, Bytes(kMaxKeyBytes + 1, 0x41)}) {
    try {
      Key::from_bytes(bad, "key file /k");
      FAIL() << "accepted " << bad.size() << " bytes";
    } catch (const Error& e) {
      EXPECT_EQ(e.failure(), Failure::bad_key);
      EXPECT_NE(std::string(e.what()).find("key file /k"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(Key::from_bytes(Bytes(kMaxKeyBytes, 0x41), "k").size(), kMaxKeyBytes);
}

TEST(ShortKeyWarning, NamesTheSizeUnder16BytesAndNotTheKey) {
  auto w = short_key_warning(Key::from_hex(kLabHex));
  ASSERT_TRUE(w.has_value());
  EXPECT_NE(w->find("11 bytes"), std::string::npos) << *w;
  expect_no_key_in(*w, kLabHex);
  EXPECT_FALSE(short_key_warning(Key::from_hex(kLongHex.substr(0, 32))).has_value());
}

}  // namespace
}  // namespace intact
