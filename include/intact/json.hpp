// intact/json.hpp: JSON lines, the one writer behind the --json output of
// chat, the tamper proxy and verify.
//
// JsonLine builds one flat JSON object, fields in the order they are added:
//   JsonLine().field("event", "message").field("seq", n).str()
// Strings are escaped by json_escape() (intact/text.hpp, beside the UTF-8
// decoding it shares with printable()): quotes, backslashes and control
// characters become escapes and invalid UTF-8 becomes U+FFFD, so bytes from
// the network can never break a line or forge a field. It is pure string
// building, so it sits in the core, below every app that writes JSON: no I/O, no clock.
// It never checks that a name is unique: callers add each field once.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace intact {

// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

class JsonLine {
 public:
  JsonLine& field(std::string_view name, std::string_view text);
  JsonLine& field(std::string_view name, const char* text) { return field(name, std::string_view(text)); }
  JsonLine& field(std::string_view name, const std::string& text) { return field(name, std::string_view(text)); }
  // Bytes shown as text (a payload): invalid UTF-8 becomes U+FFFD.
  JsonLine& field(std::string_view name, std::span<const std::uint8_t> bytes);
  JsonLine& field(std::string_view name, bool value) { return raw(name, value ? "true" : "false"); }
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonLine& field(std::string_view name, T value) {
    return raw(name, std::to_string(value));
  }
  // A value that is already JSON (an array, a nested object), written as given.
  JsonLine& raw(std::string_view name, std::string_view json);

  // The object, "{...}", without a newline.
  std::string str() const { return body_.empty() ? "{}" : body_ + "}"; }
  // The object and a newline: one JSON line.
  std::string line() const { return str() + "\n"; }

 private:
  std::string body_;  // "{" and the fields so far, without the closing brace
};

}  // namespace intact
