// src/attack/action_log.hpp: what the tamper proxy did, one entry per event,
// rendered for a person or as one JSON object per line (--json).
//
// Entries carry message text only after RecordSplitter::display_text has
// neutralised control characters; they never carry a key (the proxy has none
// but the attacker's retag key, which no entry mentions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "attack/attack_spec.hpp"
#include "intact/json.hpp"

namespace intact::attack {

// What an entry reports: an attack action carried out on a message, or one of
// the proxy's own steps. Decide on this value, never on its name.
enum class LogAction : std::uint8_t {
  // attacks, one per ActionKind
  flip, replace, replay, swap, drop, dup, reflect, inject, splice, cut, random,
  // the proxy's own steps
  message,     // a message passed (its text is the detail)
  close,       // the sender's authenticated CLOSE
  end,         // the sender closed its side
  format,      // the wire format, chosen or detected
  pass,        // bytes that are not a whole record, forwarded as they are
  release,     // a held-back message delivered
  connect,     // a client connected and the upstream server answered
  disconnect,  // a connection ended
  error,       // something failed (the upstream connect, a write)
  refused,     // a client refused (too many connections)
};
LogAction log_action(ActionKind kind) noexcept;
// The stable lower-case name shown in logs and JSON ("flip", "connect").
std::string_view log_action_name(LogAction action) noexcept;

struct LogEntry {
  std::uint64_t connection = 0;
  std::optional<Direction> direction;
  std::uint64_t message = 0;  // the message number concerned, 0 when none
  LogAction action = LogAction::message;
  std::string detail;
};

// "[conn 1] c2s #2 flip: flipped bit 3 of byte 17 (payload)"
std::string format_human(const LogEntry& e);
// {"conn":1,"dir":"c2s","message":2,"action":"flip","detail":"..."}
std::string format_json(const LogEntry& e);

}  // namespace intact::attack
