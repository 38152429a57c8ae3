// src/chat/room_command.hpp: one line a room participant typed that starts with
// '/', parsed into a typed command (pure: no I/O, no room state).
//
// The command word is what comes before the first space; the arguments are the
// rest with its leading spaces removed. Which commands exist depends on who
// typed the line: members have /nick, the server's console (the host) has
// /kick; either one typing the other's command gets `unknown`. Whether a name
// is in the room is the server's business (ChatServer::handle_command): the
// parser only says what was asked and whether the request is well formed.
#pragma once

#include <string>
#include <string_view>

namespace intact::chat {

enum class RoomCommandKind : unsigned char {
  help,     // /help
  who,      // /who
  msg,      // /msg NAME TEXT
  nick,     // /nick NAME (members only)
  kick,     // /kick NAME (the host only)
  quit,     // /quit
  unknown,  // anything else; `word` is what was typed
};

enum class RoomCommandProblem : unsigned char {
  none,
  msg_usage,     // /msg without a NAME or without a TEXT
  invalid_name,  // /nick NAME where NAME breaks the rule of chat/names.hpp
};

enum class CommandRole : unsigned char { member, host };

struct RoomCommand {
  RoomCommandKind kind = RoomCommandKind::unknown;
  RoomCommandProblem problem = RoomCommandProblem::none;
  std::string word;  // the command word as typed, '/' included
  std::string name;  // msg, nick, kick: the NAME argument (kick: the whole rest)
  std::string text;  // msg: the TEXT (everything after NAME and one space)
  bool operator==(const RoomCommand&) const = default;
};

// `line` starts with '/' (the caller has checked). Never throws.
RoomCommand parse_room_command(std::string_view line, CommandRole role);

}  // namespace intact::chat
