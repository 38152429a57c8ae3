// src/cli/relay_options.hpp: the options `intact listen` and `intact connect` share.
//
// Both ends of the authenticated netcat take the key, a name, --progress,
// --frame-size, --handshake-timeout, -4/-6, --send-only/--recv-only and --exec
// the same way; declared once here, and run_relay() runs one connection with
// them (through the command of --exec when there is one).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli/options.hpp"
#include "net/endpoint.hpp"
#include "stream/stream_relay.hpp"

namespace intact::cli {

// The handshake deadline of both netcat ends (the room's client and server take 10 s:
// a netcat peer may be started by hand a while after the other).
inline constexpr const char* kRelayHandshakeTimeout = "30s";

struct RelayArgs {
  KeyOptions key;
  std::string name;
  std::chrono::milliseconds handshake_timeout = parse_handshake_timeout(kRelayHandshakeTimeout);
  bool progress = false;
  bool send_only = false;
  bool recv_only = false;
  bool ipv4 = false;
  bool ipv6 = false;
  std::string exec;
  std::size_t frame_size = stream::RelayOptions{}.frame_payload;

  void add_to(CLI::App& sub, const std::string& timeout_help);

  net::Family family() const noexcept {
    return ipv4 ? net::Family::v4 : ipv6 ? net::Family::v6 : net::Family::any;
  }
  // Throws intact::Error (usage) for a bad value.
  stream::RelayOptions relay(v1::Role role) const;
};

// Runs one connection on `socket_fd` as relay_stream() does; with --exec, with
// a fresh command at the other end of the channel, reaped before this returns.
Failure run_relay(int socket_fd, const Key& key, stream::RelayOptions relay, const std::string& exec);

}  // namespace intact::cli
