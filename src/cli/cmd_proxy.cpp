// `intact proxy`: the tamper proxy, a man in the middle for the attack lab.
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <tuple>

#include "attack/tamper_proxy.hpp"
#include "cli/command.hpp"
#include "cli/options.hpp"
#include "intact/failure.hpp"
#include "intact/hex.hpp"
#include "net/endpoint.hpp"

namespace intact::cli {
namespace {

using attack::Direction;

struct ProxyArgs {
  std::string listen;
  std::string to;
  std::vector<std::string> attacks;
  bool legacy = false;
  bool v1 = false;
  bool json = false;
  bool verbose = false;
  bool interactive = false;
  std::string interactive_dir = "c2s";
  std::string interactive_retag;
};

// "[ADDR:]PORT" or "HOST:PORT"; IPv6 literals in brackets: "[::1]:8080".
std::pair<std::string, std::string> split_host_port(const std::string& text,
                                                    const std::string& option, bool host_required) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    if (host_required)
      throw Error(Failure::usage, option + " takes HOST:PORT (e.g. 127.0.0.1:8080), not '" + text + "'");
    return {"", text};
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() && host_required)
    throw Error(Failure::usage, option + " takes HOST:PORT (e.g. 127.0.0.1:8080), not '" + text + "'");
  return {host, text.substr(colon + 1)};
}

// Lines typed by the operator, read on their own thread so a terminal, a pipe
// or a file all work; each line is handed to the io_context's thread. The
// thread may outlive the proxy (blocked in a read at exit), so it shares
// ownership of what it touches.
void start_operator_input(std::shared_ptr<asio::io_context> io,
                          std::shared_ptr<attack::ReplacementQueue> queue) {
  std::thread([io, queue] {
    constexpr std::size_t kMaxLine = 64 * 1024;
    std::string line;
    int c;
    bool skipping = false;
    while ((c = std::getchar()) != EOF) {
      if (c != '\n') {
        if (line.size() < kMaxLine)
          line.push_back(static_cast<char>(c));
        else
          skipping = true;
        continue;
      }
      if (!line.empty() && line.back() == '\r') line.pop_back();
      asio::post(*io, [queue, text = std::move(line), skipping] {
        bool ok = queue->push(text);
        std::fprintf(
            stderr, "intact: %s%s\n",
            ok ? "replacement queued for the next " : "replacement queue full; line ignored, ",
            ok ? (std::string(attack::direction_name(queue->direction())) + " message" +
                  (skipping ? " (cut to 64 KiB)" : ""))
                     .c_str()
               : "");
      });
      line.clear();
      skipping = false;
    }
  }).detach();
}

void declare_options(CLI::App& sub, ProxyArgs& a) {
  sub.add_option("-l,--listen", a.listen,
                 "[ADDR:]PORT to accept clients on (ADDR defaults to 127.0.0.1; PORT 0..65535, 0 "
                 "picks a free one, printed)")
      ->type_name("[ADDR:]PORT")
      ->required();
  sub.add_option("--to", a.to, "HOST:PORT of the real server (PORT 1..65535)")
      ->type_name("HOST:PORT")
      ->required();
  sub.add_option("-a,--attack", a.attacks, "an attack SPEC (repeatable; syntax below)")
      ->type_name("SPEC");
  sub.add_flag("--legacy", a.legacy,
               "the connections speak the lab's format (without it or --v1: detected from the "
               "first bytes)");
  sub.add_flag("--v1", a.v1, "the connections speak protocol v1");
  sub.add_flag("--json", a.json, "log one JSON object per line instead of text");
  sub.add_flag("-v,--verbose", a.verbose,
               "also log every message that passes, not only the attacks");
  sub.add_flag("-i,--interactive", a.interactive,
               "show each message as it passes; each line typed on standard input replaces the "
               "text of the next message in --interactive-dir (stdin may be a pipe)");
  sub.add_option("--interactive-dir", a.interactive_dir,
                 "c2s or s2c: the direction typed lines replace")
      ->type_name("DIR")
      ->capture_default_str();
  sub.add_option(
      "--interactive-retag", a.interactive_retag,
      "retag typed replacements under this attacker's key (without it, the old tag stays)")
      ->type_name("HEX");
  sub.footer(std::string(attack::attack_spec_help()) +
             "\n\nThe proxy has no key: it cuts each direction into records (v1 frames, or the "
             "lab's message|TAG) without verifying them. Logs go to standard output; "
             "'listening on ADDR:PORT' to standard error. It runs until SIGINT or SIGTERM.\n"
             "Exit codes: 0 stopped by a signal, 1 error (cannot listen, --to does not resolve), "
             "2 usage (a bad SPEC).\n"
             "Example: intact proxy --listen 9000 --to 127.0.0.1:8080 --attack flip:c2s:1 "
             "--attack replay:c2s:2:after=3");
}

// The arguments once checked: what run_proxy needs, in the types it needs.
struct ProxyPlan {
  std::vector<attack::AttackSpec> specs;
  std::string bind;
  std::uint16_t listen_port = 0;
  std::string host;
  std::uint16_t to_port = 0;
  Direction interactive_dir = Direction::client_to_server;
  std::vector<std::uint8_t> retag;
};

ProxyPlan validate(const ProxyArgs& a) {
  ProxyPlan plan;
  if (a.legacy && a.v1) throw Error(Failure::usage, "--legacy and --v1 exclude each other: give one");
  for (const auto& s : a.attacks) plan.specs.push_back(attack::parse_attack_spec(s));
  std::string listen_port, to_port;
  std::tie(plan.bind, listen_port) = split_host_port(a.listen, "--listen", false);
  if (plan.bind.empty()) plan.bind = "127.0.0.1";
  plan.listen_port = parse_number(listen_port, "--listen's PORT", kListenPorts);
  std::tie(plan.host, to_port) = split_host_port(a.to, "--to", true);
  plan.to_port = parse_number(to_port, "--to's PORT", kPeerPorts);
  if (a.interactive_dir != "c2s" && a.interactive_dir != "s2c")
    throw Error(Failure::usage, "--interactive-dir is c2s or s2c");
  plan.interactive_dir = a.interactive_dir == "c2s" ? Direction::client_to_server : Direction::server_to_client;
  if (!a.interactive_retag.empty()) {
    auto k = from_hex(a.interactive_retag);
    if (!k || k->empty()) throw Error(Failure::usage, "--interactive-retag takes a key as hex text");
    plan.retag = std::move(*k);
  }
  return plan;
}

// Prints each entry on standard output; without -v or -i only what the proxy did.
std::function<void(const attack::LogEntry&)> log_printer(bool show_messages, bool json) {
  return [show_messages, json](const attack::LogEntry& e) {
    using attack::LogAction;
    if (!show_messages && (e.action == LogAction::message || e.action == LogAction::close ||
                           e.action == LogAction::end || e.action == LogAction::format))
      return;
    std::string line = json ? attack::format_json(e) : attack::format_human(e);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  };
}

attack::TamperProxy::Options proxy_options(const ProxyArgs& a, const ProxyPlan& plan,
                                           attack::ReplacementQueue* queue) {
  attack::TamperProxy::Options o;
  o.upstream_host = plan.host;
  o.upstream_port = plan.to_port;
  o.format = a.legacy ? attack::FormatChoice::legacy
             : a.v1   ? attack::FormatChoice::v1
                      : attack::FormatChoice::detect;
  o.attacks = plan.specs;
  if (a.interactive) {
    o.replacements = queue;
    o.interactive_retag = plan.retag;
  }
  o.on_log = log_printer(a.verbose || a.interactive, a.json);
  return o;
}

void announce(const ProxyArgs& a, const ProxyPlan& plan, const attack::TamperProxy& proxy) {
  // Two lines: scripts read the port from the first ("listening on ADDR:PORT").
  std::cerr << "intact: listening on " << net::describe(proxy.local_endpoint()) << std::endl;
  std::cerr << "intact: proxy to " << a.to << ", " << plan.specs.size()
            << (plan.specs.size() == 1 ? " attack" : " attacks")
            << (a.interactive ? ", interactive" : "") << std::endl;
  for (const auto& s : plan.specs)
    std::cerr << "intact: attack: " << attack::describe(s) << std::endl;
}

Failure run_proxy(const ProxyArgs& a) {
  ProxyPlan plan = validate(a);
  auto io_owner = std::make_shared<asio::io_context>();
  asio::io_context& io = *io_owner;
  auto queue = std::make_shared<attack::ReplacementQueue>(plan.interactive_dir);
  attack::TamperProxy::Options o = proxy_options(a, plan, queue.get());
  // An upstream with no address would fail every connection; say so now, as
  // `intact client` and `intact connect` do (exit 1).
  net::check_resolves(io.get_executor(), o.upstream_host, o.upstream_port);
  attack::TamperProxy proxy(
      net::listen(io.get_executor(), plan.bind, plan.listen_port, "--listen"), o);
  announce(a, plan, proxy);
  if (a.interactive) {
    std::cerr << "intact: interactive: type a line to replace the text of the next "
              << a.interactive_dir << " message" << std::endl;
    start_operator_input(io_owner, queue);
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code&, int) {
    proxy.stop();
    io.stop();
  });
  asio::co_spawn(io, proxy.run(), asio::detached);
  io.run();
  std::cerr << "intact: proxy stopped" << std::endl;
  return Failure::none;
}

const CommandRegistration registration{
    "proxy", "tamper proxy: a man in the middle that modifies, replays, reorders, drops messages",
    40, [](CLI::App& sub) -> Runner {
      auto a = std::make_shared<ProxyArgs>();
      declare_options(sub, *a);
      return [a]() { return run_proxy(*a); };
    }};

}  // namespace
}  // namespace intact::cli
