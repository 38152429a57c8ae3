// Specification of the one reader of numbers on the command line (cli/options.hpp):
// parse_number and parse_duration_in take only what they state (digits, an optional
// fraction and unit for durations, no sign, no overflow, nothing after it) within a
// range, and add_number / add_duration / add_port refuse anything else while CLI11
// parses, with a message naming the option and its range.
#include "cli/options.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "intact/failure.hpp"

namespace intact::cli {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

// The message of the usage error `f` throws, or "" when it throws none.
template <class F>
std::string usage_error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::usage);
    return e.what();
  } catch (const CLI::ValidationError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseNumber, TakesDecimalDigitsWithinTheRangeBoundsIncluded) {
  NumberRange<std::size_t> r{1024, 1u << 30};
  EXPECT_EQ(parse_number<std::size_t>("1024", "--queue-limit", r), 1024u);
  EXPECT_EQ(parse_number<std::size_t>("1073741824", "--queue-limit", r), 1u << 30);
  EXPECT_EQ(parse_number<std::size_t>("0004096", "--queue-limit", r), 4096u);
  EXPECT_EQ(parse_number<std::uint64_t>("18446744073709551615", "--seed",
                                        {0, std::numeric_limits<std::uint64_t>::max()}),
            std::numeric_limits<std::uint64_t>::max());
}

TEST(ParseNumber, RefusesSignOverflowJunkAndOutOfRangeNamingTheRange) {
  NumberRange<std::size_t> r{1024, 1u << 30};
  for (const char* text : {"-1", "+5000", "", " 5000", "5000 ", "5e3", "5000x", "0x1000", "4MiB", "1023",
                           "1073741825", "99999999999999999999999", "18446744073709551616", "-0", "1.5"}) {
    std::string m = usage_error_of([&] { parse_number<std::size_t>(text, "--queue-limit", r); });
    EXPECT_EQ(m, "--queue-limit must be a whole number between 1024 and 1073741824, not '" +
                     std::string(text) + "'")
        << "for '" << text << "'";
  }
  // 2^64 wraps nothing: one past the type's maximum is out of range, not 0.
  EXPECT_NE(usage_error_of([] {
              parse_number<std::uint64_t>("18446744073709551616", "--seed",
                                          {0, std::numeric_limits<std::uint64_t>::max()});
            }),
            "");
}

TEST(ParseNumber, TakesAMinusOnlyWhenTheRangeHasNegatives) {
  EXPECT_EQ(parse_number<int>("-5", "--x", {-10, 10}), -5);
  EXPECT_NE(usage_error_of([] { parse_number<int>("-5", "--x", {0, 10}); }), "");
  EXPECT_NE(usage_error_of([] { parse_number<int>("--5", "--x", {-10, 10}); }), "");
  EXPECT_NE(usage_error_of([] { parse_number<int>("-", "--x", {-10, 10}); }), "");
}

TEST(ParseDuration, ABareNumberIsSecondsAndEachUnitIsItsOwn) {
  DurationRange any{0ms, 24h};
  EXPECT_EQ(parse_duration_in("10", "--t", any), 10s);
  EXPECT_EQ(parse_duration_in("1.5", "--t", any), 1500ms);
  EXPECT_EQ(parse_duration_in("30s", "--t", any), 30s);
  EXPECT_EQ(parse_duration_in("500ms", "--t", any), 500ms);
  EXPECT_EQ(parse_duration_in("2m", "--t", any), 2min);
  EXPECT_EQ(parse_duration_in("1h", "--t", any), 1h);
  EXPECT_EQ(parse_duration_in("0.25s", "--t", any), 250ms);
  EXPECT_EQ(parse_duration_in("0", "--t", any), 0ms);
  EXPECT_EQ(parse_duration_in("24h", "--t", any), 24h);
  EXPECT_EQ(parse_duration_in("1.0000000001h", "--t", any), 1h);  // a finer fraction is cut
}

TEST(ParseDuration, RefusesSignsExponentsSpacesUnknownUnitsAndOverflowNamingTheRange) {
  DurationRange r{1ms, 1h};
  for (const char* text : {"0", "-1s", "+1s", "1e3", "inf", "nan", " 1s", "1s ", "1 s", "1.", ".5", "1..5s",
                           "1d", "1S", "1sec", "s", "", "0x10", "4294968296ms", "3601s", "1.0001h",
                           "99999999999999999999999", "0.5ms"}) {
    std::string m = usage_error_of([&] { parse_duration_in(text, "--handshake-timeout", r); });
    EXPECT_EQ(m, "--handshake-timeout must be a duration between 1ms and 1h (e.g. 30s, 500ms, 2m; "
                 "a bare number is seconds), not '" + std::string(text) + "'")
        << "for '" << text << "'";
  }
}

TEST(ParseDuration, TheOlderFunctionsKeepTheirRules) {
  EXPECT_EQ(parse_duration("90", "--x"), 90s);
  EXPECT_NE(usage_error_of([] { parse_duration("25h", "--x"); }), "");
  EXPECT_EQ(parse_handshake_timeout("1ms"), 1ms);
  EXPECT_NE(usage_error_of([] { parse_handshake_timeout("0"); }).find("--handshake-timeout"), std::string::npos);
}

TEST(DurationOptionText, WritesTheLargestUnitThatDividesAndParsesBack) {
  EXPECT_EQ(duration_option_text(0ms), "0");
  EXPECT_EQ(duration_option_text(300ms), "300ms");
  EXPECT_EQ(duration_option_text(1500ms), "1500ms");
  EXPECT_EQ(duration_option_text(10s), "10s");
  EXPECT_EQ(duration_option_text(2min), "2m");
  EXPECT_EQ(duration_option_text(24h), "24h");
  for (milliseconds d : std::vector<milliseconds>{0ms, 1ms, 1500ms, 90s, 1h})
    EXPECT_EQ(parse_duration_in(duration_option_text(d), "--t", {0ms, 24h}), d);
}

// Parses `args` (after the program name) with `app`.
void parse(CLI::App& app, std::vector<std::string> args) {
  std::vector<const char*> argv{"intact"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
}

TEST(AddNumber, StoresTheValueGivenAndKeepsTheDefaultOtherwise) {
  CLI::App app;
  std::size_t clients = 10;
  std::optional<std::uint64_t> campaign;
  std::uint16_t port = 8080;
  add_number(app, "--max-clients", clients, {1, 1000}, "refuse connections beyond this many");
  add_number(app, "--campaign", campaign, {1, 100}, "mutations");
  add_port(app, "-p,--port", port, kListenPorts, "port to listen on");
  parse(app, {"--max-clients", "1000", "-p", "0"});
  EXPECT_EQ(clients, 1000u);
  EXPECT_FALSE(campaign.has_value());
  EXPECT_EQ(port, 0);
}

TEST(AddNumber, RefusesWhileParsingWithTheOptionsNameAndRange) {
  CLI::App app;
  std::size_t clients = 10;
  add_number(app, "--max-clients", clients, {1, 1000}, "refuse connections beyond this many");
  std::string m = usage_error_of([&] { parse(app, {"--max-clients", "-1"}); });
  EXPECT_EQ(m, "--max-clients must be a whole number between 1 and 1000, not '-1'");
  EXPECT_EQ(clients, 10u);
}

TEST(AddNumber, ThePeerPortRefusesZero) {
  CLI::App app;
  std::uint16_t port = 8080;
  add_port(app, "PORT", port, kPeerPorts, "its port");
  EXPECT_EQ(usage_error_of([&] { parse(app, {"0"}); }), "PORT must be a whole number between 1 and 65535, not '0'");
}

TEST(AddNumber, TheHelpStatesTheRangeAndTheDefault) {
  CLI::App app;
  std::size_t limit = 4u << 20;
  std::chrono::milliseconds idle{0};
  std::optional<milliseconds> wait;
  add_number(app, "--queue-limit", limit, {65536, 1u << 30}, "bytes queued")->type_name("BYTES");
  add_duration(app, "--idle-timeout", idle, {0ms, 24h}, "disconnect a client silent this long");
  add_duration(app, "-w,--wait", wait, {1ms, 1h}, "give up after");
  std::string help = app.help();
  EXPECT_NE(help.find("bytes queued (65536..1073741824)"), std::string::npos) << help;
  EXPECT_NE(help.find("4194304"), std::string::npos) << help;
  EXPECT_NE(help.find("disconnect a client silent this long (0..24h)"), std::string::npos) << help;
  EXPECT_NE(help.find("give up after (1ms..1h)"), std::string::npos) << help;
}

TEST(AddDuration, StoresMillisecondsAndRefusesOutOfRange) {
  CLI::App app;
  std::chrono::milliseconds timeout = 10s;
  std::optional<milliseconds> wait;
  add_duration(app, "--handshake-timeout", timeout, kHandshakeTimeouts, "handshake deadline");
  add_duration(app, "-w,--wait", wait, {1ms, 1h}, "give up after");
  parse(app, {"--handshake-timeout", "1h", "-w", "1.5"});
  EXPECT_EQ(timeout, 1h);
  EXPECT_EQ(wait, 1500ms);
  CLI::App again;
  add_duration(again, "--handshake-timeout", timeout, kHandshakeTimeouts, "handshake deadline");
  EXPECT_NE(usage_error_of([&] { parse(again, {"--handshake-timeout", "0"}); }).find("between 1ms and 1h"),
            std::string::npos);
}

TEST(NonemptyAddress, RefusesAnEmptyBind) {
  CLI::App app;
  std::string bind = "127.0.0.1";
  app.add_option("--bind", bind)->check(nonempty_address());
  EXPECT_NE(usage_error_of([&] { parse(app, {"--bind", ""}); }).find("empty address"), std::string::npos);
  parse(app, {"--bind", "::"});
  EXPECT_EQ(bind, "::");
}

}  // namespace
}  // namespace intact::cli
