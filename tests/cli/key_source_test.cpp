// Specification of how the command line gets its pre-shared key
// (cli/key_source.hpp): key files (hex or raw bytes) with a warning on loose
// modes, the --key / --key-file / INTACT_KEY order, and errors that give a
// hint and never contain a single byte of the key.
#include "cli/key_source.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "intact/crypto.hpp"
#include "intact/failure.hpp"
#include "intact/hex.hpp"

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
  Key k = load_key(src, &warnings);
  EXPECT_EQ(k.size(), 11u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("11 bytes"), std::string::npos) << warnings[0];
  expect_no_key_in(warnings[0], kLabHex);

  src.hex = kLongHex.substr(0, 32);  // exactly 16 bytes: no warning
  warnings.clear();
  load_key(src, &warnings);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(KeyFiles, LoadKeyReadsAKeyFileAndCollectsBothWarnings) {
  KeySource src;
  src.file = write("short", "5D2E44719232EA78CD2B32\n", 0644);
  std::vector<std::string> warnings;
  Key k = load_key(src, &warnings);
  EXPECT_EQ(to_hex_upper(k.bytes()), kLabHex);
  ASSERT_EQ(warnings.size(), 2u);
  for (const auto& w : warnings) expect_no_key_in(w, kLabHex);
}

}  // namespace
}  // namespace intact::cli
