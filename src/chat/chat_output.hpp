// src/chat/chat_output.hpp: what a chat user sees, as text lines or as JSON lines.
//
// Every line a chat server or client shows goes through here, so the human
// format, the --json format and terminal safety are decided in one place:
// names and texts from the network are passed through printable() before a
// human sees them, and through intact::JsonLine (json.hpp) in JSON. The integrity failure
// line is exactly the lab's sentence. Never given a key, so never prints one.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "intact/json.hpp"
#include "intact/session.hpp"

namespace intact::chat {

class ChatOutput {
 public:
  enum class Mode { human, json };
  // Conversation lines go to `out`; diagnostics (refused connections) to `log` in human mode.
  ChatOutput(Mode mode, std::FILE* out, std::FILE* log, bool color, bool timestamps);

  // A line from a user. `private_to` non-empty: a private message. `origin` lab_format: the
  // line came from a lab-format member ("[lab format] bob: hi"; in JSON "lab_format": true).
  void message(std::string_view from, std::string_view text, std::string_view private_to = {},
               ChatOrigin origin = ChatOrigin::v1);
  // The room did not relay a lab-format member's line: the same bytes again (server only).
  void repeated_line(std::string_view from);
  // A notice from the program or the peer (join, leave, refusals).
  void notice(std::string_view text);
  // `name_sender`: in a room, the line says whose message it was ("alice: The received
  // message has lost its integrity."); a client's peer is the server, so its line is the
  // lab's sentence alone.
  void integrity_failure(std::string_view from, std::uint64_t seq, bool name_sender = false);
  void replay(std::string_view from, std::uint64_t seq);
  void gap(std::string_view from, std::uint64_t missing, std::uint64_t seq);
  void truncated(std::string_view from, std::string_view detail);
  void connected(std::string_view name, std::string_view address, std::string_view format);
  void disconnected(std::string_view name, std::string_view reason);
  void refused(std::string_view address, std::string_view reason);
  // A member's lines over the room's rate (--max-rate) that went to nobody, counted since it
  // went over: written when it is back under the rate, or gone.
  void rate_limited(std::string_view name, std::uint64_t refused);
  // Where a server listens (the port the OS picked for --port 0): `address` is "host:port".
  void listening(std::string_view address, std::uint16_t port, std::string_view format);
  // The program's own word about the session ("keys confirmed ...", a line not sent, a
  // failed accept): "intact: text" on the log stream in human mode, a "log" event in JSON.
  // Every line the chat programs print goes through this class, never straight to a stream,
  // so --json holds and a line editor's prompt is lifted around it.
  void diagnostic(std::string_view text);
  bool json_mode() const noexcept { return mode_ == Mode::json; }

  // Lets a line editor clear and redraw its prompt around each line printed.
  void set_around_print(std::function<void()> before, std::function<void()> after);

 private:
  void human(std::string_view line, const char* color, std::FILE* to = nullptr);
  // A JSON line opens with the time and the event's name; json() writes it out.
  static JsonLine json_event(std::string_view event);
  void json(const JsonLine& line);
  std::string stamp() const;

  Mode mode_;
  std::FILE* out_;
  std::FILE* log_;
  bool color_;
  bool timestamps_;
  std::function<void()> before_print_;
  std::function<void()> after_print_;
};

}  // namespace intact::chat
