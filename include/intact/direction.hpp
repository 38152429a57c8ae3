// intact/direction.hpp: which way bytes travel on a connection.
//
// One enum for everyone who tells the two directions apart: the capture
// verifier, the tamper proxy, their reports. The values index two-element
// arrays (client to server is 0). Parsing a user's "c2s" belongs to whoever
// reads user input (the attack spec parser); this unit only names directions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace intact {

enum class Direction : std::uint8_t { client_to_server = 0, server_to_client = 1 };

inline constexpr Direction kBothDirections[] = {Direction::client_to_server,
                                                Direction::server_to_client};

constexpr Direction opposite(Direction d) noexcept {
  return d == Direction::client_to_server ? Direction::server_to_client
                                          : Direction::client_to_server;
}

// 0 for client to server, 1 for server to client.
constexpr std::size_t index_of(Direction d) noexcept { return static_cast<std::size_t>(d); }

// The stable short name, "c2s" or "s2c", for logs and JSON.
constexpr std::string_view direction_name(Direction d) noexcept {
  return d == Direction::client_to_server ? "c2s" : "s2c";
}

}  // namespace intact
