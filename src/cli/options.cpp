#include "cli/options.hpp"

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

std::string range_text(std::string_view min, std::string_view max) {
  return std::string(min) + ".." + std::string(max);
}

void throw_number_out_of_range(std::string_view option, std::string_view text, std::string_view min,
                               std::string_view max) {
  throw Error(Failure::usage, std::string(option) + " must be a whole number between " + std::string(min) +
                                  " and " + std::string(max) + ", not '" + std::string(text) + "'");
}

namespace {

// The digits of `text` as a number, when they are 1 to `max_digits` decimal digits.
std::optional<std::uint64_t> digits_value(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits ||
      text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  return value;
}

// "12", "1.5", "30s", "500ms", "2m", "1h": milliseconds, or nothing when it is not a
// duration or is beyond any range (more than 10^12 of its unit).
std::optional<long long> duration_ms(std::string_view text) {
  std::size_t number_end = text.find_first_not_of("0123456789.");
  std::string_view number = text.substr(0, number_end);
  std::string_view unit = number_end == std::string_view::npos ? std::string_view() : text.substr(number_end);
  long long unit_ms = 0;
  if (unit.empty() || unit == "s") unit_ms = 1000;
  else if (unit == "ms") unit_ms = 1;
  else if (unit == "m") unit_ms = 60'000;
  else if (unit == "h") unit_ms = 3'600'000;
  else return std::nullopt;
  std::size_t dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;  // "1." is no number
  auto w = digits_value(whole, 12);  // 10^12 h fits in a long long of milliseconds
  if (!w) return std::nullopt;
  long long ms = static_cast<long long>(*w) * unit_ms;
  if (!fraction.empty()) {
    // Past nine digits, a fraction no longer changes the milliseconds of any unit.
    std::string_view kept = fraction.substr(0, 9);
    auto f = digits_value(kept, 9);
    if (!f || !digits_value(fraction, fraction.size())) return std::nullopt;
    long long scale = 1;
    for (std::size_t i = 0; i < kept.size(); ++i) scale *= 10;
    ms += static_cast<long long>(*f) * unit_ms / scale;
  }
  return ms;
}

}  // namespace

std::chrono::milliseconds parse_duration_in(std::string_view text, std::string_view option,
                                            DurationRange range) {
  auto ms = duration_ms(text);
  if (!ms || *ms < range.min.count() || *ms > range.max.count()) {
    throw Error(Failure::usage, std::string(option) + " must be a duration between " +
                                    duration_option_text(range.min) + " and " +
                                    duration_option_text(range.max) +
                                    " (e.g. 30s, 500ms, 2m; a bare number is seconds), not '" +
                                    std::string(text) + "'");
  }
  return std::chrono::milliseconds(*ms);
}

std::string duration_option_text(std::chrono::milliseconds d) {
  long long ms = d.count();
  if (ms == 0) return "0";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::chrono::milliseconds parse_duration(const std::string& text, const std::string& option) {
  return parse_duration_in(text, option, {std::chrono::milliseconds(0), kMaxDuration});
}

std::chrono::milliseconds parse_handshake_timeout(const std::string& text) {
  return parse_duration_in(text, "--handshake-timeout", kHandshakeTimeouts);
}

namespace detail {

CLI::Option* add_parsed_option(CLI::App& sub, const std::string& names, const std::string& help,
                               std::function<void(const std::string& text, const std::string& name)> parse) {
  auto name = std::make_shared<std::string>();
  CLI::Option* opt = sub.add_option_function<std::string>(
      names,
      [parse = std::move(parse), name](const std::string& text) {
        try {
          parse(text, *name);
        } catch (const Error& e) {
          throw CLI::ValidationError(e.what());  // a usage error of the parse: exit 2 (main.cpp)
        }
      },
      help);
  *name = opt->get_name();
  return opt;
}

}  // namespace detail

CLI::Validator nonempty_address() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return text.empty() ? "an empty address is refused: give one (:: or 0.0.0.0 for every interface)"
                            : std::string();
      },
      "");
}

}  // namespace intact::cli
