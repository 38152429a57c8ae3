#include "attack/action_log.hpp"

#include "intact/text.hpp"

namespace intact::attack {

std::string json_quote(std::string_view text) { return "\"" + json_escape(text) + "\""; }

std::string format_human(const LogEntry& e) {
  std::string s = "[conn " + std::to_string(e.connection) + "]";
  if (e.direction) s += " " + std::string(direction_name(*e.direction));
  if (e.message != 0) s += " #" + std::to_string(e.message);
  s += " " + e.action;
  if (!e.detail.empty()) s += ": " + e.detail;
  return s;
}

std::string format_json(const LogEntry& e) {
  std::string s = "{\"conn\":" + std::to_string(e.connection);
  if (e.direction) s += ",\"dir\":\"" + std::string(direction_name(*e.direction)) + "\"";
  if (e.message != 0) s += ",\"message\":" + std::to_string(e.message);
  s += ",\"action\":" + json_quote(e.action);
  s += ",\"detail\":" + json_quote(e.detail) + "}";
  return s;
}

}  // namespace intact::attack
