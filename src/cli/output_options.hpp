// src/cli/output_options.hpp: --json, colours and timestamps for chat output.
//
// Colours and timestamps appear only when standard output is a terminal and
// NO_COLOR is unset (https://no-color.org); pipes get plain lines.
#pragma once

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "chat/chat_output.hpp"

namespace intact::cli {

struct OutputOptions {
  bool json = false;
  void add_to(CLI::App& sub) {
    sub.add_flag("--json", json, "print one JSON object per line for every event, for scripts and log collectors");
  }
  std::unique_ptr<chat::ChatOutput> make(std::FILE* out, std::FILE* log) const {
    bool tty = ::isatty(::fileno(out)) == 1;
    const char* no_color = std::getenv("NO_COLOR");
    // Both go together (README): NO_COLOR asks for plain lines, timestamps included.
    bool styled = tty && (no_color == nullptr || *no_color == '\0') && !json;
    return std::make_unique<chat::ChatOutput>(json ? chat::ChatOutput::Mode::json : chat::ChatOutput::Mode::human,
                                              out, log, styled, styled);
  }
};

}  // namespace intact::cli
