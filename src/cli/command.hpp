// src/cli/command.hpp: how a subcommand plugs into the `intact` front end.
//
// Each subcommand lives in its own src/cli/cmd_<name>.cpp and registers itself
// with a static CommandRegistration: main.cpp never needs editing to add one.
// A command's setup function declares its options on the CLI11 subcommand and
// returns the function that runs it; that function returns the exit code and
// reports failures by throwing intact::Error (main prints it, never a key).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace intact::cli {

using Runner = std::function<int()>;
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
