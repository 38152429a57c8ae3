// src/cli/key_source.hpp: where the command line takes the pre-shared key from.
//
// The core (intact/key.hpp) only turns hex text or bytes into a Key; reading a
// key file, checking its mode and looking at INTACT_KEY happen here, in the
// front end. Nothing here prints a key: errors and warnings name the source
// (--key, the file's path, INTACT_KEY), never the bytes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "intact/key.hpp"

namespace intact::cli {

// The environment variable a key may come from. A command intact starts
// (--exec) does not inherit it.
inline constexpr const char* kKeyEnvironment = "INTACT_KEY";

// Where the command line said to take the key from. Exactly one source is used:
// --key, then --key-file, then the INTACT_KEY environment variable.
struct KeySource {
  std::optional<std::string> hex;   // --key HEX
  std::optional<std::string> file;  // --key-file FILE
};

// A key file: hex text (optionally followed by a newline) or raw bytes.
// Appends a warning when the file is readable by group or others.
Key read_key_file(const std::string& path, std::vector<std::string>* warnings);

// Resolves a KeySource (falling back to INTACT_KEY). Throws intact::Error with
// a hint when no key is given. Appends warnings (short key, loose file mode).
Key load_key(const KeySource& source, std::vector<std::string>* warnings);

}  // namespace intact::cli
