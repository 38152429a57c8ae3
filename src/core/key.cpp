#include "intact/key.hpp"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "intact/crypto.hpp"
#include "intact/failure.hpp"
#include "intact/hex.hpp"

namespace intact {

namespace {
std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}
}  // namespace

Key::Key(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
Key::Key(const Key& other) : bytes_(other.bytes_) {}
Key& Key::operator=(const Key& other) {
  if (this != &other) {
    wipe();
    bytes_ = other.bytes_;
  }
  return *this;
}
Key::Key(Key&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }
Key& Key::operator=(Key&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}
Key::~Key() { wipe(); }

void Key::wipe() noexcept {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

Key Key::from_hex(std::string_view hex, std::string_view source) {
  std::string_view t = trim(hex);
  if (t.empty()) throw Error(Failure::bad_key, std::string(source) + " is empty; a key is hex text such as the output of 'intact keygen'");
  if (t.size() / 2 > kMaxKeyBytes)
    throw Error(Failure::bad_key, std::string(source) + " is longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  auto bytes = intact::from_hex(t);
  if (!bytes) {
    throw Error(Failure::bad_key, std::string(source) +
                    " is not a hex key: it must be an even number of characters 0-9 and A-F "
                    "(for example 5D2E44719232EA78CD2B32, or the output of 'intact keygen')");
  }
  return Key(std::move(*bytes));
}

Key Key::from_file(const std::string& path, std::vector<std::string>* warnings) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error(Failure::bad_key, "cannot read key file " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Error(Failure::bad_key, "key file " + path + " is not a regular file");
  if (st.st_size > static_cast<off_t>(2 * kMaxKeyBytes + 2))
    throw Error(Failure::bad_key, "key file " + path + " is larger than a key can be (" +
                std::to_string(kMaxKeyBytes) + " bytes)");
  if ((st.st_mode & 077) != 0 && warnings != nullptr) {
    warnings->push_back("key file " + path + " has mode " + octal_mode(st.st_mode) +
                        " (readable by others); run chmod 600 " + path);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Failure::bad_key, "cannot open key file " + path + ": " + std::strerror(errno));
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string_view t = trim(content);
  if (t.empty()) {
    OPENSSL_cleanse(content.data(), content.size());
    throw Error(Failure::bad_key, "key file " + path + " is empty; make a key with: intact keygen > " + path);
  }
  std::optional<std::vector<std::uint8_t>> hex = intact::from_hex(t);
  // Only hex digits but an odd count is a hex key with a digit lost or added in
  // copying, not a raw key: reading it as raw bytes would fail only at connect.
  if (!hex && t.size() % 2 == 1 &&
      std::all_of(t.begin(), t.end(), [](char c) { return is_hex_digit(static_cast<std::uint8_t>(c)); })) {
    std::size_t digits = t.size();
    OPENSSL_cleanse(content.data(), content.size());
    throw Error(Failure::bad_key, "key file " + path + " holds an odd number of hex digits (" +
                    std::to_string(digits) +
                    "); a hex key has two per byte. Check the file for a missing or extra digit, "
                    "or make a fresh key with: intact keygen > " + path);
  }
  Key key = hex ? Key(std::move(*hex))
                : Key(std::vector<std::uint8_t>(content.begin(), content.end()));
  OPENSSL_cleanse(content.data(), content.size());
  return key;
}

Key Key::generate(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  random_bytes(bytes);
  return Key(std::move(bytes));
}

Key load_key(const KeySource& source, std::vector<std::string>* warnings) {
  std::optional<Key> key;
  if (source.hex && source.file)
    throw Error(Failure::bad_key, "give the key once: --key or --key-file, not both");
  if (source.hex) {
    key = Key::from_hex(*source.hex, "--key");
  } else if (source.file) {
    key = Key::from_file(*source.file, warnings);
  } else if (const char* env = std::getenv("INTACT_KEY"); env != nullptr && *env != '\0') {
    key = Key::from_hex(env, "INTACT_KEY");
  } else {
    throw Error(Failure::bad_key, "no key given. intact needs the pre-shared key both sides agreed on:\n"
        "  --key HEX          the key as hex text (as in the lab: --key 5D2E44719232EA78CD2B32)\n"
        "  --key-file FILE    a file holding the key (hex or raw bytes), mode 600\n"
        "  INTACT_KEY=HEX     the key in the environment\n"
        "Make a fresh key with: intact keygen > key && chmod 600 key");
  }
  if (key->size() < kRecommendedKeyBytes && warnings != nullptr) {
    warnings->push_back("the key is " + std::to_string(key->size()) + " bytes; " +
                        std::to_string(kRecommendedKeyBytes) +
                        " or more are recommended ('intact keygen' makes 32)");
  }
  return std::move(*key);
}

}  // namespace intact
