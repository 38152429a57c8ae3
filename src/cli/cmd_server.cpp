// `intact server`: the chat room server (v1 and/or the lab's format).
#include <asio/io_context.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "chat/chat_output.hpp"
#include "chat/chat_server.hpp"
#include "chat/names.hpp"
#include "chat/terminal.hpp"
#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/output_options.hpp"
#include "intact/failure.hpp"
#include "intact/text.hpp"
#include "net/endpoint.hpp"

namespace intact::cli {
namespace {

// The bound: a room of a million needs as many descriptors; a queue of 1 GiB per member is
// already more than a machine holds for a room.
constexpr std::size_t kMaxClients = 1'000'000;
constexpr std::size_t kMinQueueLimit = 64u << 10;
constexpr std::size_t kMaxQueueLimit = 1u << 30;

struct ServerArgs {
  KeyOptions key;
  OutputOptions output;
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8080;
  bool legacy = false;
  std::optional<std::uint16_t> legacy_port;
  std::string name = "server";
  bool strict = false;
  std::size_t max_clients = 10000;
  std::size_t queue_limit = 4u << 20;
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds idle_timeout{0};
  std::chrono::milliseconds lab_pace{300};
  std::vector<std::string> allow, deny;
  std::chrono::milliseconds frame_timeout = std::chrono::seconds(30);
  std::size_t max_per_address = 64;
  std::uint32_t max_rate = 50;
  std::uint32_t max_burst = 100;
};

// A room of thousands needs a descriptor each: take the hard limit the system allows.
void raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

void declare_options(CLI::App& sub, ServerArgs& a) {
  sub.add_option("-b,--bind", a.bind, "address to listen on (:: for every IPv6 and IPv4 address)")
      ->type_name("ADDRESS")
      ->capture_default_str()
      ->check(nonempty_address());
  add_port(sub, "-p,--port", a.port, kListenPorts, "port to listen on; 0 lets the OS pick one (printed)");
  sub.add_flag("--legacy", a.legacy, "speak the lab's format (message|HMAC) on --port instead of protocol v1");
  add_port(sub, "--legacy-port", a.legacy_port, kListenPorts,
           "also listen in the lab's format on this port (v1 and lab clients share the room)");
  a.key.add_to(sub);
  sub.add_option("-n,--name", a.name, "the server's name, shown to clients")
      ->type_name("NAME")
      ->capture_default_str();
  sub.add_flag("--strict", a.strict, "close a client's connection at its first integrity failure");
  add_number(sub, "--max-clients", a.max_clients, {1, kMaxClients}, "refuse connections beyond this many");
  add_number(sub, "--queue-limit", a.queue_limit, {kMinQueueLimit, kMaxQueueLimit},
             "bytes queued for a client that does not read before it is disconnected (4 MiB; "
             "its handshake and welcome take about 2 KiB, and a relayed message longer than this "
             "drops it too)")
      ->type_name("BYTES");
  add_duration(sub, "--handshake-timeout", a.handshake_timeout, kHandshakeTimeouts,
               "drop a connection that has not finished the handshake by then (intact connect "
               "and listen wait 30s: a netcat peer is often started by hand)");
  add_duration(sub, "--idle-timeout", a.idle_timeout, {std::chrono::milliseconds(0), std::chrono::hours(24)},
               "disconnect a client silent this long (0: never)");
  add_duration(sub, "--lab-pace", a.lab_pace, kLabPaces,
               "send a lab-format client one message per write, this long apart, so the lab's "
               "reader (one recv per message) takes each alone (0: no pacing)");
  sub.add_option("--allow", a.allow, "accept only these addresses or CIDR blocks (repeatable)")
      ->type_name("ADDRESS/BITS");
  sub.add_option("--deny", a.deny, "refuse these addresses or CIDR blocks (repeatable)")
      ->type_name("ADDRESS/BITS");
  add_duration(sub, "--frame-timeout", a.frame_timeout, {std::chrono::milliseconds(0), std::chrono::hours(1)},
               "drop a member whose message, once its first byte arrived, is not complete this "
               "long after (a sender dribbling a frame holds memory and is never idle; 0: no limit)");
  add_number(sub, "--max-per-address", a.max_per_address, {1, kMaxClients},
             "connections still in their handshake from one address; members past the handshake "
             "are not counted (a class behind one NAT joins freely). When the server is full, its "
             "oldest handshake in progress is dropped for a newcomer");
  add_number(sub, "--max-rate", a.max_rate, {0, 1'000'000},
             "lines (and commands) per second a member may send; past it (and its --max-burst) its "
             "lines are refused with a notice to it and counted (0: no limit)");
  add_number(sub, "--max-burst", a.max_burst, {1, 1'000'000},
             "lines a member may send at once before --max-rate applies");
  a.output.add_to(sub);
  sub.footer(
      "Lines typed on the server's standard input go to every client; commands: /who, /msg NAME "
      "TEXT, /kick NAME, /quit, /help. The server keeps serving when its input ends, and stops "
      "on SIGINT/SIGTERM or /quit, sending every client an authenticated close.\n" +
      std::string(kKeySources) + " " + kDurations +
      "\nExit codes: 0 stopped (SIGINT, SIGTERM or /quit), 1 error (cannot listen), 2 usage or "
      "a key that cannot be used.\n"
      "Example: intact server --key-file key --port 0");
}

// The arguments once checked, as the server takes them. Throws intact::Error (usage).
chat::ServerOptions server_options(const ServerArgs& a) {
  chat::ServerOptions o;
  o.bind = a.bind;
  o.port = a.port;
  o.legacy = a.legacy;
  o.legacy_port = a.legacy_port;
  o.name = a.name;
  if (std::string problem = chat::name_problem(o.name); !problem.empty())
    throw Error(Failure::usage, "--name: " + problem + " (a name is " + chat::valid_name_rule() + ")");
  o.strict = a.strict;
  o.max_clients = a.max_clients;
  o.limits.max_queued_bytes = a.queue_limit;
  o.limits.handshake_timeout = a.handshake_timeout;
  o.limits.idle_timeout = a.idle_timeout;
  o.lab_pace = a.lab_pace;
  // A member the server closes (/kick, idle) that stops reading is not waited for
  // long: what it has not taken within the linger is dropped, and so is it.
  o.limits.flush_timeout = o.limits.linger;
  o.limits.frame_timeout = a.frame_timeout;
  o.max_per_address = a.max_per_address;
  o.max_rate = a.max_rate;
  o.max_burst = a.max_burst;
  for (const auto& s : a.allow) o.filter.allow(s);
  for (const auto& s : a.deny) o.filter.deny(s);
  return o;
}

Failure run_server(const ServerArgs& a) {
  chat::ServerOptions o = server_options(a);
  Key key = a.key.load(a.legacy ? KeyUse::legacy : KeyUse::v1);
  raise_descriptor_limit();
  asio::io_context io;
  auto out = a.output.make(stdout, stderr);
  bool interactive = chat::Terminal::available() && !a.output.json;
  o.read_console = !interactive;
  std::string prompt = o.name + "> ";
  chat::ChatServer server(io, key, std::move(o), *out);
  server.start();
  std::unique_ptr<chat::Terminal> terminal;
  if (interactive) {
    terminal = std::make_unique<chat::Terminal>(io, prompt, *out);
    // Ctrl-D ends the console, not the server (as when standard input ends).
    terminal->start([&](std::string_view line) { server.console_line(line); }, [] {});
  }
  io.run();
  return Failure::none;
}

const CommandRegistration registration{
    "server", "run the chat room server: every client's verified messages go to everyone", 10,
    [](CLI::App& sub) -> Runner {
      auto a = std::make_shared<ServerArgs>();
      declare_options(sub, *a);
      return [a]() { return run_server(*a); };
    }};

}  // namespace
}  // namespace intact::cli
