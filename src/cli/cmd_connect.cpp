// `intact connect HOST PORT`: authenticated netcat, client side (protocol v1).
#include <unistd.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/relay_options.hpp"
#include "intact/failure.hpp"
#include "net/endpoint.hpp"
#include "stream/stream_relay.hpp"

namespace intact::cli {
namespace {

struct ConnectOptions {
  RelayArgs relay;
  std::string host;
  std::string port;
};

const CommandRegistration registration{
    "connect",
    "authenticated netcat, client: standard input to the peer, the peer's verified bytes to "
    "standard output",
    30, [](CLI::App& sub) -> Runner {
      auto o = std::make_shared<ConnectOptions>();
      sub.add_option("HOST", o->host, "host name or address of an `intact listen`")->required();
      sub.add_option("PORT", o->port, "its port")->required();
      o->relay.add_to(sub, "give up when the handshake has not finished within this time (default 30s)");
      sub.footer(
          "Every byte is verified before it is written. Exit codes: 0 after the peer's "
          "authenticated close, 3 integrity failure (nothing unverified written), 4 the stream "
          "ended without an authenticated close, 1 other errors.\n"
          "Example: tar c dir | intact connect --key-file psk 192.0.2.7 9000");
      return [o]() {
        stream::RelayOptions relay = o->relay.relay(v1::Role::client);
        Key key = o->relay.key.load();
        std::uint16_t port = net::parse_port(o->port);
        asio::io_context io;
        auto socket = net::connect_blocking(io, o->host, port);
        return stream::relay_stream(socket.native_handle(), key, relay);
      };
    }};

}  // namespace
}  // namespace intact::cli
