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
  std::uint16_t port = 0;
  std::optional<std::chrono::milliseconds> wait;
};

const CommandRegistration registration{
    "connect",
    "authenticated netcat, client: standard input to the peer, the peer's verified bytes to "
    "standard output",
    30, [](CLI::App& sub) -> Runner {
      auto o = std::make_shared<ConnectOptions>();
      sub.add_option("HOST", o->host, "host name or address of an `intact listen`")
          ->type_name("")
          ->required();
      add_port(sub, "PORT", o->port, kPeerPorts, "its port")->type_name("")->default_str("")->required();
      o->relay.add_to(sub,
                      "give up when the handshake has not finished within this time (the room's "
                      "server and client wait 10s)");
      // The bound: -w is more than 0 (0 would fail every connection), at most an hour.
      add_duration(sub, "-w,--wait", o->wait, {std::chrono::milliseconds(1), std::chrono::hours(1)},
                   "give up when the TCP connection is not set up within this time, e.g. 5s "
                   "(as ncat -w; without it, the system's limit, a minute or more)");
      sub.footer(
          "Every byte is verified before it is written.\n" + std::string(kKeySources) + " " +
          kDurations +
          "\nExit codes: 0 after the peer's authenticated close, 1 error (cannot connect, -w "
          "passed; --exec's command failed), 2 usage or a key that cannot be used, 3 integrity "
          "failure (a wrong key, or any failure in the stream: nothing unverified is written), "
          "4 the stream ended without an authenticated close.\n"
          "Example: tar c dir | intact connect --key-file psk 192.0.2.7 9000");
      return [o]() {
        stream::RelayOptions relay = o->relay.relay(v1::Role::client);
        Key key = o->relay.key.load();
        asio::io_context io;
        auto socket = net::connect_blocking(io, o->host, o->port, o->relay.family(),
                                            o->wait.value_or(std::chrono::milliseconds(0)));
        return run_relay(socket.native_handle(), key, relay, o->relay.exec);
      };
    }};

}  // namespace
}  // namespace intact::cli
