#include "cli/options.hpp"

#include <cmath>
#include <iostream>

#include "intact/failure.hpp"
#include "intact/secret.hpp"

namespace intact::cli {

void KeyOptions::add_to(CLI::App& sub) {
  sub.add_option("--key", source.hex,
                 "pre-shared key as hex text, e.g. 5D2E44719232EA78CD2B32 (visible to other "
                 "local users in the process list: prefer --key-file or INTACT_KEY)")
      ->type_name("HEX");
  sub.add_option("--key-file", source.file,
                 "file holding the key (hex text or raw bytes); should be mode 600")
      ->type_name("FILE");
  sub.add_option("--passphrase-file", source.passphrase_file,
                 "file holding a passphrase (same file rule as --key-file); the key is derived "
                 "from it with Argon2id (docs/protocol.md), the same on every peer")
      ->type_name("FILE");
  sub.add_flag("--weak-key", source.weak_key,
               "use a protocol v1 key under 16 bytes as it is (refused without this): anyone who "
               "connects can test guesses of a short key offline at millions a second");
}

Key KeyOptions::load(KeyUse use) const {
  std::vector<std::string> warnings;
  // Our copy of the --key text is wiped however loading ends (CLI11's own copy
  // and the process's arguments are not ours to wipe: --key is visible to ps).
  struct WipeHex {
    const KeySource& s;
    ~WipeHex() {
      if (s.hex) secure_wipe(const_cast<std::string&>(*s.hex));
    }
  } wipe{source};
  Key key = load_key(source, use, &warnings);
  for (const auto& w : warnings) std::cerr << "intact: warning: " << w << "\n";
  return key;
}

Key KeyOptions::load() const { return load(KeyUse::v1); }

std::chrono::milliseconds parse_duration(const std::string& text, const std::string& option) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  double ms = -1;
  if (used > 0 && std::isfinite(value) && value >= 0) {
    if (unit.empty() || unit == "s") ms = value * 1000;
    else if (unit == "ms") ms = value;
    else if (unit == "m") ms = value * 60000;
    else if (unit == "h") ms = value * 3600000;
  }
  if (ms < 0 || ms > 1e12) {
    throw Error(Failure::usage, option + " takes a duration such as 30s, 500ms or 2m, not '" + text + "'");
  }
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

std::chrono::milliseconds parse_handshake_timeout(const std::string& text) {
  auto timeout = parse_duration(text, "--handshake-timeout");
  if (timeout.count() == 0)
    throw Error(Failure::usage, "--handshake-timeout must be more than 0 (e.g. 10s)");
  return timeout;
}

}  // namespace intact::cli
