// src/cli/manual.hpp: the manual page and the shell completion, generated from the
// command definitions themselves, so a new subcommand or option is documented without
// a hand edit. Never reads a key or touches the network.
#pragma once

#include <CLI/CLI.hpp>

#include <ostream>

namespace intact::cli {

// intact(1) in roff (man macros) for `app` and every visible subcommand.
void write_manpage(const CLI::App& app, std::ostream& out);

// A bash completion script for `app` (complete -F _intact intact).
void write_bash_completion(const CLI::App& app, std::ostream& out);

// Adds the hidden subcommands `_manpage [-o FILE]` and `_completion bash [-o FILE]`,
// which the build runs to produce intact.1 and the completion file. Call it after
// every real subcommand is added; the two are not listed in --help or in the manual.
void add_manual_commands(CLI::App& app);

}  // namespace intact::cli
