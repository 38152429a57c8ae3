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
//
// Every line starts with the schema version, "v":1 (kJsonSchemaVersion), so a
// script can tell what it reads as fields are added; docs/json.md lists every
// line's fields. An object inside a line (an array's element, a count by kind)
// is a JsonLine::nested(), without the version.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace intact {

// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

// The version of the fields of every JSON line intact writes (docs/json.md). It
// goes up when a field changes its meaning or type, or is removed; new fields
// and events keep it.
inline constexpr int kJsonSchemaVersion = 1;

class JsonLine {
 public:
  // A line: its first field is "v", the schema version.
  JsonLine() { field("v", kJsonSchemaVersion); }
  // An object to nest inside a line (with raw()): no version of its own.
  static JsonLine nested() { return JsonLine(Nested{}); }

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
  struct Nested {};
  explicit JsonLine(Nested) {}
  std::string body_;  // "{" and the fields so far, without the closing brace
};

}  // namespace intact
