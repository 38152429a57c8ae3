#include "chat/chat_format.hpp"

namespace intact::chat {

std::string lab_chat_line(std::string_view sender, std::string_view text) {
  std::string line;
  line.reserve(lab_chat_framing(sender) + text.size());
  line.append(sender);
  line.append(": ");
  line.append(text);
  return line;
}

std::string lab_notice_line(std::string_view text) {
  std::string line(kLabNoticePrefix);
  line.append(text);
  return line;
}

}  // namespace intact::chat
