// src/attack/record_edits.hpp: the byte-level edits an attacker without the
// key can make to one record (a v1 frame or a lab message): flip a bit,
// replace the text, forge a new message.
//
// Each edit keeps the record well-formed enough that the receiver reaches its
// tag check (a lab tag stays 64 hex digits; a v1 frame's length field follows
// a replaced payload), so what is shown is the receiver's integrity check, not
// a framing accident. Nothing here holds or guesses the real key: a "retag"
// uses the attacker's own key, which the receiver does not share.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attack/attack_spec.hpp"
#include "intact/session.hpp"

namespace intact::attack {

// Flips one bit chosen with `rng` inside `field` of the record; returns a
// description such as "bit 3 of byte 17 (payload)". A lab tag's bit is flipped
// in the tag's value and written back as a hex digit. A field the record does
// not have (a lab message has no seq) or an empty one falls back to the tag.
std::string flip_bit(WireFormat format, std::vector<std::uint8_t>& record, Field field,
                     std::mt19937_64& rng);

// Replaces the message text. v1: the payload (the length field follows, the
// type and sequence number stay). The tag is kept, or recomputed under
// `retag_key` (the attacker's key) when it is not empty.
void replace_text(WireFormat format, std::vector<std::uint8_t>& record, std::string_view text,
                  std::span<const std::uint8_t> retag_key);

// A message the attacker makes up: v1 a DATA frame claiming sequence number
// `seq`, a lab message `text|TAG`. Its tag is computed under `retag_key`, or is
// random bytes (from `rng`) when no key is given.
std::vector<std::uint8_t> forge_message(WireFormat format, std::uint64_t seq, std::string_view text,
                                        std::span<const std::uint8_t> retag_key,
                                        std::mt19937_64& rng);

// The sequence number a v1 frame record claims (0 when too short or legacy).
std::uint64_t record_seq(WireFormat format, std::span<const std::uint8_t> record) noexcept;

}  // namespace intact::attack
