#include "cli/key_source.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>

#include "intact/failure.hpp"
#include "intact/hex.hpp"
#include "intact/secret.hpp"
#include "intact/text.hpp"

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

const char* file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Closes the descriptor however the reading ends.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool is_space(std::uint8_t c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_hex(std::uint8_t c) noexcept { return is_hex_digit(c); }

}  // namespace

SecretBytes read_secret_file(const std::string& path, std::string_view what_kind,
                             std::vector<std::string>* warnings) {
  const std::string what = std::string(what_kind) + " " + path;
  // O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused by type below).
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
  if (f.fd < 0) throw Error(Failure::bad_key, "cannot read " + what + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw Error(Failure::bad_key, "cannot read " + what + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw Error(Failure::bad_key, what + " is " + file_type(st.st_mode) +
                                      ", not a regular file; a key is kept in an ordinary file "
                                      "(intact keygen > key && chmod 600 key)");
  // /proc and /sys files say they are regular files of size 0 and hold something else.
  struct statfs fs {};
  if (::fstatfs(f.fd, &fs) == 0 &&
      (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC)) {
    throw Error(Failure::bad_key, what + " is a file of " +
                                      (fs.f_type == PROC_SUPER_MAGIC ? "/proc" : "/sys") +
                                      ", not a regular file; a key is kept in an ordinary file "
                                      "(intact keygen > key && chmod 600 key)");
  }
  const std::string limit = "; a " + std::string(what_kind) + " holds at most " +
                            std::to_string(kMaxKeyFileBytes) + " bytes (a " +
                            std::to_string(kMaxKeyBytes) + "-byte key as hex and a line ending)";
  if (st.st_size > static_cast<off_t>(kMaxKeyFileBytes))
    throw Error(Failure::bad_key,
                what + " is " + std::to_string(st.st_size) + " bytes, too large" + limit);
  if ((st.st_mode & 077) != 0 && warnings != nullptr) {
    warnings->push_back(what + " has mode " + octal_mode(st.st_mode) + " (" +
                        loose_access(st.st_mode) + "); run chmod 600 " + path);
  }
  // Read with a bound: one byte more than the limit tells a file that grew.
  SecretBytes buffer(kMaxKeyFileBytes + 1);
  std::size_t got = 0;
  while (got < buffer.size()) {
    ssize_t n = ::read(f.fd, buffer.writable().data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(Failure::bad_key, "cannot read " + what + ": " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > kMaxKeyFileBytes) throw Error(Failure::bad_key, what + " is too large" + limit);
  std::span<const std::uint8_t> t = buffer.bytes().first(got);
  // The one trim: a single line ending at the end ("\n" or "\r\n"), for hex and raw alike.
  if (!t.empty() && t.back() == '\n') t = t.first(t.size() - 1);
  if (!t.empty() && t.back() == '\r') {
    if (got >= 2 && buffer.bytes()[got - 1] == '\n') t = t.first(t.size() - 1);
  }
  if (t.size() >= 3 && t[0] == 0xEF && t[1] == 0xBB && t[2] == 0xBF)
    throw Error(Failure::bad_key,
                what + " starts with a UTF-8 byte-order mark (EF BB BF), which would become part "
                       "of the key; save the file without it (\"UTF-8 without BOM\")");
  if (std::all_of(t.begin(), t.end(), is_space))
    throw Error(Failure::bad_key, what + " is empty" +
                                      std::string(t.empty() ? "" : " (only white space)") +
                                      "; make a key with: intact keygen > " + path);
  return SecretBytes(t);
}

Key read_key_file(const std::string& path, std::vector<std::string>* warnings) {
  SecretBytes content = read_secret_file(path, "key file", warnings);
  const std::string source = "key file " + path;
  std::span<const std::uint8_t> t = content.bytes();
  const bool all_hex = std::all_of(t.begin(), t.end(), is_hex);
  if (all_hex && t.size() % 2 == 0) {
    std::string_view text(reinterpret_cast<const char*>(t.data()), t.size());
    return Key::from_hex(text, source);  // wipes its decoded copy
  }
  // Only hex digits but an odd count is a hex key with a digit lost or added in
  // copying, not a raw key: reading it as raw bytes would fail only at connect.
  if (all_hex) {
    throw Error(Failure::bad_key, source + " holds an odd number of hex digits (" +
                    std::to_string(t.size()) +
                    "); a hex key has two per byte. Check the file for a missing or extra digit, "
                    "or make a fresh key with: intact keygen > " + path);
  }
  const bool hex_or_space =
      std::all_of(t.begin(), t.end(), [](std::uint8_t c) { return is_hex(c) || is_space(c); });
  if (t.size() >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') &&
      std::all_of(t.begin() + 2, t.end(), [](std::uint8_t c) { return is_hex(c) || is_space(c); })) {
    throw Error(Failure::bad_key, source + " starts with 0x; a hex key file holds the hex digits "
                                           "alone: remove the 0x (it is not guessed)");
  }
  if (hex_or_space) {
    throw Error(Failure::bad_key,
                source + " holds hex digits with white space among them (a space, a tab or more "
                         "than one line); a hex key file is one line of hex digits, and only one "
                         "line ending at its end is removed: remove the rest (it is not guessed)");
  }
  if (t.size() > kMaxKeyBytes)
    throw Error(Failure::bad_key, source + " holds a raw key of " + std::to_string(t.size()) +
                                      " bytes; a raw key is at most " +
                                      std::to_string(kMaxKeyBytes) + " bytes");
  return Key::from_bytes(t, source);
}

Key derive_passphrase_key(std::span<const std::uint8_t> passphrase, std::string_view source) {
  static_assert(kPassphraseSalt.size() == crypto_pwhash_SALTBYTES);
  static std::once_flag once;
  static int init = -1;
  std::call_once(once, [] { init = sodium_init(); });
  if (init < 0) throw Error(Failure::internal, "libsodium could not be initialised");
  if (passphrase.empty()) throw Error(Failure::bad_key, std::string(source) + " is empty");
  if (passphrase.size() > kMaxKeyBytes)
    throw Error(Failure::bad_key, std::string(source) + " holds a passphrase of " +
                                      std::to_string(passphrase.size()) + " bytes; at most " +
                                      std::to_string(kMaxKeyBytes));
  SecretBytes key(kPassphraseKeyBytes);
  if (crypto_pwhash(key.writable().data(), key.size(), reinterpret_cast<const char*>(passphrase.data()),
                    passphrase.size(), reinterpret_cast<const unsigned char*>(kPassphraseSalt.data()),
                    kPassphraseOpsLimit, kPassphraseMemLimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw Error(Failure::io, "cannot derive the key of " + std::string(source) +
                                 ": Argon2id needs " + std::to_string(kPassphraseMemLimit >> 20) +
                                 " MiB of memory and could not have it");
  }
  return Key::from_bytes(key.bytes(), source);  // `key` is wiped when it goes
}

Key read_passphrase_file(const std::string& path, std::vector<std::string>* warnings) {
  SecretBytes passphrase = read_secret_file(path, "passphrase file", warnings);
  return derive_passphrase_key(passphrase.bytes(), "passphrase file " + path);
}

void make_process_undumpable() {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct rlimit none {0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
}

Key load_key(const KeySource& source, std::vector<std::string>* warnings) {
  return load_key(source, KeyUse::v1, warnings);
}

Key load_key(const KeySource& source, KeyUse use, std::vector<std::string>* warnings) {
  make_process_undumpable();
  std::optional<Key> key;
  int given = (source.hex ? 1 : 0) + (source.file ? 1 : 0) + (source.passphrase_file ? 1 : 0);
  if (given > 1)
    throw Error(Failure::bad_key,
                "give the key once: --key, --key-file or --passphrase-file, not two of them");
  if (source.passphrase_file) {
    // 32 bytes from Argon2id: never short, so neither refused nor warned about.
    return read_passphrase_file(*source.passphrase_file, warnings);
  }
  std::string from;
  if (source.hex) {
    key = Key::from_hex(*source.hex, "--key");
    from = "--key";
  } else if (source.file) {
    key = read_key_file(*source.file, warnings);
    from = "--key-file";
  } else if (const char* env = std::getenv(kKeyEnvironment); env != nullptr && *env != '\0') {
    key = Key::from_hex(env, "INTACT_KEY");
    from = "INTACT_KEY";
  } else {
    throw Error(Failure::bad_key, "no key given. intact needs the pre-shared key both sides agreed on:\n"
        "  --key HEX              the key as hex text (16 bytes or more; the lab's short key\n"
        "                         needs --legacy, or --weak-key with protocol v1)\n"
        "  --key-file FILE        a file holding the key (hex or raw bytes), mode 600\n"
        "  --passphrase-file FILE a file holding a passphrase (the key is derived with Argon2id)\n"
        "  INTACT_KEY=HEX         the key in the environment\n"
        "Make a fresh key with: intact keygen > key && chmod 600 key");
  }
  if (key->size() < kRecommendedKeyBytes && use == KeyUse::v1) {
    const std::string size = std::to_string(key->size()) + (key->size() == 1 ? " byte" : " bytes");
    if (!source.weak_key) {
      throw Error(Failure::bad_key,
                  "the key (" + from + ") is " + size + ", too short for protocol v1: anyone who "
                  "connects receives the server's CONFIRM tag and can test guesses of the key "
                  "offline at millions a second. Make a key with 'intact keygen > key' (then "
                  "--key-file key), or give a passphrase with --passphrase-file FILE; to use this "
                  "key as it is, add --weak-key");
    }
    if (warnings != nullptr)
      warnings->push_back("--weak-key: the key is " + size + ", used as it is; anyone who connects "
                          "receives the server's CONFIRM tag and can test guesses of the key "
                          "offline at HMAC speed (millions a second), so a short or typed key can "
                          "be found ('intact keygen' makes 32 random bytes)");
    return std::move(*key);
  }
  if (warnings != nullptr) {
    if (auto w = short_key_warning(*key)) warnings->push_back(std::move(*w));
  }
  return std::move(*key);
}

}  // namespace intact::cli
