// src/cli/options.hpp: command-line options shared by several subcommands.
//
// Key options are declared here once so every command takes the key the same
// way (--key, --key-file, INTACT_KEY) and prints the same warnings. Nothing
// here prints a key.
//
// Every numeric option is declared here too, through add_number, add_duration
// or add_port: the one place where a number on the command line is read. The
// text is parsed strictly (decimal digits only, no sign unless the range has
// negatives, no overflow, no trailing characters; a duration's unit is one of
// ms, s, m, h and a bare number is seconds), the value must lie in the range
// the option states, the range is appended to the option's --help text, and
// anything else stops the parse with a usage error (exit 2) naming the range:
//   intact: server: --queue-limit must be a whole number between 65536 and
//   1073741824, not '-1'
// CLI11's own conversion (strtoull: "-1" becomes 2^64-1) is never used for a number.
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "cli/key_source.hpp"
#include "intact/failure.hpp"
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
inline constexpr const char* kDurations =
    "Durations: 30s, 500ms, 2m, 1h, 1.5s; a bare number is seconds. Numbers are whole decimal "
    "numbers; each option's range is shown with it, and a value outside it is a usage error.";

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

// ---- Numbers -------------------------------------------------------------------------------
//
// How to declare a numeric option (in a command's option declarations):
//
//   std::size_t max_clients = 10'000;                       // the default, shown in --help
//   add_number(sub, "--max-clients", max_clients, {1, 1'000'000}, "refuse connections beyond this many");
//
//   std::chrono::milliseconds idle{0};
//   add_duration(sub, "--idle-timeout", idle, {0ms, 24h}, "disconnect a client silent this long (0: never)");
//
//   std::uint16_t port = 8080;
//   add_port(sub, "-p,--port", port, kListenPorts, "port to listen on; 0 lets the OS pick one");
//
// An option that may be absent binds a std::optional (it stays empty when not given). Each
// returns the CLI::Option, for ->required(), ->type_name(...) and so on. The range is inclusive
// and appended to the help as "(1..1000000)" or "(0..24h)"; the variable's initial value is
// the default shown. A value given is checked while the command line is parsed, before the
// command runs.
//
// Converting an option declared for now as plain CLI11 with `->check(CLI::Range(a, b))` and a
// `// numeric: a..b` comment: `sub.add_option(NAMES, var, HELP)->check(CLI::Range(a, b))`
// becomes `add_number(sub, NAMES, var, {a, b}, HELP)` (drop ->capture_default_str() and any
// range words in HELP: both are added); a duration held as text and read later with
// parse_duration becomes a std::chrono::milliseconds bound with add_duration.

template <std::integral T>
struct NumberRange {
  T min;
  T max;
};

struct DurationRange {
  std::chrono::milliseconds min;
  std::chrono::milliseconds max;
};

// Ports: where 0 means "the OS picks one" (a listening port), and where it means nothing
// (the port of a peer, or of a capture filter).
inline constexpr NumberRange<std::uint16_t> kListenPorts{0, 65535};
inline constexpr NumberRange<std::uint16_t> kPeerPorts{1, 65535};

// The longest duration parse_duration takes without a range of its own.
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24);
// --handshake-timeout, everywhere: more than 0 (0 would drop every connection before its
// first byte; it does not mean "never"), at most an hour.
inline constexpr DurationRange kHandshakeTimeouts{std::chrono::milliseconds(1), std::chrono::hours(1)};

// --lab-pace (server and client): 0 (no pacing) to a minute between two messages.
inline constexpr DurationRange kLabPaces{std::chrono::milliseconds(0), std::chrono::minutes(1)};

// "1024..1073741824": how a range is written in --help.
std::string range_text(std::string_view min, std::string_view max);
// "--max-clients must be a whole number between 1 and 1000000, not '-1'" (Failure::usage).
[[noreturn]] void throw_number_out_of_range(std::string_view option, std::string_view text,
                                            std::string_view min, std::string_view max);

// Parses `text` as a whole decimal number within `range`, strictly: digits only (a leading
// '-' only when range.min is negative), no '+', no spaces, no overflow, nothing after it.
// Throws intact::Error (usage) naming `option` and the range.
template <std::integral T>
T parse_number(std::string_view text, std::string_view option, NumberRange<T> range) {
  std::string_view digits = text;
  if constexpr (std::is_signed_v<T>) {
    if (range.min < 0 && !digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  }
  bool ok = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  T value{};
  if (ok) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = ec == std::errc{} && end == text.data() + text.size();
  }
  if (!ok || value < range.min || value > range.max)
    throw_number_out_of_range(option, text, std::to_string(range.min), std::to_string(range.max));
  return value;
}

// "30s", "500ms", "2m", "1h", "1.5s", or a bare number of seconds ("10" is 10s), strictly:
// digits, an optional fraction, an optional unit, nothing else (no sign, no exponent, no
// spaces); the result, in whole milliseconds (a finer fraction is cut), within `range`.
// Throws intact::Error (usage) naming `option` and the range.
std::chrono::milliseconds parse_duration_in(std::string_view text, std::string_view option,
                                            DurationRange range);

// A duration as the command line writes it: "0", "300ms", "10s", "2m", "1h" (the largest
// unit that divides it). parse_duration reads it back.
std::string duration_option_text(std::chrono::milliseconds d);

// Parses a duration between 0 and kMaxDuration (see parse_duration_in). Throws intact::Error.
std::chrono::milliseconds parse_duration(const std::string& text, const std::string& option);

// --handshake-timeout: a duration in kHandshakeTimeouts. Throws intact::Error (usage).
std::chrono::milliseconds parse_handshake_timeout(const std::string& text);

namespace detail {
// The number an option's variable holds: T for T and for std::optional<T>.
template <class T>
struct number_of {
  using type = T;
};
template <class T>
struct number_of<std::optional<T>> {
  using type = T;
};
// Declares an option taking one text, handed to `parse` when given; `parse`'s intact::Error
// becomes the parse's usage error. `name` receives the option's display name ("--port").
CLI::Option* add_parsed_option(CLI::App& sub, const std::string& names, const std::string& help,
                               std::function<void(const std::string& text, const std::string& name)> parse);
template <class T>
void store(T& target, T value) { target = value; }
template <class T>
void store(std::optional<T>& target, T value) { target = value; }
template <class T>
std::string default_of(const T& value, std::string (*text)(T)) { return text(value); }
template <class T>
std::string default_of(const std::optional<T>& value, std::string (*text)(T)) {
  return value ? text(*value) : std::string();
}
}  // namespace detail

// A whole-number option bound to `value` (an integer, or a std::optional of one).
template <class Target, std::integral T = typename detail::number_of<Target>::type>
CLI::Option* add_number(CLI::App& sub, const std::string& names, Target& value,
                        std::type_identity_t<NumberRange<T>> range, const std::string& help) {
  CLI::Option* opt = detail::add_parsed_option(
      sub, names, help + " (" + range_text(std::to_string(range.min), std::to_string(range.max)) + ")",
      [&value, range](const std::string& text, const std::string& name) {
        detail::store(value, parse_number<T>(text, name, range));
      });
  std::string shown = detail::default_of<T>(value, [](T v) { return std::to_string(v); });
  return opt->type_name("N")->default_str(shown);
}

// A TCP port option (kListenPorts or kPeerPorts) bound to a std::uint16_t or an optional one.
template <class Target>
CLI::Option* add_port(CLI::App& sub, const std::string& names, Target& value,
                      NumberRange<std::uint16_t> range, const std::string& help) {
  return add_number(sub, names, value, range, help)->type_name("PORT");
}

// A duration option bound to `value` (std::chrono::milliseconds, or a std::optional of it).
template <class Target>
CLI::Option* add_duration(CLI::App& sub, const std::string& names, Target& value, DurationRange range,
                          const std::string& help) {
  CLI::Option* opt = detail::add_parsed_option(
      sub, names,
      help + " (" + range_text(duration_option_text(range.min), duration_option_text(range.max)) + ")",
      [&value, range](const std::string& text, const std::string& name) {
        detail::store(value, parse_duration_in(text, name, range));
      });
  std::string shown = detail::default_of<std::chrono::milliseconds>(value, duration_option_text);
  return opt->type_name("DURATION")->default_str(shown);
}

// For --bind: an empty address would make the resolver listen on every interface; refused
// (every interface is said as :: or 0.0.0.0).
CLI::Validator nonempty_address();

}  // namespace intact::cli
