// The chat's rules for names (chat/names.hpp) and how its lines look in the
// lab's format (chat/chat_format.hpp).
#include <gtest/gtest.h>

#include <string>

#include "chat/chat_format.hpp"
#include "chat/names.hpp"

namespace intact::chat {
namespace {

TEST(ValidName, AcceptsOrdinaryNamesUpTo64Bytes) {
  EXPECT_TRUE(is_valid_name("alice"));
  EXPECT_TRUE(is_valid_name("Đức-2"));
  EXPECT_TRUE(is_valid_name(std::string(64, 'n')));
}

TEST(ValidName, RefusesWhatCouldSpoofOrBreakCommands) {
  EXPECT_FALSE(is_valid_name(""));
  EXPECT_FALSE(is_valid_name(std::string(65, 'n')));
  EXPECT_FALSE(is_valid_name("two words"));
  EXPECT_FALSE(is_valid_name("*** server"));
  EXPECT_FALSE(is_valid_name("/msg"));
  EXPECT_FALSE(is_valid_name("bell\x07"));
  EXPECT_FALSE(is_valid_name("nbsp\u00A0x"));
  EXPECT_FALSE(is_valid_name("admin\u202Enimda"));
  EXPECT_FALSE(is_valid_name("bad\xff"));
}

TEST(ValidNameRule, SaysTheLimitAndTheForbiddenCharacters) {
  EXPECT_EQ(valid_name_rule(), "1 to 64 bytes, no spaces or control characters, not starting with * or /");
}

TEST(LabFormat, ARelayedLineIsNameColonTextAndANoticeStartsWithThreeStars) {
  EXPECT_EQ(lab_chat_line("bob", "hi"), "bob: hi");
  EXPECT_EQ(lab_chat_framing("bob"), std::string("bob: ").size());
  EXPECT_EQ(lab_notice_line("carol joined"), "*** carol joined");
  EXPECT_EQ(kLabNoticePrefix.size(), 4u);
}

}  // namespace
}  // namespace intact::chat
