// src/chat/chat_format.hpp: how the room's lines look to a lab-format member.
//
// The lab's format carries one text per message and nothing else: no sender
// field and no notice type (protocol v1 has CHAT and NOTICE frames for them).
// So the room writes a relayed line as "name: text" and a notice as "*** text"
// and sends that text as the message. The core (LegacySession) carries bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace intact::chat {

inline constexpr std::string_view kLabNoticePrefix = "*** ";

// The lab's reader does one recv(1024) per message, splits it at '|' (two messages in one
// read crash it) and sleeps 0.2 s: what intact sends a lab-format peer goes one message per
// write, this long apart (net::ConnectionLimits::pace). 0.3 s leaves the reader 0.1 s of
// margin for its own work and a busy machine, and is still 3 messages a second (the lab's
// own programs manage 5). `--lab-pace` on the server and the client; 0 turns it off.
inline constexpr std::chrono::milliseconds kLabPace{300};

// "sender: text".
std::string lab_chat_line(std::string_view sender, std::string_view text);
// The bytes lab_chat_line adds to the text: the name and ": ".
inline std::size_t lab_chat_framing(std::string_view sender) noexcept { return sender.size() + 2; }
// "*** text".
std::string lab_notice_line(std::string_view text);

}  // namespace intact::chat
