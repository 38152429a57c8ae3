// Specification of how the command line gets its pre-shared key
// (cli/key_source.hpp): key files (hex or raw bytes) with a warning on loose
// modes, the --key / --key-file / INTACT_KEY order, and errors that give a
// hint and never contain a single byte of the key.
#include "cli/key_source.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "intact/crypto.hpp"
#include "intact/failure.hpp"
#include "intact/hex.hpp"
#include "intact/text.hpp"

namespace intact::cli {
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

// A scratch directory with files of chosen contents and modes, removed afterwards.
class KeyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/intact-key-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const auto& f : files_) std::remove(f.c_str());
    ::rmdir(dir_.c_str());
  }
  std::string write(const std::string& name, std::string_view content, mode_t mode) {
    std::string path = dir_ + "/" + name;
    {
      std::ofstream out(path, std::ios::binary);
      out.write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    ::chmod(path.c_str(), mode);
    files_.push_back(path);
    return path;
  }
  std::string dir_;
  std::vector<std::string> files_;
};

// Sets or unsets INTACT_KEY for one test and restores it afterwards.
class EnvKey {
 public:
  explicit EnvKey(const char* value) {
    if (const char* old = std::getenv("INTACT_KEY")) old_ = old;
    if (value) {
      ::setenv("INTACT_KEY", value, 1);
    } else {
      ::unsetenv("INTACT_KEY");
    }
  }
  ~EnvKey() {
    if (old_) {
      ::setenv("INTACT_KEY", old_->c_str(), 1);
    } else {
      ::unsetenv("INTACT_KEY");
    }
  }

 private:
  std::optional<std::string> old_;
};

// ---------------------------------------------------------------- key files

TEST_F(KeyFiles, ReadsAHexKeyFileWithATrailingNewline) {
  std::vector<std::string> warnings;
  Key k = read_key_file(write("key", lower(kLongHex) + "\n", 0600), &warnings);
  EXPECT_EQ(to_hex_upper(k.bytes()), kLongHex);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(KeyFiles, ReadsARawKeyFileByteForByte) {
  std::string raw = "\x01\xFF raw key bytes, not hex\n\x00\x7F";
  raw.push_back('\0');
  std::vector<std::string> warnings;
  Key k = read_key_file(write("raw", raw, 0600), &warnings);
  EXPECT_EQ(as_text(k.bytes()), raw);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(KeyFiles, WarnsWhenOthersCanReadTheFileAndSaysHowToFixIt) {
  for (mode_t mode : {0644, 0640, 0604}) {
    std::vector<std::string> warnings;
    std::string path = write("loose" + std::to_string(mode), kLongHex, mode);
    Key k = read_key_file(path, &warnings);
    EXPECT_EQ(k.size(), 32u);
    ASSERT_EQ(warnings.size(), 1u) << "mode " << std::oct << mode;
    EXPECT_NE(warnings[0].find("chmod 600"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find(path), std::string::npos) << warnings[0];
    expect_no_key_in(warnings[0], kLongHex);
  }
  std::vector<std::string> none;
  read_key_file(write("tight", kLongHex, 0400), &none);
  EXPECT_TRUE(none.empty());
}

TEST_F(KeyFiles, AMissingFileIsAnErrorNamingThePath) {
  try {
    read_key_file(dir_ + "/nope", nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::bad_key);
    EXPECT_NE(std::string(e.what()).find(dir_ + "/nope"), std::string::npos) << e.what();
  }
}

TEST_F(KeyFiles, ADirectoryIsNotAKeyFile) {
  try {
    read_key_file(dir_, nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::bad_key);
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

TEST_F(KeyFiles, AnEmptyFileIsAnErrorThatSaysHowToMakeAKey) {
  try {
    read_key_file(write("empty", "\n", 0600), nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::bad_key);
    EXPECT_NE(std::string(e.what()).find("intact keygen"), std::string::npos) << e.what();
  }
}

TEST_F(KeyFiles, AFileLargerThanAnyKeyIsRefused) {
  EXPECT_THROW(read_key_file(write("big", std::string(3 * kMaxKeyBytes, 'k'), 0600), nullptr),
               Error);
}

TEST_F(KeyFiles, AHexKeyFileWithAnOddNumberOfDigitsIsRefusedNotReadAsRawBytes) {
  // A digit lost in copying must not silently become a different (raw) key.
  std::string typo = kLongHex.substr(1);
  try {
    read_key_file(write("typo", typo + "\n", 0600), nullptr);
    FAIL() << "an odd-length hex key file was accepted";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(e.failure(), Failure::bad_key);
    EXPECT_NE(what.find("odd number"), std::string::npos) << what;
    expect_no_key_in(what, typo);
  }
}

// Whatever makes a key unusable, it is the one failure bad_key (exit status 2,
// cli/exit_status.cpp), through read_key_file and through load_key alike.
TEST_F(KeyFiles, EveryUnusableKeyFileIsABadKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a missing file", dir_ + "/nope"},
      {"a directory", dir_},
      {"a device", "/dev/null"},
      {"an empty file", write("empty0", "", 0600)},
      {"a file of whitespace", write("blank", " \r\n\t\n", 0600)},
      {"an odd hex file", write("odd", "abc\n", 0600)},
      {"a file larger than a key", write("big", std::string(3 * kMaxKeyBytes, 'k'), 0600)},
      {"a path under a file", write("plain", kLongHex, 0600) + "/key"},
  };
  for (const auto& [what, path] : cases) {
    for (bool through_load_key : {false, true}) {
      try {
        if (through_load_key) {
          KeySource src;
          src.file = path;
          load_key(src, nullptr);
        } else {
          read_key_file(path, nullptr);
        }
        ADD_FAILURE() << what << " was accepted as a key";
      } catch (const Error& e) {
        EXPECT_EQ(e.failure(), Failure::bad_key) << what << ": " << e.what();
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << what << ": " << e.what();
      }
    }
  }
}

TEST_F(KeyFiles, AnUnreadableKeyFileIsABadKey) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads a file of mode 000";
  std::string path = write("locked", kLongHex, 0000);
  try {
    read_key_file(path, nullptr);
    FAIL() << "an unreadable key file was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::bad_key) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(LoadKey, EveryUnusableKeyTextIsABadKey) {
  for (const char* text : {"", "5D2", "zz", "5D2E 4471", "0x5D2E"}) {
    for (bool from_env : {false, true}) {
      EnvKey env(from_env ? text : nullptr);
      KeySource src;
      if (!from_env) src.hex = text;
      try {
        load_key(src, nullptr);
        ADD_FAILURE() << "'" << text << "' was accepted as a key"
                      << (from_env ? " (INTACT_KEY)" : "");
      } catch (const Error& e) {
        EXPECT_EQ(e.failure(), Failure::bad_key) << "'" << text << "': " << e.what();
      }
    }
  }
}

// ---------------------------------------------------------------- load_key

TEST(LoadKey, WithoutAnySourceTheErrorNamesAllThreeAndExitsWithUsage) {
  EnvKey unset(nullptr);
  try {
    load_key({}, nullptr);
    FAIL();
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(e.failure(), Failure::bad_key);
    EXPECT_NE(what.find("--key "), std::string::npos) << what;
    EXPECT_NE(what.find("--key-file"), std::string::npos) << what;
    EXPECT_NE(what.find("INTACT_KEY"), std::string::npos) << what;
    EXPECT_NE(what.find("intact keygen"), std::string::npos) << what;
  }
}

TEST(LoadKey, AnEmptyEnvironmentVariableCountsAsNoKey) {
  EnvKey empty("");
  EXPECT_THROW(load_key({}, nullptr), Error);
}

TEST(LoadKey, TakesTheKeyFromTheEnvironmentWhenNoOptionIsGiven) {
  EnvKey env(kLongHex.c_str());
  std::vector<std::string> warnings;
  EXPECT_EQ(to_hex_upper(load_key({}, &warnings).bytes()), kLongHex);
  EXPECT_TRUE(warnings.empty());
}

TEST(LoadKey, TheKeyOptionWinsOverTheEnvironment) {
  EnvKey env(kLongHex.c_str());
  KeySource src;
  src.hex = lower(kLongHex.substr(0, 40));
  EXPECT_EQ(to_hex_upper(load_key(src, nullptr).bytes()), kLongHex.substr(0, 40));
}

TEST(LoadKey, ABadEnvironmentKeyNamesTheVariableNotTheKey) {
  std::string bad = kLongHex.substr(3);
  EnvKey env(bad.c_str());
  try {
    load_key({}, nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("INTACT_KEY"), std::string::npos);
    expect_no_key_in(e.what(), bad);
  }
}

TEST(LoadKey, KeyAndKeyFileTogetherAreAUsageError) {
  KeySource src;
  src.hex = kLongHex;
  src.file = "/dev/null";
  try {
    load_key(src, nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::bad_key);
    expect_no_key_in(e.what(), kLongHex);
  }
}

TEST(LoadKey, WarnsAboutAKeyShorterThan16BytesWithoutShowingIt) {
  KeySource src;
  src.hex = kLabHex;
  std::vector<std::string> warnings;
  Key k = load_key(src, KeyUse::legacy, &warnings);
  EXPECT_EQ(k.size(), 11u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("11 bytes"), std::string::npos) << warnings[0];
  expect_no_key_in(warnings[0], kLabHex);

  src.hex = kLongHex.substr(0, 32);  // exactly 16 bytes: no warning
  warnings.clear();
  load_key(src, KeyUse::v1, &warnings);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(KeyFiles, LoadKeyReadsAKeyFileAndCollectsBothWarnings) {
  KeySource src;
  src.file = write("short", "5D2E44719232EA78CD2B32\n", 0644);
  std::vector<std::string> warnings;
  Key k = load_key(src, KeyUse::legacy, &warnings);
  EXPECT_EQ(to_hex_upper(k.bytes()), kLabHex);
  ASSERT_EQ(warnings.size(), 2u);
  for (const auto& w : warnings) expect_no_key_in(w, kLabHex);
}

// ---------------------------------------------------------------- the one key-file rule

// What bytes a key file holds once read, as hex, or the start of the error it gives.
std::string read_as(const std::string& path) {
  try {
    return "key " + to_hex_upper(read_key_file(path, nullptr).bytes());
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::bad_key) << e.what();
    std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << "not one line: " << what;
    return "error " + what;
  }
}

std::string hex_of(std::string_view raw) {
  return to_hex_upper(std::span(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
}

TEST_F(KeyFiles, OneLineEndingIsTrimmedFromHexAndRawKeysAlike) {
  // fox\n and fox are one key, as ABCD...\n and ABCD... are; \r\n counts as one line ending.
  EXPECT_EQ(read_as(write("fox", "fox", 0600)), "key " + hex_of("fox"));
  EXPECT_EQ(read_as(write("fox_nl", "fox\n", 0600)), "key " + hex_of("fox"));
  EXPECT_EQ(read_as(write("fox_crlf", "fox\r\n", 0600)), "key " + hex_of("fox"));
  EXPECT_EQ(read_as(write("hex", kLongHex, 0600)), "key " + kLongHex);
  EXPECT_EQ(read_as(write("hex_nl", kLongHex + "\n", 0600)), "key " + kLongHex);
  EXPECT_EQ(read_as(write("hex_crlf", lower(kLongHex) + "\r\n", 0600)), "key " + kLongHex);
  // Only one: a second line ending, a lone \r or trailing spaces are part of a raw key.
  EXPECT_EQ(read_as(write("fox_2nl", "fox\n\n", 0600)), "key " + hex_of("fox\n"));
  EXPECT_EQ(read_as(write("fox_cr", "fox\r", 0600)), "key " + hex_of("fox\r"));
  EXPECT_EQ(read_as(write("fox_sp", "fox \n", 0600)), "key " + hex_of("fox "));
  EXPECT_EQ(read_as(write("pass", "my secret words\n", 0600)), "key " + hex_of("my secret words"));
}

TEST_F(KeyFiles, WhatLooksLikeHexButIsNotIsRefusedWithAHintNotGuessed) {
  const std::string bom = "\xEF\xBB\xBF";
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"bom_hex", bom + kLongHex + "\n", "byte-order mark"},
      {"bom_raw", bom + "fox\n", "byte-order mark"},
      {"0x", "0x" + kLongHex + "\n", "0x"},
      {"0X", "0X" + kLongHex, "0x"},
      {"inner_space", kLongHex.substr(0, 32) + " " + kLongHex.substr(32) + "\n", "white space"},
      {"inner_tab", kLongHex.substr(0, 32) + "\t" + kLongHex.substr(32), "white space"},
      {"leading_space", " " + kLongHex + "\n", "white space"},
      {"trailing_space", kLongHex + " \n", "white space"},
      {"two_lines", kLongHex.substr(0, 32) + "\n" + kLongHex.substr(32) + "\n", "white space"},
      {"blank_line_after", kLongHex + "\n\n", "white space"},
      {"odd", kLongHex.substr(1) + "\n", "odd number"},
      {"empty", "", "empty"},
      {"newline_only", "\n", "empty"},
      {"spaces_only", "   \n", "empty"},
  };
  for (const auto& [name, content, hint] : cases) {
    std::string got = read_as(write(name, content, 0600));
    EXPECT_EQ(got.rfind("error ", 0), 0u) << name << " was accepted: " << got;
    EXPECT_NE(got.find(hint), std::string::npos) << name << ": " << got;
    EXPECT_NE(got.find(dir_ + "/" + name), std::string::npos) << name << ": " << got;
    expect_no_key_in(got, kLongHex.substr(0, 32));
    expect_no_key_in(got, kLongHex.substr(32));
  }
}

TEST_F(KeyFiles, TheSizeLimitIs4096BytesOfKeyAnd8194BytesOfFile) {
  ASSERT_EQ(kMaxKeyFileBytes, 8194u);
  std::string max_hex;
  for (std::size_t i = 0; i < kMaxKeyBytes; ++i) max_hex += "A5";
  EXPECT_EQ(read_as(write("max_hex", max_hex + "\r\n", 0600)).substr(0, 10), "key A5A5A5");
  EXPECT_EQ(read_key_file(write("max_hex2", max_hex + "\n", 0600), nullptr).size(), kMaxKeyBytes);
  std::string over_hex = read_as(write("over_hex", max_hex + "A5", 0600));  // 8,194 bytes, 4,097 of key
  EXPECT_NE(over_hex.find("longer than 4096 bytes"), std::string::npos) << over_hex;

  EXPECT_EQ(read_key_file(write("max_raw", std::string(kMaxKeyBytes, 'k'), 0600), nullptr).size(),
            kMaxKeyBytes);
  EXPECT_EQ(read_key_file(write("max_raw_nl", std::string(kMaxKeyBytes, 'k') + "\n", 0600), nullptr)
                .size(),
            kMaxKeyBytes);
  for (std::size_t n : {kMaxKeyBytes + 1, std::size_t{8194}}) {
    std::string got = read_as(write("raw" + std::to_string(n), std::string(n, 'k'), 0600));
    EXPECT_NE(got.find("at most 4096 bytes"), std::string::npos) << n << ": " << got;
  }
  std::string too_big = read_as(write("too_big", std::string(8195, 'k'), 0600));
  EXPECT_NE(too_big.find("8195 bytes, too large"), std::string::npos) << too_big;
  EXPECT_NE(too_big.find("at most 8194 bytes"), std::string::npos) << too_big;
}

TEST_F(KeyFiles, OnlyARegularFileIsAKeyFileRefusedByTypeInOneLine) {
  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  files_.push_back(fifo);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/proc/self/environ", "/proc"},  // says size 0, holds the environment
      {"/proc/self/pagemap", "/proc"},  // fails to read
      {"/dev/null", "character device"},
      {"/dev/zero", "character device"},
      {fifo, "FIFO"},  // refused at once: the open does not wait for a writer
      {dir_, "directory"},
  };
  for (const auto& [path, type] : cases) {
    std::string got = read_as(path);
    EXPECT_EQ(got.rfind("error key file " + path + " is ", 0), 0u) << got;
    EXPECT_NE(got.find(type), std::string::npos) << path << ": " << got;
    EXPECT_NE(got.find("not a regular file"), std::string::npos) << path << ": " << got;
  }
}

// ---------------------------------------------------------------- weak keys

TEST(WeakKeys, AV1KeyUnder16BytesIsRefusedWithTheWaysOut) {
  for (const std::string& hex : {kLabHex, kLongHex.substr(0, 30)}) {
    KeySource src;
    src.hex = hex;
    try {
      load_key(src, KeyUse::v1, nullptr);
      ADD_FAILURE() << hex.size() / 2 << " bytes accepted for v1";
    } catch (const Error& e) {
      std::string what = e.what();
      EXPECT_EQ(e.failure(), Failure::bad_key);
      for (const char* hint : {"intact keygen", "--passphrase-file", "--weak-key", "offline"})
        EXPECT_NE(what.find(hint), std::string::npos) << hint << " not in: " << what;
      EXPECT_NE(what.find(std::to_string(hex.size() / 2) + " bytes"), std::string::npos) << what;
      expect_no_key_in(what, hex);
    }
    // The default load_key is the v1 one.
    EXPECT_THROW(load_key(src, nullptr), Error);
  }
}

TEST(WeakKeys, WeakKeyUsesItAsItIsWithAWarningThatNamesOfflineGuessing) {
  KeySource src;
  src.hex = kLabHex;
  src.weak_key = true;
  std::vector<std::string> warnings;
  Key k = load_key(src, KeyUse::v1, &warnings);
  EXPECT_EQ(to_hex_upper(k.bytes()), kLabHex);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("offline"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("11 bytes"), std::string::npos) << warnings[0];
  expect_no_key_in(warnings[0], kLabHex);
}

TEST(WeakKeys, TheLabKeyWorksInTheLabFormatWithoutTheFlag) {
  EnvKey env(kLabHex.c_str());
  std::vector<std::string> warnings;
  EXPECT_EQ(to_hex_upper(load_key({}, KeyUse::legacy, &warnings).bytes()), kLabHex);
  EXPECT_EQ(warnings.size(), 1u);  // the short-key warning
  EXPECT_THROW(load_key({}, KeyUse::v1, nullptr), Error);  // INTACT_KEY is no way around
}

TEST_F(KeyFiles, ARawFourByteKeyFileIsRefusedForV1) {
  KeySource src;
  src.file = write("fox", "fox\n", 0600);
  EXPECT_THROW(load_key(src, KeyUse::v1, nullptr), Error);
  src.weak_key = true;
  EXPECT_EQ(load_key(src, KeyUse::v1, nullptr).size(), 3u);
}

// ---------------------------------------------------------------- passphrases

// Argon2id (t=2, m=64 MiB, p=1, 32 bytes) with the salt "intact-v1-pwhash", from the
// reference implementation's command line (Debian package argon2), independently of libsodium:
//   echo -n fox | argon2 intact-v1-pwhash -id -t 2 -m 16 -p 1 -l 32 -r
const std::string kFoxArgon2id = "B09F4C42E8E059C27D8592BD20899B1A4BF474D406E8356607AED5CED639956D";

TEST(Passphrase, TheDerivationIsArgon2idWithTheDocumentedSaltAndLimits) {
  EXPECT_EQ(kPassphraseSalt.size(), 16u);
  EXPECT_EQ(kPassphraseOpsLimit, 2u);
  EXPECT_EQ(kPassphraseMemLimit, 64u << 20);
  const std::string fox = "fox";
  Key k = derive_passphrase_key(text_bytes(fox), "test");
  EXPECT_EQ(to_hex_upper(k.bytes()), kFoxArgon2id);
}

TEST_F(KeyFiles, APassphraseFileFollowsTheFileRuleAndIsNeverWeak) {
  KeySource src;
  src.passphrase_file = write("pass", "fox\n", 0600);  // 3 bytes, trimmed like a key file
  std::vector<std::string> warnings;
  Key k = load_key(src, KeyUse::v1, &warnings);  // no --weak-key needed: 32 derived bytes
  EXPECT_EQ(to_hex_upper(k.bytes()), kFoxArgon2id);
  EXPECT_TRUE(warnings.empty());
  // A passphrase is its bytes: hex text is not decoded.
  src.passphrase_file = write("hexpass", kLongHex, 0600);
  EXPECT_NE(to_hex_upper(load_key(src, nullptr).bytes()), kLongHex);
  for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
           {"bom", "\xEF\xBB\xBF" "fox"}, {"empty", "\n"}, {"big", std::string(8195, 'p')}}) {
    src.passphrase_file = write("p_" + name, content, 0600);
    try {
      load_key(src, nullptr);
      ADD_FAILURE() << name << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("passphrase file " + *src.passphrase_file),
                std::string::npos)
          << e.what();
    }
  }
  src.passphrase_file = "/proc/self/environ";
  EXPECT_THROW(load_key(src, nullptr), Error);
}

TEST_F(KeyFiles, APassphraseIsOneSourceAmongTheOthers) {
  KeySource src;
  src.passphrase_file = write("pass", "fox\n", 0600);
  src.hex = kLongHex;
  try {
    load_key(src, nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--passphrase-file"), std::string::npos) << e.what();
    expect_no_key_in(e.what(), kLongHex);
  }
}

// ---------------------------------------------------------------- the process

TEST(Process, LoadingAKeyMarksTheProcessNotDumpable) {
  ASSERT_EQ(::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
  ASSERT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
  KeySource src;
  src.hex = kLongHex;
  load_key(src, nullptr);
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
  struct rlimit core {};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &core), 0);
  EXPECT_EQ(core.rlim_cur, 0u);
}

}  // namespace
}  // namespace intact::cli
