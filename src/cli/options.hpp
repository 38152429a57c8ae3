// src/cli/options.hpp: command-line options shared by several subcommands.
//
// Key options are declared here once so every command takes the key the same
// way (--key, --key-file, INTACT_KEY) and prints the same warnings. Nothing
// here prints a key.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

#include "cli/key_source.hpp"
#include "intact/key.hpp"

namespace intact::cli {

// Footer lines shared by the commands' --help: where the key comes from and
// in which order (load_key), and how a duration is written (parse_duration).
inline constexpr const char* kKeySources =
    "The key: --key HEX, --key-file FILE or --passphrase-file FILE (one of them); without any, "
    "the INTACT_KEY environment variable (hex). A key file is a regular file of at most 8,194 "
    "bytes; one line ending at its end (\\n or \\r\\n) is removed, nothing else; then it is hex "
    "if it is only hex digits (an even number), raw bytes if it holds any other byte than hex "
    "digits and white space; a byte-order mark, a 0x prefix and hex digits with white space "
    "among them are refused. A protocol v1 key under 16 bytes is refused unless --weak-key "
    "(intact keygen makes 32 bytes).";
inline constexpr const char* kDurations = "Durations: 30s, 500ms, 2m, 1h; a bare number is seconds.";

struct KeyOptions {
  KeySource source;
  // --key, --key-file, --passphrase-file and --weak-key.
  void add_to(CLI::App& sub);
  // Resolves the key for `use` (load_key: the one place a short v1 key is
  // refused), printing "intact: warning: ..." lines on stderr, and wipes our
  // copy of the --key text.
  Key load(KeyUse use) const;
  // The same for protocol v1.
  Key load() const;
};

// Parses "30s", "500ms", "2m", "1.5s" or a bare number of seconds. Throws intact::Error.
std::chrono::milliseconds parse_duration(const std::string& text, const std::string& option);

// --handshake-timeout: a duration of more than 0 (0 would drop every connection
// before its first byte; it does not mean "never"). Throws intact::Error (usage).
std::chrono::milliseconds parse_handshake_timeout(const std::string& text);

}  // namespace intact::cli
