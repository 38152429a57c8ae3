// src/capture/display_text.hpp: captured bytes made safe to show, on a
// terminal or inside JSON.
//
// Captured text is attacker-controlled. These functions never pass a control
// character, an escape sequence or invalid UTF-8 through: on a terminal they
// become visible escapes (\n, \x1B), in JSON they become \u escapes or U+FFFD.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace intact::capture {

// A double-quoted, escaped preview of at most `max_bytes` input bytes ("..." appended when cut).
std::string quoted_for_terminal(std::span<const std::uint8_t> bytes, std::size_t max_bytes = 200);

// A JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD.
std::string json_string(std::span<const std::uint8_t> bytes);
std::string json_string(std::string_view text);

}  // namespace intact::capture
