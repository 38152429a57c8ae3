#include "intact/key.hpp"

#include <utility>
#include <vector>

#include "intact/crypto.hpp"
#include "intact/failure.hpp"
#include "intact/hex.hpp"
#include "intact/text.hpp"

namespace intact {

Key Key::from_hex(std::string_view hex, std::string_view source) {
  std::string_view t = trim_space(hex);
  if (t.empty()) throw Error(Failure::bad_key, std::string(source) + " is empty; a key is hex text such as the output of 'intact keygen'");
  if (t.size() / 2 > kMaxKeyBytes)
    throw Error(Failure::bad_key, std::string(source) + " is longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  auto bytes = intact::from_hex(t);
  if (!bytes) {
    throw Error(Failure::bad_key, std::string(source) +
                    " is not a hex key: it must be an even number of characters 0-9 and A-F "
                    "(for example 5D2E44719232EA78CD2B32, or the output of 'intact keygen')");
  }
  Key key{SecretBytes(std::span<const std::uint8_t>(*bytes))};
  secure_wipe(*bytes);
  return key;
}

Key Key::from_bytes(std::span<const std::uint8_t> bytes, std::string_view source) {
  if (bytes.empty())
    throw Error(Failure::bad_key, std::string(source) + " is empty; make a key with 'intact keygen'");
  if (bytes.size() > kMaxKeyBytes)
    throw Error(Failure::bad_key, std::string(source) + " is longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  return Key(SecretBytes(bytes));
}

Key Key::generate(std::size_t n) {
  SecretBytes bytes(n);
  random_bytes(bytes.writable());
  return Key(std::move(bytes));
}

std::optional<std::string> short_key_warning(const Key& key) {
  if (key.size() >= kRecommendedKeyBytes) return std::nullopt;
  return "the key is " + std::to_string(key.size()) + (key.size() == 1 ? " byte; " : " bytes; ") +
         std::to_string(kRecommendedKeyBytes) + " or more are recommended ('intact keygen' makes 32)";
}

}  // namespace intact
