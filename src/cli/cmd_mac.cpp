// `intact mac`: the lab's hash module as a command: prints the tag of a text.
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "intact/crypto.hpp"
#include "intact/failure.hpp"
#include "intact/hex.hpp"

namespace intact::cli {
namespace {

// Standard input as the lab's Python input() reads it: the first line, without
// its "\n" (a "\r" before it stays, as input() keeps it on POSIX). A second line
// is refused rather than ignored: the tag would silently not cover it.
std::string one_line_of_stdin() {
  std::string all(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>{});
  if (all.empty())
    throw Error(Failure::usage,
                "standard input is empty; give the TEXT, or pipe one line "
                "(echo TEXT | intact mac ...)");
  std::size_t nl = all.find('\n');
  if (nl == std::string::npos) return all;  // a last line without a newline, as input() takes it
  if (nl + 1 != all.size())
    throw Error(Failure::usage,
                "standard input has more than one line; intact mac tags one line, as the lab's "
                "input() reads it. To tag all of it byte for byte, newlines included, add --exact");
  all.resize(nl);
  return all;
}

const CommandRegistration registration{
    "mac", "print the HMAC-SHA256 tag of a text as 64 upper-case hex digits (the lab's hash)",
    80, [](CLI::App& sub) -> Runner {
      auto key = std::make_shared<KeyOptions>();
      auto text = std::make_shared<std::string>();
      auto exact = std::make_shared<bool>(false);
      key->add_to(sub);
      sub.add_option(
          "TEXT", *text,
          "the message (UTF-8), tagged as given; when absent, one line of standard input "
          "without its newline, as the lab's Python input() reads it (echo TEXT | intact mac "
          "... tags TEXT)")
          ->type_name("");
      sub.add_flag("--exact", *exact,
                   "tag standard input exactly as read, every byte up to its end, newlines "
                   "included (printf 'TEXT' | intact mac --exact ... equals intact mac ... TEXT)");
      sub.footer(
          std::string(kKeySources) +
          "\nExit codes: 0 the tag printed, 2 usage (standard input of more than one line, or "
          "empty) or a key that cannot be used.\n"
          "Example: intact mac --key 5D2E44719232EA78CD2B32 \"NMP-B19DCAT141 server send\"\n"
          "Same tag: echo \"NMP-B19DCAT141 server send\" | "
          "intact mac --key 5D2E44719232EA78CD2B32");
      return [&sub, key, text, exact]() {
        std::string message = *text;
        if (sub.count("TEXT") != 0 && *exact)
          throw Error(Failure::usage,
                      "--exact is for standard input; a TEXT argument is always tagged as given");
        if (sub.count("TEXT") == 0) {
          if (*exact) {
            message.assign(std::istreambuf_iterator<char>(std::cin), {});
          } else {
            message = one_line_of_stdin();
          }
        }
        HmacSha256 mac(key->load(KeyUse::legacy).bytes());  // the lab's hash: no handshake
        std::cout << to_hex_upper(mac.compute(text_bytes(message))) << "\n";
        return Failure::none;
      };
    }};

}  // namespace
}  // namespace intact::cli
