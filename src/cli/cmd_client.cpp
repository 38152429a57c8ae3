// `intact client`: connect to a chat server and talk.
#include <asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

#include "chat/chat_client.hpp"
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

struct ClientArgs {
  KeyOptions key;
  OutputOptions output;
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  bool legacy = false;
  std::string name;
  bool strict = false;
  std::chrono::milliseconds linger = std::chrono::seconds(2);
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds lab_pace{300};
};

std::string default_name() {
  const char* user = std::getenv("USER");
  std::string name = user != nullptr ? user : "";
  return chat::is_valid_name(name) ? name : "guest";
}

void declare_options(CLI::App& sub, ClientArgs& a) {
  // Positional too (intact client HOST PORT): the name is the type, shown once.
  sub.add_option("--host,HOST", a.host, "server host name or address (IPv4, IPv6)")
      ->type_name("")
      ->capture_default_str();
  add_port(sub, "-p,--port,PORT", a.port, kPeerPorts, "server port")->type_name("");
  sub.add_flag("--legacy", a.legacy, "speak the lab's format (message|HMAC) instead of protocol v1");
  a.key.add_to(sub);
  sub.add_option("-n,--name", a.name, "your name in the room (guest when $USER is not a valid name)")
      ->type_name("NAME")
      ->default_str("$USER");
  sub.add_flag("--strict", a.strict, "disconnect at the first integrity failure (exit code 3)");
  // The bound: the linger is how long an exit may wait for the server; 10 minutes is past patience.
  add_duration(sub, "--linger", a.linger, {std::chrono::milliseconds(0), std::chrono::minutes(10)},
               "after the end of input, how long to wait for the server's close");
  add_duration(sub, "--handshake-timeout", a.handshake_timeout, kHandshakeTimeouts,
               "give up if the handshake takes longer (intact connect and listen wait 30s)");
  add_duration(sub, "--lab-pace", a.lab_pace, kLabPaces,
               "with --legacy, send one message per write, this long apart, so the lab's server "
               "(one recv per message) takes each alone (0: no pacing)");
  a.output.add_to(sub);
  sub.footer(
      "Received messages are printed as 'name: text'; a message whose tag does not verify is "
      "reported as 'The received message has lost its integrity.' At the end of input the "
      "client sends an authenticated close after its last lines and exits 0 (1 if the server stopped "
      "reading for 30 s before taking them, or on Ctrl-C while they wait). Type /quit to leave; "
      "/who, /msg, /nick "
      "and /help are answered by the server.\n" +
      std::string(kKeySources) + " " + kDurations +
      "\nExit codes: 0 ok (our close answered, or the server shut down), 1 error (cannot connect, "
      "refused, kicked, idle timeout, a line not sent), 2 usage or a key that cannot be used, 3 "
      "integrity failure (wrong key at connect, --strict, or the server closed for one), 4 the "
      "server's stream ended without an authenticated close.\n"
      "Example: intact client --key-file key --name alice");
}

// The arguments once checked, as the client takes them. Throws intact::Error (usage).
chat::ClientOptions client_options(const ClientArgs& a) {
  chat::ClientOptions o;
  o.host = a.host;
  o.port = a.port;
  o.legacy = a.legacy;
  o.name = a.name.empty() ? default_name() : a.name;
  if (std::string problem = chat::name_problem(o.name); !problem.empty())
    throw Error(Failure::usage, "--name: " + problem + " (a name is " + chat::valid_name_rule() + ")");
  o.strict = a.strict;
  o.limits.linger = a.linger;
  o.limits.handshake_timeout = a.handshake_timeout;
  o.lab_pace = a.lab_pace;
  o.limits.max_queued_bytes = 64u << 20;  // our own input: bounded, generous
  return o;
}

Failure run_client(const ClientArgs& a) {
  chat::ClientOptions o = client_options(a);
  Key key = a.key.load(a.legacy ? KeyUse::legacy : KeyUse::v1);
  asio::io_context io;
  auto out = a.output.make(stdout, stderr);
  // On a terminal, a line editor keeps what is being typed intact while messages arrive.
  bool interactive = chat::Terminal::available() && !a.output.json;
  o.read_stdin = !interactive;
  std::string prompt = o.name + "> ";
  chat::ChatClient client(io, key, std::move(o), *out);
  std::unique_ptr<chat::Terminal> terminal;
  if (interactive) {
    terminal = std::make_unique<chat::Terminal>(io, prompt, *out);
    client.on_ready = [&] {
      terminal->start([&](std::string_view line) { client.user_line(line); },
                      [&] { client.end_of_input(); });
    };
    client.on_done = [&] { terminal->stop(); };
    client.on_name = [&](const std::string& name) { terminal->set_prompt(name + "> "); };
  }
  client.start();
  io.run();
  if (client.error()) throw *client.error();
  if (client.result() == Failure::not_sent) {
    std::size_t n = client.unsent_lines();
    throw Error(Failure::not_sent, std::to_string(n) + (n == 1 ? " line was" : " lines were") +
                                       " not sent (each is named above); the rest arrived");
  }
  return client.result();
}

const CommandRegistration registration{
    "client", "connect to a chat server: each input line is sent as one authenticated message", 20,
    [](CLI::App& sub) -> Runner {
      auto a = std::make_shared<ClientArgs>();
      declare_options(sub, *a);
      return [a]() { return run_client(*a); };
    }};

}  // namespace
}  // namespace intact::cli
