// intact/text.hpp: making received text safe to show on a terminal.
//
// Bytes from the network are never written to a terminal as they came: control
// characters (C0, DEL, C1) would let a peer move the cursor, rewrite the
// screen or retitle the window, and bidirectional overrides (U+202E...) would
// make text read as something else. printable() shows them, and bytes that are
// not valid UTF-8, as visible escapes (\x1B, \u202E). It never drops information.
#pragma once

#include <string>
#include <string_view>

namespace intact {

std::string printable(std::string_view text);

// A user name: 1 to v1::kMaxNameSize (64) bytes of valid UTF-8 with no control
// characters, no spaces (so "/msg NAME TEXT" parses), not starting with '*' or '/'.
bool is_valid_name(std::string_view name);
// That rule in words, for a message to a user: "1 to 64 bytes, no spaces ...".
std::string valid_name_rule();

// `text` as the body of a JSON string (without the quotes): escapes quotes,
// backslashes and control characters; invalid UTF-8 bytes become U+FFFD.
std::string json_escape(std::string_view text);

}  // namespace intact
