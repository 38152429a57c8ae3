#include "chat/room_command.hpp"

#include "chat/names.hpp"

namespace intact::chat {

RoomCommand parse_room_command(std::string_view line, CommandRole role) {
  auto space = line.find(' ');
  std::string_view cmd = line.substr(0, space);
  std::string_view rest = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const bool host = role == CommandRole::host;

  RoomCommand c;
  c.word = std::string(cmd);
  if (cmd == "/help") {
    c.kind = RoomCommandKind::help;
  } else if (cmd == "/who") {
    c.kind = RoomCommandKind::who;
  } else if (cmd == "/msg") {
    c.kind = RoomCommandKind::msg;
    auto sp = rest.find(' ');
    c.name = std::string(rest.substr(0, sp));
    if (sp != std::string_view::npos) c.text = std::string(rest.substr(sp + 1));
    if (c.name.empty() || c.text.empty()) c.problem = RoomCommandProblem::msg_usage;
  } else if (cmd == "/nick" && !host) {
    c.kind = RoomCommandKind::nick;
    c.name = std::string(rest);
    if (!is_valid_name(c.name)) c.problem = RoomCommandProblem::invalid_name;
  } else if (cmd == "/kick" && host) {
    c.kind = RoomCommandKind::kick;
    c.name = std::string(rest);
  } else if (cmd == "/quit") {
    c.kind = RoomCommandKind::quit;
  }
  return c;
}

}  // namespace intact::chat
