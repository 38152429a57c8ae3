#include "attack/action_log.hpp"

#include "intact/json.hpp"

namespace intact::attack {

std::string format_human(const LogEntry& e) {
  std::string s = "[conn " + std::to_string(e.connection) + "]";
  if (e.direction) s += " " + std::string(direction_name(*e.direction));
  if (e.message != 0) s += " #" + std::to_string(e.message);
  s += " " + e.action;
  if (!e.detail.empty()) s += ": " + e.detail;
  return s;
}

std::string format_json(const LogEntry& e) {
  JsonLine j;
  j.field("conn", e.connection);
  if (e.direction) j.field("dir", direction_name(*e.direction));
  if (e.message != 0) j.field("message", e.message);
  return j.field("action", e.action).field("detail", e.detail).str();
}

}  // namespace intact::attack
