#include "chat/names.hpp"

#include "intact/frame.hpp"
#include "intact/text.hpp"

namespace intact::chat {

std::string valid_name_rule() {
  return "1 to " + std::to_string(v1::kMaxNameSize) +
         " bytes, no spaces or control characters, not starting with * or /";
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > v1::kMaxNameSize || name[0] == '*' || name[0] == '/') return false;
  for (std::size_t i = 0; i < name.size();) {
    char32_t cp = 0;
    std::size_t n = utf8_sequence(name, i, &cp);
    if (n == 0 || is_control(cp) || is_bidi_control(cp) || cp == ' ' || cp == 0xA0) return false;
    i += n;
  }
  return true;
}

}  // namespace intact::chat
