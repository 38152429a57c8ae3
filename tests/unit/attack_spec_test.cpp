// The tamper proxy's --attack SPEC syntax: what parses, and that every bad spec
// is a usage error that says what is wrong.
#include "attack/attack_spec.hpp"

#include <gtest/gtest.h>

#include "intact/failure.hpp"

namespace intact::attack {
namespace {

TEST(AttackSpec, ParsesTheNthMessageOfADirection) {
  auto s = parse_attack_spec("flip:c2s:3");
  EXPECT_EQ(s.kind, ActionKind::flip);
  EXPECT_TRUE(s.watches(Direction::client_to_server));
  EXPECT_FALSE(s.watches(Direction::server_to_client));
  EXPECT_EQ(s.nth, 3u);
  EXPECT_FALSE(s.probability);
  EXPECT_EQ(s.field, Field::any);
}

TEST(AttackSpec, ParsesEveryActionOfTheHelpExamples) {
  EXPECT_EQ(parse_attack_spec("flip:s2c:2:field=tag").field, Field::tag);
  EXPECT_EQ(parse_attack_spec("flip:c2s:1:field=text").field, Field::payload);
  EXPECT_EQ(parse_attack_spec("replay:c2s:2:after=4").after, 4u);
  EXPECT_EQ(parse_attack_spec("swap:c2s:2").kind, ActionKind::swap);
  EXPECT_EQ(parse_attack_spec("drop:c2s:3").kind, ActionKind::drop);
  EXPECT_EQ(parse_attack_spec("dup:c2s:2").kind, ActionKind::dup);
  EXPECT_EQ(parse_attack_spec("reflect:c2s:2").kind, ActionKind::reflect);
  EXPECT_EQ(parse_attack_spec("inject:c2s:2").kind, ActionKind::inject);
  EXPECT_EQ(parse_attack_spec("splice:c2s:2").kind, ActionKind::splice);
  EXPECT_EQ(parse_attack_spec("cut:s2c:3").nth, 3u);
  auto r = parse_attack_spec("random:p=0.1:seed=42");
  EXPECT_EQ(r.kind, ActionKind::random);
  EXPECT_DOUBLE_EQ(*r.probability, 0.1);
  EXPECT_EQ(r.seed, 42u);
  EXPECT_FALSE(r.choices.empty());
}

TEST(AttackSpec, TextTakesTheRestOfTheSpecColonsIncluded) {
  auto s = parse_attack_spec("replace:c2s:1:retag=0BADC0DE:text=HELLO: a:b|c");
  ASSERT_TRUE(s.text);
  EXPECT_EQ(*s.text, "HELLO: a:b|c");
  ASSERT_TRUE(s.retag_key);
  EXPECT_EQ(*s.retag_key, (std::vector<std::uint8_t>{0x0B, 0xAD, 0xC0, 0xDE}));
}

TEST(AttackSpec, ProbabilityTargetsEachMessage) {
  auto s = parse_attack_spec("drop:s2c:p=0.25:seed=9");
  EXPECT_EQ(s.nth, 0u);
  EXPECT_DOUBLE_EQ(*s.probability, 0.25);
  EXPECT_EQ(s.seed, 9u);
}

TEST(AttackSpec, RandomCanWatchBothDirectionsAndNarrowItsActions) {
  auto s = parse_attack_spec("random:p=1:dir=both:do=drop,dup");
  EXPECT_TRUE(s.watches(Direction::client_to_server));
  EXPECT_TRUE(s.watches(Direction::server_to_client));
  EXPECT_EQ(s.choices, (std::vector<ActionKind>{ActionKind::drop, ActionKind::dup}));
}

void expect_usage_error(const std::string& spec, const std::string& fragment) {
  try {
    parse_attack_spec(spec);
    ADD_FAILURE() << "accepted bad spec " << spec;
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::usage) << spec;
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << spec << " -> " << e.what() << " (expected to mention '" << fragment << "')";
  }
}

TEST(AttackSpec, RejectsBadSpecsWithAReasonAndExitCode2) {
  expect_usage_error("", "empty");
  expect_usage_error("explode:c2s:1", "unknown action 'explode'");
  expect_usage_error("flip:up:1", "c2s (client to server) or s2c");
  expect_usage_error("flip:c2s", "ACTION:DIR:N");
  expect_usage_error("flip:c2s:0", "counts from 1");
  expect_usage_error("flip:c2s:x", "counts from 1");
  expect_usage_error("flip:c2s:p=1.5", "between 0 and 1");
  expect_usage_error("flip:c2s:1:field=body", "field= is one of");
  expect_usage_error("drop:c2s:1:field=tag", "does not apply to drop");
  expect_usage_error("replace:c2s:1", "needs text=");
  expect_usage_error("replace:c2s:1:retag=XYZ:text=a", "retag= takes");
  expect_usage_error("replay:c2s:3:after=2", "later message");
  expect_usage_error("random:seed=1", "needs p=");
  expect_usage_error("random:p=0.5:do=splice", "do= lists");
  expect_usage_error("flip:c2s:1:colour=red", "unknown option 'colour='");
  expect_usage_error("flip:c2s:1:seed", "NAME=VALUE");
}

TEST(AttackSpec, RejectsBadOptionValuesWithTheirOwnReason) {
  expect_usage_error(std::string(4097, 'f'), "longer than 4096");
  expect_usage_error("flip:c2s:1:seed=x", "seed= takes a whole number");
  expect_usage_error("replay:c2s:1:after=0", "after= takes a message number");
  expect_usage_error("random:p=2", "between 0 and 1");
  expect_usage_error("random:p=0.5:dir=up", "dir= is c2s, s2c or both");
  expect_usage_error("drop:c2s:1:dir=both", "does not apply to drop");
}

void expect_error_hides_key(const std::string& spec, const std::string& key) {
  try {
    parse_attack_spec(spec);
    ADD_FAILURE() << "accepted bad spec " << spec;
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find(key), std::string::npos) << spec << " -> " << what;
    EXPECT_NE(what.find("retag=<key>"), std::string::npos) << spec << " -> " << what;
  }
}

TEST(AttackSpec, AnErrorNeverEchoesTheRetagKey) {
  const std::string key = "0BADC0DEFACE";
  expect_error_hides_key("replace:c2s:1:retag=" + key, key);               // no text=
  expect_error_hides_key("flip:c2s:1:retag=" + key, key);                  // not for flip
  expect_error_hides_key("replace:c2s:x:retag=" + key + ":text=a", key);   // bad number
  expect_error_hides_key("replace:c2s:retag=" + key + ":text=a", key);     // key as the number
  expect_error_hides_key("retag=" + key, key);                             // key as the action
  expect_error_hides_key("replace:c2s:1:retag=" + key + ":colour=red:text=a", key);
  expect_error_hides_key("inject:c2s:1:retag=" + key + ":" + std::string(4096, 'x'), key);
  // Inside another part (found by the attack_spec fuzz target): "x,retag=KEY" is one option.
  expect_error_hides_key("replace:c2s:1:x,retag=" + key + ":text=a", key);
  expect_error_hides_key("replace:c2s:1:&\xd9s,retag=00112233AABBCCDD:text=a:b:c", "00112233AABBCCDD");
}

TEST(AttackSpec, DescriptionNeverShowsTheRetagKey) {
  auto s = parse_attack_spec("replace:c2s:1:retag=0BADC0DEFACE:text=x");
  std::string d = describe(s);
  EXPECT_EQ(d.find("0BADC0DEFACE"), std::string::npos) << d;
  EXPECT_NE(d.find("attacker's key"), std::string::npos) << d;
}

}  // namespace
}  // namespace intact::attack
