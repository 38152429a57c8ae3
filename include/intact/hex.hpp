// intact/hex.hpp: hexadecimal text <-> bytes, as the lab writes keys and tags.
//
// Decoding accepts either case and rejects anything that is not an even number
// of hex digits; it never guesses.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace intact {

// Upper-case hex, two characters per byte (the lab's tag format).
std::string to_hex_upper(std::span<const std::uint8_t> bytes);

// nullopt when `text` has an odd length or a character outside [0-9a-fA-F].
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);

bool is_hex_digit(std::uint8_t c) noexcept;

}  // namespace intact
