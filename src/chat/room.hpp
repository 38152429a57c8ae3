// src/chat/room.hpp: the chat room: who is in it, and who hears what.
//
// The room knows its members only through the Participant interface (as in
// Asio's chat example): it never sees a socket, a session or a terminal, so the
// server console, v1 clients and lab-format clients are all members alike.
// Names are unique within a room.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace intact::chat {

class Participant {
 public:
  virtual ~Participant() = default;
  virtual const std::string& name() const = 0;
  // The server's own console: what it says comes "from the server itself".
  virtual bool is_host() const { return false; }
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

  Participant* find(std::string_view name) const;
  // `wanted`, or `wanted-2`, `wanted-3`... whichever is free; a long `wanted` is
  // shortened so that the result stays within v1::kMaxNameSize bytes.
  std::string unique_name(std::string_view wanted) const;
  std::vector<std::string> names() const;
  std::size_t size() const noexcept { return members_.size(); }

 private:
  std::vector<Participant*> members_;  // in order of joining
  std::unordered_map<std::string, Participant*> by_name_;
};

}  // namespace intact::chat
