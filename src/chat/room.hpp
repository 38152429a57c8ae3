// src/chat/room.hpp: the chat room: who is in it, and who hears what.
//
// The room knows its members only through the Participant interface (as in
// Asio's chat example): it never sees a socket, a session or a terminal, so the
// server console, v1 clients and lab-format clients are all members alike.
// Names are unique within a room.
//
// A lab-format member's lines carry no sequence number: a captured record sent
// again verifies like the first. The room never relays such a line as new
// when the same member sent the same bytes within its RepeatWindow.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace intact::chat {

// One lab-format member's recent lines, to tell a new line from the same bytes again.
// The lab's format cannot tell a replay (a recorded record sent again) from a person
// typing the same line twice, so both are refused; the window bounds how long that lasts.
// Window: the member's last kLines lines, those under kMaxAge old. A repeat is not
// remembered again (its first time stays the one that counts), so a line can be sent
// anew kMaxAge after it was last relayed. Memory: kLines digests of kDigestSize bytes
// (a truncated SHA-256 of the line: no line is kept) and their times, 1.5 KiB, fixed.
class RepeatWindow {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kLines = 64;
  static constexpr std::chrono::minutes kMaxAge{10};
  static constexpr std::size_t kDigestSize = 16;
  enum class Verdict { relay, repeat };

  // relay: a new line, now remembered; repeat: the same bytes as a remembered line.
  Verdict check(std::string_view line, Clock::time_point now);

 private:
  struct Entry {
    std::array<std::uint8_t, kDigestSize> digest{};
    Clock::time_point at{};
  };
  std::array<Entry, kLines> ring_{};
  std::size_t count_ = 0;  // entries in use, up to kLines
  std::size_t next_ = 0;   // the entry the next new line overwrites
};

// What the room says when it did not relay a lab-format member's line (RepeatWindow): to the
// others and the console, about NAME; and to the member itself.
std::string repeat_notice(std::string_view name);
std::string repeat_notice_to_sender();

class Participant {
 public:
  virtual ~Participant() = default;
  virtual const std::string& name() const = 0;
  // The server's own console: what it says comes "from the server itself".
  virtual bool is_host() const { return false; }
  // A member on the lab's format (--legacy-port): its lines reach v1 members flagged as such.
  virtual bool speaks_lab_format() const { return false; }
  virtual void deliver_message(const Participant& from, std::string_view text, bool is_private) = 0;
  virtual void deliver_notice(std::string_view text) = 0;
};

class Room {
 public:
  void join(Participant& p);
  void leave(Participant& p);
  bool contains(const Participant& p) const;
  void rename(Participant& p, const std::string& old_name);

  // To every member but `from`.
  void broadcast(const Participant& from, std::string_view text);
  // A notice to every member but `except`; the host console only when `to_host`
  // (it already shows its own account of joins and leaves).
  void announce(std::string_view notice, const Participant* except = nullptr, bool to_host = true);

  // Whether a line `from` sent for others (the room, a /msg) may be relayed: always for a
  // member not on the lab's format; for one on it, unless its RepeatWindow holds the same
  // bytes (then nobody gets it: the caller says so). A lab-format member's window lives
  // while it is in the room.
  RepeatWindow::Verdict check_line(const Participant& from, std::string_view line,
                                   RepeatWindow::Clock::time_point now);

  Participant* find(std::string_view name) const;
  // `wanted`, or `wanted-2`, `wanted-3`... whichever is free; a long `wanted` is
  // shortened so that the result stays within v1::kMaxNameSize bytes.
  std::string unique_name(std::string_view wanted) const;
  std::vector<std::string> names() const;
  std::size_t size() const noexcept { return members_.size(); }

 private:
  std::vector<Participant*> members_;  // in order of joining
  std::unordered_map<std::string, Participant*> by_name_;
  std::unordered_map<const Participant*, RepeatWindow> lab_windows_;  // lab-format members only
};

}  // namespace intact::chat
