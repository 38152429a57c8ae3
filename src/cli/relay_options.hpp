// src/cli/relay_options.hpp: the options `intact listen` and `intact connect` share.
//
// Both ends of the authenticated netcat take the key, a name, --progress,
// --frame-size and --handshake-timeout the same way; declared once here.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli/options.hpp"
#include "stream/stream_relay.hpp"

namespace intact::cli {

struct RelayArgs {
  KeyOptions key;
  std::string name;
  std::string handshake_timeout = "30s";
  bool progress = false;
  std::size_t frame_size = stream::RelayOptions{}.frame_payload;

  void add_to(CLI::App& sub, const std::string& timeout_help) {
    key.add_to(sub);
    sub.add_option("--name", name, "name shown to the peer in the handshake (default: none)");
    sub.add_flag("--progress", progress,
                 "print bytes sent and received, and the rates, on standard error every second");
    sub.add_option("--frame-size", frame_size,
                   "largest payload per frame in bytes (default " + std::to_string(frame_size) +
                       ", at most " + std::to_string(v1::kMaxPayload) +
                       "): bigger frames mean fewer tags and system calls")
        ->check(CLI::Range(std::size_t{1}, v1::kMaxPayload));
    sub.add_option("--handshake-timeout", handshake_timeout, timeout_help);
  }

  stream::RelayOptions relay(v1::Role role) const {
    stream::RelayOptions r;
    r.role = role;
    r.name = name;
    r.progress = progress;
    r.frame_payload = frame_size;
    r.handshake_timeout = parse_duration(handshake_timeout, "--handshake-timeout");
    return r;
  }
};

}  // namespace intact::cli
