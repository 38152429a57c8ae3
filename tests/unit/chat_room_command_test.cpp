// The room's commands (chat/room_command.hpp): a typed line -> what was asked.
// ChatServer::handle_command acts on the result; e2e test_room.py and
// test_chat.py cover the replies.
#include <gtest/gtest.h>

#include <string>

#include "chat/room_command.hpp"

namespace intact::chat {
namespace {

RoomCommand member(std::string_view line) { return parse_room_command(line, CommandRole::member); }
RoomCommand host(std::string_view line) { return parse_room_command(line, CommandRole::host); }

TEST(RoomCommand, TheWordIsWhatComesBeforeTheFirstSpace) {
  EXPECT_EQ(member("/who").kind, RoomCommandKind::who);
  EXPECT_EQ(member("/who is here").kind, RoomCommandKind::who);
  EXPECT_EQ(member("/help").kind, RoomCommandKind::help);
  EXPECT_EQ(host("/help").kind, RoomCommandKind::help);
  EXPECT_EQ(member("/quit now").kind, RoomCommandKind::quit);
  EXPECT_EQ(host("/quit").kind, RoomCommandKind::quit);
  EXPECT_EQ(member("/WHO").kind, RoomCommandKind::unknown);
  EXPECT_EQ(member("/whoami").kind, RoomCommandKind::unknown);
  EXPECT_EQ(member("/whoami").word, "/whoami");
  EXPECT_EQ(member("/").word, "/");
  EXPECT_EQ(member(" /who").kind, RoomCommandKind::unknown);
}

TEST(RoomCommand, MsgTakesANameAndTheRestAsText) {
  RoomCommand c = member("/msg   bob hello  there ");
  EXPECT_EQ(c.kind, RoomCommandKind::msg);
  EXPECT_EQ(c.problem, RoomCommandProblem::none);
  EXPECT_EQ(c.name, "bob");
  EXPECT_EQ(c.text, "hello  there ");
  // One space separates NAME from TEXT; further spaces are the text.
  EXPECT_EQ(member("/msg bob  x").text, " x");
  EXPECT_EQ(host("/msg bob hi").name, "bob");
}

TEST(RoomCommand, MsgWithoutNameOrTextIsAUsageProblem) {
  for (const char* line : {"/msg", "/msg ", "/msg bob", "/msg bob ", "/msg    "}) {
    RoomCommand c = member(line);
    EXPECT_EQ(c.kind, RoomCommandKind::msg) << line;
    EXPECT_EQ(c.problem, RoomCommandProblem::msg_usage) << line;
  }
}

TEST(RoomCommand, NickIsAMemberCommandAndChecksTheNameRule) {
  RoomCommand c = member("/nick  carol");
  EXPECT_EQ(c.kind, RoomCommandKind::nick);
  EXPECT_EQ(c.problem, RoomCommandProblem::none);
  EXPECT_EQ(c.name, "carol");
  EXPECT_EQ(member("/nick").problem, RoomCommandProblem::invalid_name);
  EXPECT_EQ(member("/nick two words").problem, RoomCommandProblem::invalid_name);
  EXPECT_EQ(member("/nick two words").name, "two words");
  EXPECT_EQ(member("/nick /who").problem, RoomCommandProblem::invalid_name);
  EXPECT_EQ(host("/nick carol").kind, RoomCommandKind::unknown);
  EXPECT_EQ(host("/nick carol").word, "/nick");
}

TEST(RoomCommand, KickIsAHostCommandAndTakesTheWholeRest) {
  RoomCommand c = host("/kick  bob smith");
  EXPECT_EQ(c.kind, RoomCommandKind::kick);
  EXPECT_EQ(c.name, "bob smith");
  EXPECT_EQ(host("/kick").name, "");
  EXPECT_EQ(member("/kick bob").kind, RoomCommandKind::unknown);
}

TEST(RoomCommand, ArgumentsOfOtherCommandsAreIgnored) {
  RoomCommand c = member("/who x y");
  EXPECT_TRUE(c.name.empty());
  EXPECT_TRUE(c.text.empty());
  EXPECT_EQ(c.problem, RoomCommandProblem::none);
}

}  // namespace
}  // namespace intact::chat
