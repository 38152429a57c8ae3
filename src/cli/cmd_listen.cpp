// `intact listen --port N`: authenticated netcat, server side (protocol v1).
#include <iostream>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/relay_options.hpp"
#include "intact/failure.hpp"
#include "net/endpoint.hpp"
#include "stream/child_process.hpp"
#include "stream/stream_relay.hpp"

namespace intact::cli {
namespace {

struct ListenOptions {
  RelayArgs relay;
  std::string bind;  // default: 127.0.0.1, or ::1 with -6
  std::uint16_t port = 0;
  bool keep_open = false;
};

const CommandRegistration registration{
    "listen",
    "authenticated netcat, listener: accepts a connection, relays standard input and output "
    "over it",
    31, [](CLI::App& sub) -> Runner {
      auto o = std::make_shared<ListenOptions>();
      sub.add_option("-b,--bind", o->bind,
                     "address to listen on (::1 with -6; :: or 0.0.0.0 for every interface)")
          ->type_name("ADDRESS")
          ->default_str("127.0.0.1")
          ->check(nonempty_address());
      add_port(sub, "-p,--port", o->port, kListenPorts, "port to listen on; 0 lets the OS pick one (printed)")
          ->default_str("")
          ->required();
      sub.add_flag("-k,--keep-open", o->keep_open,
                   "after a connection ends, accept the next one (one at a time); standard input "
                   "goes to the first, later ones get an immediate close (with --exec, each gets "
                   "its own command)");
      o->relay.add_to(sub,
                      "drop a peer that has not finished the handshake within this time (the "
                      "room's server and client wait 10s)");
      sub.footer(
          "Prints 'intact: listening on ADDRESS:PORT' on standard error when ready.\n" +
          std::string(kKeySources) + " " + kDurations +
          "\nExit codes (without -k): 0 after the peer's authenticated close, 1 error (cannot "
          "listen; --exec's command failed), 2 usage or a key that cannot be used, 3 integrity "
          "failure (a wrong key, or any failure in the stream: nothing unverified is written), "
          "4 the stream ended without an authenticated close.\n"
          "Example: intact listen --key-file psk --port 9000 | tar x");
      return [o]() {
        stream::RelayOptions relay = o->relay.relay(v1::Role::server);
        const std::string& exec = o->relay.exec;
        // Each command's input ends with its connection; our own output lasts the -k run.
        relay.end_output_at_close = !o->keep_open || !exec.empty();
        Key key = o->relay.key.load();
        net::Family family = o->relay.family();
        std::string bind = !o->bind.empty() ? o->bind : family == net::Family::v6 ? "::1" : "127.0.0.1";
        asio::io_context io;
        auto acceptor = net::listen(io.get_executor(), bind, o->port, "--port", family);
        stream::close_on_exec(acceptor.native_handle());
        std::cerr << "intact: listening on " << net::describe(acceptor.local_endpoint())
                  << std::endl;
        for (;;) {
          std::error_code ec;
          asio::ip::tcp::socket socket = acceptor.accept(ec);
          if (ec) {
            // Out of descriptors or an aborted connection: report it; with -k, go on.
            if (!o->keep_open) throw Error(Failure::io, "cannot accept a connection: " + ec.message());
            std::cerr << "intact: cannot accept a connection: " << ec.message() << std::endl;
            continue;
          }
          socket.set_option(asio::ip::tcp::no_delay(true), ec);
          if (!o->keep_open) {
            acceptor.close();  // one connection only, as netcat: nobody else may queue up
            return run_relay(socket.native_handle(), key, relay, exec);
          }
          std::string peer = net::describe(socket.remote_endpoint(ec));
          try {
            run_relay(socket.native_handle(), key, relay, exec);
          } catch (const Error& e) {
            std::cerr << "intact: connection from " << peer << ": " << e.what() << std::endl;
          }
        }
      };
    }};

}  // namespace
}  // namespace intact::cli
