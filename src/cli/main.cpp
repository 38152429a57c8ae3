// The `intact` command: parses the command line (CLI11) and runs one subcommand.
// Exit codes come from one table (cli/exit_status.hpp): 0 ok, 1 other errors,
// 2 usage or an unusable key, 3 integrity failure, 4 truncated stream.
#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

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

// The subcommand the parser was inside when it stopped (the deepest one it had
// reached), or the top-level app.
const CLI::App* innermost_parsed(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->parsed()) return innermost_parsed(*sub);
  }
  return &app;
}

// "mac" for `intact mac` (the names below the top level).
std::string command_path(const CLI::App* app) {
  std::string path;
  for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent())
    path = app->get_name() + (path.empty() ? "" : " ") + path;
  return path;
}

std::string command_list(const CLI::App& app) {
  std::string out;
  for (const CLI::App* sub :
       app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
    out += (out.empty() ? "" : ", ") + sub->get_name();
  return out;
}

// CLI11's message as one line starting in lower case ("The following argument
// was not expected: --x" -> "the following argument was not expected: --x").
std::string one_line(std::string text) {
  for (auto& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > 1 && std::isupper(static_cast<unsigned char>(text[0])) &&
      (std::islower(static_cast<unsigned char>(text[1])) || text[1] == ' '))
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// A command line CLI11 refused, reported like every other failure: one line
// "intact: ...", then "intact: hint: ...". An unknown or missing command names
// the commands there are.
int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  if (e.get_name() == "RuntimeError") {  // a hidden command's own failure (`_manpage -o DIR/x`)
    std::cerr << "intact: " << one_line(e.what()) << "\n";
    return e.get_exit_code();
  }
  const CLI::App* where = innermost_parsed(app);
  if (where == &app) {
    // The first word the parser could not place: a command name, or an option
    // given before any command (`intact --key K`: K is its value, not a command).
    std::string unknown, option;
    for (const std::string& arg : app.remaining()) {
      if (arg.empty()) continue;
      (arg[0] == '-' ? option : unknown) = arg;
      break;
    }
    if (!unknown.empty()) {
      std::cerr << "intact: unknown command '" << unknown
                << "'; the commands are: " << command_list(app) << "\n";
    } else if (!option.empty()) {
      std::cerr << "intact: unknown option '" << option
                << "' before the command; the commands are: " << command_list(app) << "\n";
    } else if (e.get_name() == "RequiredError") {
      std::cerr << "intact: a command is required; the commands are: " << command_list(app) << "\n";
    } else {
      std::cerr << "intact: " << one_line(e.what()) << "\n";
    }
    std::cerr << "intact: hint: run 'intact --help' for what each command does\n";
  } else {
    const std::string path = command_path(where);
    std::cerr << "intact: " << path << ": " << one_line(e.what()) << "\n";
    std::cerr << "intact: hint: run 'intact " << path << " --help' for its options\n";
  }
  return status(intact::Failure::usage);
}

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
    return usage_error(app, e);
  }

  for (auto& [sub, run] : commands) {
    if (!sub->parsed()) continue;
    try {
      return status(run());
    } catch (const Error& e) {
      std::cerr << "intact: " << e.what() << "\n";
      auto has_option = [sub = sub](std::string_view name) {
        return sub->get_option_no_throw(std::string(name)) != nullptr;
      };
      if (auto h = hint(e.failure(), has_option); !h.empty())
        std::cerr << "intact: hint: " << h << "\n";
      return status(e.failure());
    } catch (const std::exception& e) {
      std::cerr << "intact: error: " << e.what() << "\n";
      return status(Failure::internal);
    }
  }
  return status(Failure::usage);
}
