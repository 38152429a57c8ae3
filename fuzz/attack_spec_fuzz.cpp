// Fuzz target attack_spec: the `--attack SPEC` parser (src/attack/attack_spec)
// fed arbitrary text.
//
// Checks, beyond memory safety: a spec is either parsed or refused with an
// intact::Error of Failure::usage, nothing else; a parsed spec is consistent
// (exactly one of N and p=, p within 0..1, a direction, options only where they
// apply, what each action needs present); printed back in the SPEC syntax (the
// printer here, spec_text) it reparses to the same spec; describe() never
// contains the retag key; an error message never contains a retag= key.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "attack/attack_spec.hpp"
#include "fuzz_target.hpp"
#include "intact/failure.hpp"
#include "intact/hex.hpp"

using namespace intact;
using namespace intact::attack;

namespace {

std::string number(double p) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, p);  // shortest round-trip form
  FUZZ_CHECK(ec == std::errc());
  return std::string(buf, end);
}

// The SPEC that means `s` (text= last: it takes the rest of the spec).
std::string spec_text(const AttackSpec& s) {
  std::string t(action_name(s.kind));
  if (s.kind == ActionKind::random) {
    t += ":p=" + number(*s.probability);
    t += std::string(":dir=") + (s.c2s && s.s2c ? "both" : s.c2s ? "c2s" : "s2c");
    t += ":do=";
    for (std::size_t i = 0; i < s.choices.size(); ++i)
      t += (i ? "," : "") + std::string(action_name(s.choices[i]));
  } else {
    t += s.c2s ? ":c2s" : ":s2c";
    t += s.probability ? ":p=" + number(*s.probability) : ":" + std::to_string(s.nth);
  }
  t += ":seed=" + std::to_string(s.seed);
  if (s.kind == ActionKind::flip) t += ":field=" + std::string(field_name(s.field));
  if (s.after != 0) t += ":after=" + std::to_string(s.after);
  if (s.retag_key) t += ":retag=" + to_hex_upper(*s.retag_key);
  if (s.text) t += ":text=" + *s.text;
  return t;
}

bool same(const AttackSpec& a, const AttackSpec& b) {
  return a.kind == b.kind && a.c2s == b.c2s && a.s2c == b.s2c && a.nth == b.nth &&
         a.probability == b.probability && a.seed == b.seed && a.field == b.field &&
         a.text == b.text && a.retag_key == b.retag_key && a.after == b.after &&
         a.choices == b.choices;
}

void check_consistent(const AttackSpec& s) {
  FUZZ_CHECK(s.c2s || s.s2c);
  if (s.kind != ActionKind::random) FUZZ_CHECK(s.c2s != s.s2c);
  FUZZ_CHECK((s.nth == 0) == s.probability.has_value());
  if (s.probability) FUZZ_CHECK(std::isfinite(*s.probability) && *s.probability >= 0 && *s.probability <= 1);
  if (s.kind == ActionKind::random) {
    FUZZ_CHECK(s.probability && !s.choices.empty());
    for (ActionKind k : s.choices) FUZZ_CHECK(k != ActionKind::random && k != ActionKind::splice);
  } else {
    FUZZ_CHECK(s.choices.empty());
  }
  if (s.kind != ActionKind::flip) FUZZ_CHECK(s.field == Field::any);
  if (s.kind == ActionKind::replace) FUZZ_CHECK(s.text.has_value());
  if (s.kind != ActionKind::replace && s.kind != ActionKind::inject)
    FUZZ_CHECK(!s.text && !s.retag_key);
  if (s.retag_key) FUZZ_CHECK(!s.retag_key->empty());
  if (s.text) FUZZ_CHECK(s.text->size() <= 65536);
  if (s.kind != ActionKind::replay) FUZZ_CHECK(s.after == 0);
  if (s.kind == ActionKind::replay && s.after != 0 && s.nth != 0) FUZZ_CHECK(s.after > s.nth);
}

bool contains_ci(const std::string& hay, const std::string& needle) {
  if (needle.empty() || needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && std::tolower(static_cast<unsigned char>(hay[i + j])) ==
                                    std::tolower(static_cast<unsigned char>(needle[j])))
      ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

}  // namespace

INTACT_FUZZ_TARGET(attack_spec) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  AttackSpec spec;
  try {
    spec = parse_attack_spec(text);
  } catch (const Error& e) {
    FUZZ_CHECK(e.failure() == Failure::usage);
    const std::string message = e.what();
    // Every retag= value that is a key (8 hex digits or more, written nowhere else in the
    // spec) stays out. Not any text: "elp' for" is in every message ("--help' for the syntax").
    for (std::size_t at = text.find("retag="); at != std::string::npos; at = text.find("retag=", at + 1)) {
      std::size_t value = at + 6, end = std::min(text.find(':', value), text.size());
      std::string key = text.substr(value, end - value);
      if (key.size() >= 8 && from_hex(key) && text.find(key) == value &&
          text.find(key, value + 1) == std::string::npos && text.find("<key>") == std::string::npos)
        FUZZ_CHECK(message.find(key) == std::string::npos);
    }
    return;
  }
  check_consistent(spec);
  const std::string printed = spec_text(spec);
  if (printed.size() > 4096) return;  // printed longer than the parser's limit: not comparable
  AttackSpec again;
  try {
    again = parse_attack_spec(printed);
  } catch (const Error&) {
    fuzz::fail(("a parsed spec, printed back, is refused: " + printed).c_str(), __FILE__, __LINE__);
  }
  FUZZ_CHECK(same(spec, again));
  const std::string line = describe(spec);
  FUZZ_CHECK(!line.empty());
  if (spec.retag_key && spec.retag_key->size() >= 4)
    FUZZ_CHECK(!contains_ci(line, to_hex_upper(*spec.retag_key)));
}
