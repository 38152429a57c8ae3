// `intact keygen`: a fresh key from the OS CSPRNG, as hex text.
#include <iostream>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "intact/failure.hpp"
#include "intact/hex.hpp"
#include "intact/key.hpp"

namespace intact::cli {
namespace {

const CommandRegistration registration{
    "keygen", "print a fresh random key in hex (32 bytes from the OS's CSPRNG)", 90,
    [](CLI::App& sub) -> Runner {
      auto bytes = std::make_shared<std::size_t>(kGeneratedKeyBytes);
      add_number(sub, "--bytes", *bytes, {16, 64}, "key length in bytes");
      sub.footer("Exit codes: 0 the key printed, 1 the system has no randomness to give, 2 usage.\n"
                 "Example: intact keygen > key && chmod 600 key && intact server --key-file key");
      return [bytes]() {
        Key key = Key::generate(*bytes);
        std::cout << to_hex_upper(key.bytes()) << "\n";
        return Failure::none;
      };
    }};

}  // namespace
}  // namespace intact::cli
