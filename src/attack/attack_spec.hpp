// src/attack/attack_spec.hpp: what the tamper proxy is told to do, parsed from
// the compact SPEC syntax of `intact proxy --attack` (docs/attack-lab.md).
//
// An AttackSpec names an action, the direction it targets, and which message
// it hits: the Nth application message of that direction (counted from 1,
// hellos and CONFIRM frames not counted), or each message with a probability
// under a seed. Parsing is strict: an unknown action, option or value is an
// intact::Error (exit code 2) that says what is accepted. This unit never
// prints the attacker's retag key: describe() leaves it out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "intact/direction.hpp"

namespace intact::attack {

using intact::Direction;  // written c2s and s2c in a SPEC (direction_name)
using intact::direction_name;

enum class ActionKind : std::uint8_t {
  flip,     // flip one bit of the message, in a chosen field or anywhere
  replace,  // replace the text; keep the old tag, or retag under the attacker's key
  replay,   // forward it, and send a copy again later
  swap,     // hold it back and forward it after the next message (reorder)
  drop,     // delete it
  dup,      // forward it twice
  reflect,  // send it back to its sender instead of forwarding it
  inject,   // insert a forged message (the attacker has no key) before it
  splice,   // replace it by the same-numbered message recorded from an earlier connection
  cut,      // cut the connection just before it
  random,   // each message, with probability p: one of the actions above, chosen at random
};
std::string_view action_name(ActionKind kind) noexcept;

// Where a flip lands. v1 frames: type, seq, length, payload, tag. Legacy
// messages: text (= payload) and tag. `any`: a random bit of the whole record.
enum class Field : std::uint8_t { any, type, seq, length, payload, tag };
std::string_view field_name(Field f) noexcept;

struct AttackSpec {
  ActionKind kind = ActionKind::flip;
  // Directions this spec watches; `random` may watch both.
  bool c2s = true;
  bool s2c = false;
  std::uint64_t nth = 0;              // the message hit; 0 when `probability` is used
  std::optional<double> probability;  // p=: each message is hit with this probability
  std::uint64_t seed = 1;             // seed= for every random choice of this spec
  Field field = Field::any;           // flip
  std::optional<std::string> text;    // replace / inject
  std::optional<std::vector<std::uint8_t>> retag_key;  // replace / inject: attacker's own key
  std::uint64_t after = 0;          // replay: send the copy after this message (0: next)
  std::vector<ActionKind> choices;  // random: the actions it picks from

  bool watches(Direction d) const noexcept { return d == Direction::client_to_server ? c2s : s2c; }
};

// Parses one SPEC; throws intact::Error(Failure::usage) naming what is wrong.
AttackSpec parse_attack_spec(std::string_view text);

// A one-line description for logs (never includes the retag key).
std::string describe(const AttackSpec& spec);

// The grammar, for `intact proxy --help` and docs/attack-lab.md.
std::string_view attack_spec_help() noexcept;

// The actions `random` picks from when no `do=` option narrows them.
std::vector<ActionKind> default_random_choices();

}  // namespace intact::attack
