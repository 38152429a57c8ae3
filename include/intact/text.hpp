// intact/text.hpp: making received text safe to show on a terminal.
//
// Bytes from the network are never written to a terminal as they came: control
// characters (C0, DEL, C1) would let a peer move the cursor, rewrite the
// screen or retitle the window, and bidirectional overrides (U+202E...) would
// make text read as something else. printable() shows them, and bytes that are
// not valid UTF-8, as visible escapes (\x1B, \u202E). It never drops information.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace intact {

// `s` without the spaces, tabs and line ends around it (a key pasted or read from a file).
inline std::string_view trim_space(std::string_view s) noexcept {
  constexpr std::string_view ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string printable(std::string_view text);

// The valid UTF-8 sequence starting at text[i]: its length, with its code point
// in *cp; 0 when the bytes there are not valid UTF-8 (or i is past the end).
std::size_t utf8_sequence(std::string_view text, std::size_t i, char32_t* cp) noexcept;
// C0 controls, DEL and C1 controls: printable() shows them as escapes.
bool is_control(char32_t cp) noexcept;
// Bidirectional formatting characters (U+202E...): they reorder what a terminal
// shows, so a peer could make text read as something else ("Trojan Source").
bool is_bidi_control(char32_t cp) noexcept;

// `text` as the body of a JSON string (without the quotes): escapes quotes,
// backslashes and control characters; invalid UTF-8 bytes become U+FFFD.
std::string json_escape(std::string_view text);

// A duration for people, in the style of the command line's values: whole
// seconds as "10 s", anything else as "1500 ms".
std::string duration_text(std::chrono::milliseconds d);

}  // namespace intact
