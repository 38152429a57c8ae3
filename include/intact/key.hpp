// intact/key.hpp: the pre-shared key, where it comes from and how it is kept.
//
// A Key holds secret bytes and wipes them when destroyed. It has no way to be
// printed: there is no operator<<, no to_string, and error messages name the
// key's source (a file name, a variable), never its contents. A missing key is
// an error with a hint; there is no built-in default key anywhere in intact.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace intact {

inline constexpr std::size_t kRecommendedKeyBytes = 16;
inline constexpr std::size_t kGeneratedKeyBytes = 32;
inline constexpr std::size_t kMaxKeyBytes = 4096;

class Key {
 public:
  // Hex text as the lab writes keys ("5D2E4471..."): either case, even length.
  // Surrounding white space is ignored. Throws intact::Error naming `source`.
  static Key from_hex(std::string_view hex, std::string_view source = "--key");

  // A key file: hex text (optionally followed by a newline) or raw bytes.
  // Appends a warning when the file is readable by group or others.
  static Key from_file(const std::string& path, std::vector<std::string>* warnings);

  // A fresh key from the OS CSPRNG.
  static Key generate(std::size_t bytes = kGeneratedKeyBytes);

  Key(const Key&);
  Key& operator=(const Key&);
  Key(Key&&) noexcept;
  Key& operator=(Key&&) noexcept;
  ~Key();

  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }
  std::size_t size() const noexcept { return bytes_.size(); }

 private:
  explicit Key(std::vector<std::uint8_t> bytes);
  void wipe() noexcept;
  std::vector<std::uint8_t> bytes_;
};

// Where the command line said to take the key from. Exactly one source is used:
// --key, then --key-file, then the INTACT_KEY environment variable.
struct KeySource {
  std::optional<std::string> hex;   // --key HEX
  std::optional<std::string> file;  // --key-file FILE
};

// Resolves a KeySource (falling back to INTACT_KEY). Throws intact::Error with
// a hint when no key is given. Appends warnings (short key, loose file mode).
Key load_key(const KeySource& source, std::vector<std::string>* warnings);

}  // namespace intact
