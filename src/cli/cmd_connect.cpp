// `intact connect HOST PORT`: authenticated netcat, client side (protocol v1).
#include <unistd.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "intact/error.hpp"
#include "net/endpoint.hpp"
#include "stream/stream_relay.hpp"

namespace intact::cli {
namespace {

struct ConnectOptions {
  KeyOptions key;
  std::string host;
  std::string port;
  std::string name;
  std::string handshake_timeout = "30s";
  bool progress = false;
  std::size_t frame_size = 256 * 1024;
};

const CommandRegistration registration{
    "connect",
    "authenticated netcat, client: standard input to the peer, the peer's verified bytes to "
    "standard output",
    30, [](CLI::App& sub) -> Runner {
      auto o = std::make_shared<ConnectOptions>();
      o->key.add_to(sub);
      sub.add_option("HOST", o->host, "host name or address of an `intact listen`")->required();
      sub.add_option("PORT", o->port, "its port")->required();
      sub.add_option("--name", o->name, "name shown to the peer in the handshake (default: none)");
      sub.add_flag("--progress", o->progress,
                   "print bytes sent and received, and the rates, on standard error every second");
      sub.add_option("--frame-size", o->frame_size,
                     "largest payload per frame in bytes (default 262144, at most 1048576): "
                     "bigger frames mean fewer tags and system calls")
          ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
      sub.add_option("--handshake-timeout", o->handshake_timeout,
                     "give up when the handshake has not finished within this time (default 30s)");
      sub.footer(
          "Every byte is verified before it is written. Exit codes: 0 after the peer's "
          "authenticated close, 3 integrity failure (nothing unverified written), 4 the stream "
          "ended without an authenticated close, 1 other errors.\n"
          "Example: tar c dir | intact connect --key-file psk 192.0.2.7 9000");
      return [o]() {
        stream::RelayOptions relay;
        relay.role = v1::Role::client;
        relay.name = o->name;
        relay.progress = o->progress;
        relay.frame_payload = o->frame_size;
        relay.handshake_timeout = parse_duration(o->handshake_timeout, "--handshake-timeout");
        Key key = o->key.load();
        std::uint16_t port = net::parse_port(o->port);
        asio::io_context io;
        auto socket = net::connect_blocking(io, o->host, port);
        return stream::relay_stream(socket.native_handle(), key, relay);
      };
    }};

}  // namespace
}  // namespace intact::cli
