// src/net/endpoint.hpp: turning host names and ports into connected or
// listening TCP sockets, IPv4 and IPv6 alike, with errors a user can act on.
//
// Every failure is an intact::Error that names the address and the reason
// ("cannot connect to example.org:8080: Connection refused"). Nothing here
// knows about any protocol.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace intact::net {

using asio::ip::tcp;

// "127.0.0.1:8080" or "[::1]:8080".
std::string describe(const tcp::endpoint& ep);
// Accepts "8080"; throws intact::Error (usage) for anything else.
std::uint16_t parse_port(const std::string& text);

// Which addresses a name may resolve to: both, or only one family (the
// netcat options -4 and -6). An address literal of the other family is refused
// (Failure::usage: "::1 is an IPv6 address, and -4 asks for IPv4"); a name
// with no address of the family cannot be resolved (Failure::io).
enum class Family { any, v4, v6 };

// Resolves `host` (a name, an IPv4 or an IPv6 literal, brackets allowed) and
// connects to the first address that accepts.
asio::awaitable<tcp::socket> connect(std::string host, std::uint16_t port);
// The same, blocking. A `timeout` above 0 bounds the whole attempt (every
// address tried): past it, Failure::timeout ("cannot connect to HOST:PORT: no
// answer within 5 s"); 0 leaves it to the system (a minute or more).
tcp::socket connect_blocking(asio::io_context& io, const std::string& host, std::uint16_t port,
                             Family family = Family::any,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
// Resolves `host` as connect does, without connecting: throws the same
// intact::Error ("cannot resolve HOST: ...") when the name has no address, so a
// command can refuse a bad address at its start rather than at first use.
void check_resolves(const asio::any_io_executor& ex, const std::string& host, std::uint16_t port);

// Binds and listens on `bind` (an address or a name; "::" listens on IPv6 and
// IPv4 where the system allows). Port 0 lets the OS pick one: read it back from
// acceptor.local_endpoint(). `port_option` is the command's option that chose
// the port, named in the hint when the port is taken.
tcp::acceptor listen(const asio::any_io_executor& ex, const std::string& bind, std::uint16_t port,
                     std::string_view port_option = "--port", Family family = Family::any);

// "-4" / "-6" / "" for messages.
std::string_view family_flag(Family family) noexcept;

}  // namespace intact::net
