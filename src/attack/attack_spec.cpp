#include "attack/attack_spec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <span>

#include "intact/failure.hpp"
#include "intact/hex.hpp"

namespace intact::attack {

namespace {

struct NamedAction {
  std::string_view name;
  ActionKind kind;
};
constexpr NamedAction kActions[] = {
    {"flip", ActionKind::flip},       {"replace", ActionKind::replace},
    {"replay", ActionKind::replay},   {"swap", ActionKind::swap},
    {"drop", ActionKind::drop},       {"dup", ActionKind::dup},
    {"reflect", ActionKind::reflect}, {"inject", ActionKind::inject},
    {"splice", ActionKind::splice},   {"cut", ActionKind::cut},
    {"random", ActionKind::random},
};

constexpr std::string_view kActionList =
    "flip, replace, replay, swap, drop, dup, reflect, inject, splice, cut, random";

// Errors echo the spec with every key in it replaced by "<key>": whatever follows
// "retag" anywhere in the text (any case, after '=', ':' or nothing, up to the
// next ':' or ','), and any run of 16 or more hex digits, a key put where it
// does not belong.
std::string redacted(std::string_view text) {
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  auto retag_at = [&](std::size_t i) {
    if (text.size() - i < 5) return false;
    for (std::size_t k = 0; k < 5; ++k)
      if (std::tolower(static_cast<unsigned char>(text[i + k])) != "retag"[k]) return false;
    return true;
  };
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (retag_at(i)) {
      out.append(text.substr(i, 5));
      i += 5;
      if (i < text.size() && (text[i] == '=' || text[i] == ':')) out += text[i++];
      std::size_t stop = std::min(text.find_first_of(":,", i), text.size());
      if (stop > i) out += "<key>";
      i = stop;
      continue;
    }
    std::size_t run = i;
    while (run < text.size() && is_hex(text[run])) ++run;
    if (run - i >= 16) {
      out += "<key>";
      i = run;
    } else if (run > i) {
      out.append(text.substr(i, run - i));
      i = run;
    } else {
      out += text[i++];
    }
  }
  return out;
}

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
  throw Error(Failure::usage, "bad --attack '" + redacted(spec) + "': " + why +
                  " (see 'intact proxy --help' for the syntax)");
}

std::optional<ActionKind> find_action(std::string_view name) {
  for (const auto& a : kActions)
    if (a.name == name) return a.kind;
  return std::nullopt;
}

std::optional<std::uint64_t> parse_count(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_probability(std::string_view s) {
  // std::from_chars for double is available in g++ 12's libstdc++.
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || !std::isfinite(v) || v < 0 ||
      v > 1)
    return std::nullopt;
  return v;
}

std::optional<Field> parse_field(std::string_view s) {
  if (s == "any") return Field::any;
  if (s == "type") return Field::type;
  if (s == "seq") return Field::seq;
  if (s == "length") return Field::length;
  if (s == "payload" || s == "text") return Field::payload;
  if (s == "tag") return Field::tag;
  return std::nullopt;
}

// Splits at ':' except that `text=` swallows the rest of the spec, colons included.
std::vector<std::string_view> split_spec(std::string_view spec) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::string_view rest = spec.substr(start);
    if (rest.starts_with("text=")) {
      parts.push_back(rest);
      break;
    }
    std::size_t colon = spec.find(':', start);
    if (colon == std::string_view::npos) {
      parts.push_back(rest);
      break;
    }
    parts.push_back(spec.substr(start, colon - start));
    start = colon + 1;
  }
  return parts;
}

// ---- the target: ACTION:DIR:N or ACTION:DIR:p=PROB ----

void parse_direction(std::string_view text, std::string_view dir, AttackSpec& spec) {
  if (dir == "c2s") {
    spec.c2s = true;
    spec.s2c = false;
  } else if (dir == "s2c") {
    spec.c2s = false;
    spec.s2c = true;
  } else {
    bad(text, "the direction is c2s (client to server) or s2c, not '" + redacted(dir) + "'");
  }
}

void parse_which(std::string_view text, std::string_view which, AttackSpec& spec) {
  if (which.starts_with("p=")) {
    auto p = parse_probability(which.substr(2));
    if (!p) bad(text, "p= takes a probability between 0 and 1");
    spec.probability = *p;
    return;
  }
  auto n = parse_count(which);
  if (!n || *n == 0)
    bad(text, "the message number counts from 1 (application messages of that direction), not '" +
                  redacted(which) + "'");
  spec.nth = *n;
}

void parse_target(std::string_view text, const std::vector<std::string_view>& parts,
                  AttackSpec& spec) {
  if (parts.size() < 3) bad(text, "expected ACTION:DIR:N or ACTION:DIR:p=PROB, e.g. flip:c2s:3");
  parse_direction(text, parts[1], spec);
  parse_which(text, parts[2], spec);
}

// ---- options: NAME=VALUE, one parser per name ----

void parse_seed(std::string_view text, std::string_view value, AttackSpec& spec) {
  auto s = parse_count(value);
  if (!s) bad(text, "seed= takes a whole number");
  spec.seed = *s;
}

void parse_field_option(std::string_view text, std::string_view value, AttackSpec& spec) {
  auto f = parse_field(value);
  if (!f) bad(text, "field= is one of any, type, seq, length, payload (or text), tag");
  spec.field = *f;
}

void parse_text(std::string_view text, std::string_view value, AttackSpec& spec) {
  if (value.size() > 65536) bad(text, "text= is at most 65536 bytes");
  spec.text = std::string(value);
}

void parse_retag(std::string_view text, std::string_view value, AttackSpec& spec) {
  auto key = from_hex(value);
  if (!key || key->empty()) bad(text, "retag= takes the attacker's key as hex text");
  spec.retag_key = std::move(*key);
}

void parse_after(std::string_view text, std::string_view value, AttackSpec& spec) {
  auto a = parse_count(value);
  if (!a || *a == 0) bad(text, "after= takes a message number (from 1)");
  spec.after = *a;
}

void parse_p(std::string_view text, std::string_view value, AttackSpec& spec) {
  auto p = parse_probability(value);
  if (!p) bad(text, "p= takes a probability between 0 and 1");
  spec.probability = *p;
}

void parse_dir(std::string_view text, std::string_view value, AttackSpec& spec) {
  if (value == "c2s") {
    spec.c2s = true, spec.s2c = false;
  } else if (value == "s2c") {
    spec.c2s = false, spec.s2c = true;
  } else if (value == "both") {
    spec.c2s = spec.s2c = true;
  } else {
    bad(text, "dir= is c2s, s2c or both");
  }
}

void parse_do(std::string_view text, std::string_view value, AttackSpec& spec) {
  spec.choices.clear();
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = std::min(value.find(',', start), value.size());
    std::string_view item = value.substr(start, comma - start);
    auto k = find_action(item);
    if (!k || *k == ActionKind::random || *k == ActionKind::splice)
      bad(text,
          "do= lists actions among flip, replace, replay, swap, drop, dup, reflect, "
          "inject, cut; not '" +
              redacted(item) + "'");
    spec.choices.push_back(*k);
    start = comma + 1;
  }
}

constexpr ActionKind kFlipOnly[] = {ActionKind::flip};
constexpr ActionKind kForging[] = {ActionKind::replace, ActionKind::inject};
constexpr ActionKind kReplayOnly[] = {ActionKind::replay};
constexpr ActionKind kRandomOnly[] = {ActionKind::random};

struct OptionRule {
  std::string_view name;
  std::span<const ActionKind> applies_to;  // empty: every action
  void (*parse)(std::string_view text, std::string_view value, AttackSpec& spec);
};
constexpr OptionRule kOptions[] = {
    {"seed", {}, parse_seed},          {"field", kFlipOnly, parse_field_option},
    {"text", kForging, parse_text},    {"retag", kForging, parse_retag},
    {"after", kReplayOnly, parse_after}, {"p", kRandomOnly, parse_p},
    {"dir", kRandomOnly, parse_dir},   {"do", kRandomOnly, parse_do},
};

void parse_option(std::string_view text, std::string_view opt, AttackSpec& spec) {
  std::size_t eq = opt.find('=');
  if (eq == std::string_view::npos)
    bad(text, "options are NAME=VALUE, not '" + redacted(opt) + "'");
  std::string_view name = opt.substr(0, eq), value = opt.substr(eq + 1);
  for (const auto& rule : kOptions) {
    if (rule.name != name) continue;
    if (!rule.applies_to.empty() &&
        std::find(rule.applies_to.begin(), rule.applies_to.end(), spec.kind) ==
            rule.applies_to.end())
      bad(text, "option " + std::string(name) + "= does not apply to " +
                    std::string(action_name(spec.kind)));
    rule.parse(text, value, spec);
    return;
  }
  bad(text, "unknown option '" + std::string(name) + "='");
}

// ---- what each action needs once every option is read ----

void check_complete(std::string_view text, const AttackSpec& spec) {
  if (spec.kind == ActionKind::replace && !spec.text)
    bad(text, "replace needs text=NEW TEXT (as the last option)");
  if (spec.kind == ActionKind::random && !spec.probability)
    bad(text, "random needs p=PROB, e.g. random:p=0.1:seed=42");
  if (spec.kind == ActionKind::replay && spec.after != 0 && spec.nth != 0 && spec.after <= spec.nth)
    bad(text, "after= must be a later message than the one replayed");
}

}  // namespace

std::string_view action_name(ActionKind kind) noexcept {
  for (const auto& a : kActions)
    if (a.kind == kind) return a.name;
  return "?";
}

std::string_view field_name(Field f) noexcept {
  switch (f) {
    case Field::any:
      return "any";
    case Field::type:
      return "type";
    case Field::seq:
      return "seq";
    case Field::length:
      return "length";
    case Field::payload:
      return "payload";
    case Field::tag:
      return "tag";
  }
  return "?";
}

std::vector<ActionKind> default_random_choices() {
  return {ActionKind::flip, ActionKind::replace, ActionKind::replay,  ActionKind::swap,
          ActionKind::drop, ActionKind::dup,     ActionKind::reflect, ActionKind::inject};
}

AttackSpec parse_attack_spec(std::string_view text) {
  if (text.empty()) bad(text, "it is empty");
  if (text.size() > 4096) bad(text.substr(0, 40), "it is longer than 4096 characters");
  auto parts = split_spec(text);
  auto kind = find_action(parts[0]);
  if (!kind)
    bad(text, "unknown action '" + redacted(parts[0]) + "'; use one of " + std::string(kActionList));
  AttackSpec spec;
  spec.kind = *kind;
  std::size_t first_option = 1;
  if (spec.kind != ActionKind::random) {
    parse_target(text, parts, spec);
    first_option = 3;
  } else {
    spec.c2s = true;
    spec.s2c = false;
    spec.choices = default_random_choices();
  }
  for (std::size_t i = first_option; i < parts.size(); ++i) parse_option(text, parts[i], spec);
  check_complete(text, spec);
  return spec;
}

std::string describe(const AttackSpec& spec) {
  std::string s(action_name(spec.kind));
  if (spec.kind == ActionKind::random) {
    s += " (p=" + std::to_string(*spec.probability) + ", seed=" + std::to_string(spec.seed) + ")";
    return s;
  }
  s += spec.c2s ? " c2s" : " s2c";
  if (spec.probability) {
    s += " p=" + std::to_string(*spec.probability) + " seed=" + std::to_string(spec.seed);
  } else {
    s += " #" + std::to_string(spec.nth);
  }
  if (spec.kind == ActionKind::flip) s += " field=" + std::string(field_name(spec.field));
  if (spec.after != 0) s += " after=" + std::to_string(spec.after);
  if (spec.retag_key) s += " (retagged under the attacker's key)";
  return s;
}

std::string_view attack_spec_help() noexcept {
  return R"(Attack SPEC (repeat --attack for several):
  ACTION:DIR:N[:OPT=VALUE]...      hit the Nth application message of DIR (from 1;
                                   hellos and CONFIRM frames are not counted)
  ACTION:DIR:p=PROB[:seed=S]...    hit each message of DIR with probability PROB
  random:p=PROB[:seed=S][:dir=c2s|s2c|both][:do=flip,drop,...]
                                   each message: with probability PROB, one action at random
DIR is c2s (client to server) or s2c. ACTION is one of:
  flip[:field=F]        flip one bit; F = any (default), type, seq, length, payload (or text), tag
  replace:text=T[:retag=KEYHEX]   replace the text; keep the old tag, or retag under the
                        attacker's own key (text= must come last: it takes the rest, colons too)
  replay[:after=M]      forward it, and send it again after message M (default: the next one)
  swap                  reorder: hold it back, forward it after the next message
  drop                  delete it
  dup                   deliver it twice
  reflect               send it back to its sender instead of forwarding it
  inject[:text=T][:retag=KEYHEX]  insert a forged message before it
  splice                replace it by the same-numbered message of an earlier connection
  cut                   cut the connection just before it (truncation)
seed=S makes every random choice of a spec reproducible (default 1).
Examples: flip:c2s:3  flip:s2c:2:field=tag  replace:c2s:1:text=HELLO  replay:c2s:2:after=4
          swap:c2s:2  drop:c2s:3  reflect:c2s:2  cut:c2s:3  random:p=0.1:seed=42)";
}

}  // namespace intact::attack
