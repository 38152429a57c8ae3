// intact/key.hpp: the pre-shared key and how it is kept.
//
// A Key holds its bytes in a SecretBytes: they are wiped when the Key is
// destroyed or moved from, and a Key cannot be copied (one owner; others hold
// a reference). It has no way to be printed: there is no operator<<, no
// to_string, and error messages name the key's source (a file name, a
// variable), never its contents. The core only turns text or bytes it is
// handed into a Key; where they come from (an option, a file, the
// environment) is the front end's business. There is no built-in default key
// anywhere in intact.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "intact/secret.hpp"

namespace intact {

inline constexpr std::size_t kRecommendedKeyBytes = 16;
inline constexpr std::size_t kGeneratedKeyBytes = 32;
inline constexpr std::size_t kMaxKeyBytes = 4096;

class Key {
 public:
  // Hex text as the lab writes keys ("5D2E4471..."): either case, even length.
  // Surrounding white space is ignored. Throws intact::Error naming `source`.
  static Key from_hex(std::string_view hex, std::string_view source = "--key");

  // Raw key bytes (copied; the caller wipes its buffer). Refuses an empty key
  // and one over kMaxKeyBytes, with an intact::Error naming `source`.
  static Key from_bytes(std::span<const std::uint8_t> bytes, std::string_view source);

  // A fresh key from the OS CSPRNG.
  static Key generate(std::size_t bytes = kGeneratedKeyBytes);

  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  Key(Key&&) noexcept = default;
  Key& operator=(Key&&) noexcept = default;
  ~Key() = default;

  std::span<const std::uint8_t> bytes() const noexcept { return bytes_.bytes(); }
  std::size_t size() const noexcept { return bytes_.size(); }

 private:
  explicit Key(SecretBytes bytes) noexcept : bytes_(std::move(bytes)) {}
  SecretBytes bytes_;
};

// The warning for a key shorter than kRecommendedKeyBytes (it names the size,
// never the bytes), or nullopt for a key of a recommended size.
std::optional<std::string> short_key_warning(const Key& key);

}  // namespace intact
