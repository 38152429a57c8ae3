// src/cli/command.hpp: how a subcommand plugs into the `intact` front end.
//
// Each subcommand lives in its own src/cli/cmd_<name>.cpp and registers itself
// with a static CommandRegistration: main.cpp never needs editing to add one.
// A command's setup function declares its options on the CLI11 subcommand and
// returns the function that runs it; that function returns how the command ended
// (Failure::none, or a failure already shown to the user) and reports other
// failures by throwing intact::Error (main prints it, never a key). Either way
// the exit status comes from exit_status.hpp's one table.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "intact/failure.hpp"

namespace intact::cli {

using Runner = std::function<Failure()>;
using Setup = std::function<Runner(CLI::App& sub)>;

struct CommandInfo {
  std::string name;
  std::string description;
  int order;  // position in `intact --help`
  Setup setup;
};

std::vector<CommandInfo>& command_registry();

struct CommandRegistration {
  CommandRegistration(std::string name, std::string description, int order, Setup setup) {
    command_registry().push_back({std::move(name), std::move(description), order, std::move(setup)});
  }
};

}  // namespace intact::cli
