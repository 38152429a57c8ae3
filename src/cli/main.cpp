// The `intact` command: parses the command line (CLI11) and runs one subcommand.
// Exit codes come from one table (cli/exit_status.hpp): 0 ok, 1 other errors,
// 2 usage or an unusable key, 3 integrity failure, 4 truncated stream.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "cli/exit_status.hpp"
#include "cli/manual.hpp"
#include "intact/failure.hpp"
#include "intact/version.hpp"

namespace intact::cli {
std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}
}  // namespace intact::cli

namespace {

int status(intact::Failure failure) { return static_cast<int>(intact::cli::exit_status(failure)); }

}  // namespace

int main(int argc, char** argv) {
  using namespace intact;
  using namespace intact::cli;
  // A peer that vanishes must never kill us with SIGPIPE: writes report EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{
      "intact: messaging over TCP where every message carries an HMAC-SHA256 tag under a "
      "pre-shared key, so the receiver knows whether it arrived exactly as sent.\n"
      "Exit codes: 0 ok, 1 error, 2 usage, 3 integrity failure, 4 stream truncated.",
      "intact"};
  app.set_version_flag("--version", std::string("intact ") + std::string(intact::version));
  app.require_subcommand(1);
  app.footer("Run 'intact COMMAND --help' for a command's options.");

  auto& registry = command_registry();
  std::sort(registry.begin(), registry.end(),
            [](const CommandInfo& a, const CommandInfo& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, Runner>> commands;
  for (auto& info : registry) {
    CLI::App* sub = app.add_subcommand(info.name, info.description);
    commands.emplace_back(sub, info.setup(*sub));
  }
  add_manual_commands(app);  // hidden: `intact _manpage`, `intact _completion bash`

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e, std::cout, std::cerr);
    return status(Failure::usage);
  }

  for (auto& [sub, run] : commands) {
    if (!sub->parsed()) continue;
    try {
      return status(run());
    } catch (const Error& e) {
      std::cerr << "intact: " << e.what() << "\n";
      if (auto h = hint(e.failure()); !h.empty()) std::cerr << "intact: hint: " << h << "\n";
      return status(e.failure());
    } catch (const std::exception& e) {
      std::cerr << "intact: error: " << e.what() << "\n";
      return status(Failure::internal);
    }
  }
  return status(Failure::usage);
}
