// `intact mac`: the lab's hash module as a command: prints the tag of a text.
#include <iostream>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "intact/crypto.hpp"
#include "intact/hex.hpp"

namespace intact::cli {
namespace {

const CommandRegistration registration{
    "mac", "print the HMAC-SHA256 tag of a text as 64 upper-case hex digits (the lab's hash)",
    80, [](CLI::App& sub) -> Runner {
      auto key = std::make_shared<KeyOptions>();
      auto text = std::make_shared<std::string>();
      key->add_to(sub);
      sub.add_option("TEXT", *text, "the message (UTF-8); read from standard input when absent");
      sub.footer("Example: intact mac --key 5D2E44719232EA78CD2B32 \"NMP-B19DCAT141 server send\"");
      return [&sub, key, text]() {
        std::string message = *text;
        if (sub.count("TEXT") == 0) {
          message.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        }
        HmacSha256 mac(key->load().bytes());
        std::cout << to_hex_upper(mac.compute(as_bytes(message))) << "\n";
        return Failure::none;
      };
    }};

}  // namespace
}  // namespace intact::cli
