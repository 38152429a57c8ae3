// Fuzz target room_command: the room's command parser (src/chat/room_command)
// fed arbitrary lines. The first byte chooses who typed it (even: a member,
// odd: the host); the rest, after a '/', is the line.
//
// Checks, beyond memory safety: the command word is the line up to its first
// space; the kind follows from the word and the role alone (/nick only for
// members, /kick only for the host); the arguments put back together give the
// line (msg: word, spaces, NAME, one space, TEXT); NAME of /msg has no space;
// a usage problem exactly when NAME or TEXT is empty; /nick's problem exactly
// when chat/names.hpp refuses the name; the parse is the same twice.
#include <string>

#include "chat/names.hpp"
#include "chat/room_command.hpp"
#include "fuzz_target.hpp"

using namespace intact::chat;

INTACT_FUZZ_TARGET(room_command) {
  if (size == 0) return;
  const CommandRole role = (data[0] & 1) ? CommandRole::host : CommandRole::member;
  std::string line = "/" + std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  const RoomCommand c = parse_room_command(line, role);
  FUZZ_CHECK(c == parse_room_command(line, role));

  const std::size_t space = line.find(' ');
  FUZZ_CHECK(c.word == line.substr(0, space));
  std::string rest = space == std::string::npos ? std::string() : line.substr(space + 1);
  std::size_t lead = rest.find_first_not_of(' ');
  rest = lead == std::string::npos ? std::string() : rest.substr(lead);

  const bool host = role == CommandRole::host;
  RoomCommandKind expected = RoomCommandKind::unknown;
  if (c.word == "/help") expected = RoomCommandKind::help;
  if (c.word == "/who") expected = RoomCommandKind::who;
  if (c.word == "/msg") expected = RoomCommandKind::msg;
  if (c.word == "/nick" && !host) expected = RoomCommandKind::nick;
  if (c.word == "/kick" && host) expected = RoomCommandKind::kick;
  if (c.word == "/quit") expected = RoomCommandKind::quit;
  FUZZ_CHECK(c.kind == expected);

  switch (c.kind) {
    case RoomCommandKind::msg:
      FUZZ_CHECK(c.name.find(' ') == std::string::npos);
      FUZZ_CHECK((c.problem == RoomCommandProblem::msg_usage) == (c.name.empty() || c.text.empty()));
      FUZZ_CHECK(c.problem == RoomCommandProblem::none || c.problem == RoomCommandProblem::msg_usage);
      if (c.problem == RoomCommandProblem::none) FUZZ_CHECK(rest == c.name + " " + c.text);
      else FUZZ_CHECK(rest == c.name || rest == c.name + " " + c.text);
      break;
    case RoomCommandKind::nick:
      FUZZ_CHECK(c.name == rest && c.text.empty());
      FUZZ_CHECK((c.problem == RoomCommandProblem::invalid_name) == !is_valid_name(c.name));
      FUZZ_CHECK(c.problem == RoomCommandProblem::none || c.problem == RoomCommandProblem::invalid_name);
      break;
    case RoomCommandKind::kick:
      FUZZ_CHECK(c.name == rest && c.text.empty() && c.problem == RoomCommandProblem::none);
      break;
    default:
      FUZZ_CHECK(c.name.empty() && c.text.empty() && c.problem == RoomCommandProblem::none);
      break;
  }
}
