// src/chat/names.hpp: which names a chat user may have (the room's policy).
//
// The wire limits a name to v1::kMaxNameSize bytes (intact/frame.hpp: protocol);
// what a chat name may contain is the chat's rule: valid UTF-8, no control or
// bidirectional formatting characters, no spaces (so "/msg NAME TEXT" parses),
// not starting with '*' (a notice) or '/' (a command).
#pragma once

#include <string>
#include <string_view>

namespace intact::chat {

bool is_valid_name(std::string_view name);
// Why `name` breaks the rule, in words ("'/who' starts with '/', which marks a
// command"); empty when it is valid.
std::string name_problem(std::string_view name);
// That rule in words, for a message to a user: "1 to 64 bytes, no spaces ...".
std::string valid_name_rule();

}  // namespace intact::chat
