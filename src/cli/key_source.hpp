// src/cli/key_source.hpp: where the command line takes the pre-shared key from.
//
// The core (intact/key.hpp) only turns hex text or bytes into a Key; reading a
// key file, checking its mode, deriving a key from a passphrase and looking at
// INTACT_KEY happen here, in the front end. Nothing here prints a key: errors
// and warnings name the source (--key, the file's path, INTACT_KEY), never the
// bytes.
//
// The key file rule (README "Keys", --help): a key file is a regular file
// (not a device, FIFO, directory, /proc or /sys file) of at most
// kMaxKeyFileBytes bytes. One line ending at its end ("\n" or "\r\n") is
// removed, and nothing else. What remains is hex when it is only hex digits
// 0-9 a-f A-F, an even number of them; it is raw bytes when it holds any byte
// that is neither a hex digit nor white space. Refused with a hint, never
// guessed: a UTF-8 byte-order mark at the start, a 0x prefix, hex digits with
// white space among them (inner spaces, a second line ending), an odd number
// of hex digits, nothing at all, a raw key over kMaxKeyBytes. A passphrase
// file follows the same rule (regular file, size, BOM, one line ending); its
// bytes are the passphrase whatever they look like.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "intact/key.hpp"
#include "intact/secret.hpp"

namespace intact::cli {

// The environment variable a key may come from. A command intact starts
// (--exec) does not inherit it.
inline constexpr const char* kKeyEnvironment = "INTACT_KEY";

// The largest key file: the hex text of a kMaxKeyBytes key and a "\r\n".
inline constexpr std::size_t kMaxKeyFileBytes = 2 * kMaxKeyBytes + 2;  // 8,194

// What the key is for. A v1 key under kRecommendedKeyBytes given as a key (not a
// passphrase) is refused without --weak-key: anyone who connects gets the
// server's CONFIRM tag and can test guesses of it offline (docs/protocol.md,
// "Offline guessing"). The lab's format (--legacy, intact mac) takes any key,
// with a warning.
enum class KeyUse { v1, legacy };

// The passphrase derivation (docs/protocol.md, "Passphrases"): Argon2id
// (libsodium crypto_pwhash, ARGON2ID13), this salt, these limits, a 32-byte key.
// Changing any of them changes every passphrase's key.
inline constexpr std::string_view kPassphraseSalt = "intact-v1-pwhash";  // 16 bytes
inline constexpr unsigned long long kPassphraseOpsLimit = 2;
inline constexpr std::size_t kPassphraseMemLimit = std::size_t{64} << 20;  // 64 MiB
inline constexpr std::size_t kPassphraseKeyBytes = 32;

// Where the command line said to take the key from. Exactly one source is used:
// --key, --key-file or --passphrase-file (one of them), else the INTACT_KEY
// environment variable.
struct KeySource {
  std::optional<std::string> hex;              // --key HEX
  std::optional<std::string> file;             // --key-file FILE
  std::optional<std::string> passphrase_file;  // --passphrase-file FILE
  bool weak_key = false;                       // --weak-key: a short v1 key, used as it is
};

// The bytes of a key or passphrase file under the rule above, its line ending
// removed (`what` is "key file" or "passphrase file"). Appends a warning when
// the file is readable by group or others. Throws intact::Error (bad_key).
SecretBytes read_secret_file(const std::string& path, std::string_view what,
                             std::vector<std::string>* warnings);

// A key file under the rule above.
Key read_key_file(const std::string& path, std::vector<std::string>* warnings);

// The 32-byte key of a passphrase (Argon2id with the fixed salt and limits).
// `source` names it in errors.
Key derive_passphrase_key(std::span<const std::uint8_t> passphrase, std::string_view source);

// A passphrase file read under the rule above, through derive_passphrase_key.
Key read_passphrase_file(const std::string& path, std::vector<std::string>* warnings);

// Resolves a KeySource (falling back to INTACT_KEY) for `use`. Throws
// intact::Error with a hint when no key is given, or when a short key is given
// for v1 without weak_key. Appends warnings (short key, loose file mode). Marks
// the process not dumpable first (make_process_undumpable).
Key load_key(const KeySource& source, KeyUse use, std::vector<std::string>* warnings);
// The same for protocol v1 (the strict default).
Key load_key(const KeySource& source, std::vector<std::string>* warnings);

// prctl(PR_SET_DUMPABLE, 0) and a core size limit of 0: no core dump holds the
// key, and another process of the same user cannot ptrace this one or read its
// memory through /proc. Idempotent.
void make_process_undumpable();

}  // namespace intact::cli
