#include "attack/action_log.hpp"

#include "intact/json.hpp"

namespace intact::attack {

LogAction log_action(ActionKind kind) noexcept {
  switch (kind) {
    case ActionKind::flip: return LogAction::flip;
    case ActionKind::replace: return LogAction::replace;
    case ActionKind::replay: return LogAction::replay;
    case ActionKind::swap: return LogAction::swap;
    case ActionKind::drop: return LogAction::drop;
    case ActionKind::dup: return LogAction::dup;
    case ActionKind::reflect: return LogAction::reflect;
    case ActionKind::inject: return LogAction::inject;
    case ActionKind::splice: return LogAction::splice;
    case ActionKind::cut: return LogAction::cut;
    case ActionKind::random: return LogAction::random;
  }
  return LogAction::random;
}

std::string_view log_action_name(LogAction action) noexcept {
  switch (action) {
    case LogAction::flip: return "flip";
    case LogAction::replace: return "replace";
    case LogAction::replay: return "replay";
    case LogAction::swap: return "swap";
    case LogAction::drop: return "drop";
    case LogAction::dup: return "dup";
    case LogAction::reflect: return "reflect";
    case LogAction::inject: return "inject";
    case LogAction::splice: return "splice";
    case LogAction::cut: return "cut";
    case LogAction::random: return "random";
    case LogAction::message: return "message";
    case LogAction::close: return "close";
    case LogAction::end: return "end";
    case LogAction::format: return "format";
    case LogAction::pass: return "pass";
    case LogAction::release: return "release";
    case LogAction::connect: return "connect";
    case LogAction::disconnect: return "disconnect";
    case LogAction::error: return "error";
    case LogAction::refused: return "refused";
  }
  return "?";
}

std::string format_human(const LogEntry& e) {
  std::string s = "[conn " + std::to_string(e.connection) + "]";
  if (e.direction) s += " " + std::string(direction_name(*e.direction));
  if (e.message != 0) s += " #" + std::to_string(e.message);
  s += " " + std::string(log_action_name(e.action));
  if (!e.detail.empty()) s += ": " + e.detail;
  return s;
}

std::string format_json(const LogEntry& e) {
  JsonLine j;
  j.field("conn", e.connection);
  if (e.direction) j.field("dir", direction_name(*e.direction));
  if (e.message != 0) j.field("message", e.message);
  return j.field("action", log_action_name(e.action)).field("detail", e.detail).str();
}

}  // namespace intact::attack
