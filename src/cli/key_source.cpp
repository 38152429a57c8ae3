#include "cli/key_source.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "intact/failure.hpp"
#include "intact/hex.hpp"
#include "intact/text.hpp"
#include "intact/secret.hpp"

namespace intact::cli {

namespace {

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// "readable by the group", "readable and writable by others": who besides the
// owner may do what with the file (mode & 077 is not 0).
std::string loose_access(mode_t mode) {
  auto what = [](mode_t bits) {
    std::string s;
    for (auto [bit, word] : {std::pair<mode_t, const char*>{4, "readable"}, {2, "writable"}, {1, "executable"}}) {
      if ((bits & bit) == 0) continue;
      s += (s.empty() ? "" : " and ");
      s += word;
    }
    return s;
  };
  std::string group = what((mode >> 3) & 7), others = what(mode & 7);
  if (group == others) return group + " by the group and others";
  if (others.empty()) return group + " by the group";
  if (group.empty()) return others + " by others";
  return group + " by the group, " + others + " by others";
}

// Wipes the file's contents however the reading ends.
struct WipedText {
  std::string text;
  ~WipedText() { secure_wipe(text); }
};
}  // namespace

Key read_key_file(const std::string& path, std::vector<std::string>* warnings) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error(Failure::bad_key, "cannot read key file " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Error(Failure::bad_key, "key file " + path + " is not a regular file");
  if (st.st_size > static_cast<off_t>(2 * kMaxKeyBytes + 2))
    throw Error(Failure::bad_key, "key file " + path + " is larger than a key can be (" +
                std::to_string(kMaxKeyBytes) + " bytes)");
  if ((st.st_mode & 077) != 0 && warnings != nullptr) {
    warnings->push_back("key file " + path + " has mode " + octal_mode(st.st_mode) +
                        " (" + loose_access(st.st_mode) + "); run chmod 600 " + path);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Failure::bad_key, "cannot open key file " + path + ": " + std::strerror(errno));
  WipedText content;
  content.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::string_view t = trim_space(content.text);
  if (t.empty())
    throw Error(Failure::bad_key, "key file " + path + " is empty; make a key with: intact keygen > " + path);
  const std::string source = "key file " + path;
  if (std::optional<std::vector<std::uint8_t>> hex = intact::from_hex(t)) {
    Key key = Key::from_bytes(*hex, source);
    secure_wipe(*hex);
    return key;
  }
  // Only hex digits but an odd count is a hex key with a digit lost or added in
  // copying, not a raw key: reading it as raw bytes would fail only at connect.
  if (t.size() % 2 == 1 &&
      std::all_of(t.begin(), t.end(), [](char c) { return is_hex_digit(static_cast<std::uint8_t>(c)); })) {
    throw Error(Failure::bad_key, "key file " + path + " holds an odd number of hex digits (" +
                    std::to_string(t.size()) +
                    "); a hex key has two per byte. Check the file for a missing or extra digit, "
                    "or make a fresh key with: intact keygen > " + path);
  }
  return Key::from_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(content.text.data()), content.text.size()), source);
}

Key load_key(const KeySource& source, std::vector<std::string>* warnings) {
  std::optional<Key> key;
  if (source.hex && source.file)
    throw Error(Failure::bad_key, "give the key once: --key or --key-file, not both");
  if (source.hex) {
    key = Key::from_hex(*source.hex, "--key");
  } else if (source.file) {
    key = read_key_file(*source.file, warnings);
  } else if (const char* env = std::getenv(kKeyEnvironment); env != nullptr && *env != '\0') {
    key = Key::from_hex(env, "INTACT_KEY");
  } else {
    throw Error(Failure::bad_key, "no key given. intact needs the pre-shared key both sides agreed on:\n"
        "  --key HEX          the key as hex text (as in the lab: --key 5D2E44719232EA78CD2B32)\n"
        "  --key-file FILE    a file holding the key (hex or raw bytes), mode 600\n"
        "  INTACT_KEY=HEX     the key in the environment\n"
        "Make a fresh key with: intact keygen > key && chmod 600 key");
  }
  if (warnings != nullptr) {
    if (auto w = short_key_warning(*key)) warnings->push_back(std::move(*w));
  }
  return std::move(*key);
}

}  // namespace intact::cli
