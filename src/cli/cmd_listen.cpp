// `intact listen --port N`: authenticated netcat, server side (protocol v1).
#include <iostream>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/relay_options.hpp"
#include "intact/failure.hpp"
#include "net/endpoint.hpp"
#include "stream/stream_relay.hpp"

namespace intact::cli {
namespace {

struct ListenOptions {
  RelayArgs relay;
  std::string bind = "127.0.0.1";
  std::string port;
  bool keep_open = false;
};

const CommandRegistration registration{
    "listen",
    "authenticated netcat, listener: accepts a connection, relays standard input and output "
    "over it",
    31, [](CLI::App& sub) -> Runner {
      auto o = std::make_shared<ListenOptions>();
      sub.add_option("--bind", o->bind,
                     "address to listen on (default 127.0.0.1; :: or 0.0.0.0 for every interface)");
      sub.add_option("-p,--port", o->port, "port to listen on; 0 picks a free one and prints it")
          ->required();
      sub.add_flag("-k,--keep-open", o->keep_open,
                   "after a connection ends, accept the next one (one at a time); standard input "
                   "goes to the first, later ones get an immediate close");
      o->relay.add_to(sub,
                      "drop a peer that has not finished the handshake within this time "
                      "(default 30s)");
      sub.footer(
          "Prints 'intact: listening on ADDRESS:PORT' on standard error when ready. Exit codes "
          "(without -k): 0 after the peer's authenticated close, 3 integrity failure (nothing "
          "unverified written), 4 the stream ended without an authenticated close, 1 other "
          "errors.\n"
          "Example: intact listen --key-file psk --port 9000 | tar x");
      return [o]() {
        stream::RelayOptions relay = o->relay.relay(v1::Role::server);
        relay.end_output_at_close = !o->keep_open;
        Key key = o->relay.key.load();
        std::uint16_t port = net::parse_port(o->port);
        asio::io_context io;
        auto acceptor = net::listen(io.get_executor(), o->bind, port);
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
            return stream::relay_stream(socket.native_handle(), key, relay);
          }
          std::string peer = net::describe(socket.remote_endpoint(ec));
          try {
            stream::relay_stream(socket.native_handle(), key, relay);
          } catch (const Error& e) {
            std::cerr << "intact: connection from " << peer << ": " << e.what() << std::endl;
          }
        }
      };
    }};

}  // namespace
}  // namespace intact::cli
