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
#include "intact/json.hpp"  // json_quote, for the reports built on this log

namespace intact::attack {

struct LogEntry {
  std::uint64_t connection = 0;
  std::optional<Direction> direction;
  std::uint64_t message = 0;  // the message number concerned, 0 when none
  std::string action;         // "flip", "drop", ... or "connect", "pass", "close", "format"
  std::string detail;
};

// "[conn 1] c2s #2 flip: flipped bit 3 of byte 17 (payload)"
std::string format_human(const LogEntry& e);
// {"conn":1,"dir":"c2s","message":2,"action":"flip","detail":"..."}
std::string format_json(const LogEntry& e);

}  // namespace intact::attack
