#include "chat/names.hpp"

#include "intact/frame.hpp"
#include "intact/text.hpp"

namespace intact::chat {

std::string valid_name_rule() {
  return "1 to " + std::to_string(v1::kMaxNameSize) +
         " bytes, no spaces or control characters, not starting with * or /";
}

bool is_valid_name(std::string_view name) { return name_problem(name).empty(); }

std::string name_problem(std::string_view name) {
  if (name.empty()) return "a name cannot be empty";
  const std::string shown = "'" + printable(name) + "'";
  if (name.size() > v1::kMaxNameSize)
    return shown + " is " + std::to_string(name.size()) + " bytes long; a name has at most " +
           std::to_string(v1::kMaxNameSize);
  if (name[0] == '/') return shown + " starts with '/', which marks a command (/who, /msg, ...)";
  if (name[0] == '*') return shown + " starts with '*', which marks a notice";
  for (std::size_t i = 0; i < name.size();) {
    char32_t cp = 0;
    std::size_t n = utf8_sequence(name, i, &cp);
    if (n == 0) return shown + " is not valid UTF-8";
    if (cp == ' ' || cp == 0xA0) return shown + " has a space (/msg NAME TEXT could not name it)";
    if (is_control(cp) || is_bidi_control(cp)) return shown + " has a control or formatting character";
    i += n;
  }
  return {};
}

}  // namespace intact::chat
