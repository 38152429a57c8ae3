// The chat room's membership and names (src/chat/room): unique names that stay within the
// 64 bytes a CHAT frame carries for its sender, so two members are never shown alike.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chat/names.hpp"
#include "chat/room.hpp"
#include "intact/frame.hpp"
#include "intact/text.hpp"

namespace {

using intact::chat::Participant;
using intact::chat::Room;

class FakeMember final : public Participant {
 public:
  explicit FakeMember(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  void deliver_message(const Participant& from, std::string_view text, bool) override {
    heard.push_back(from.name() + ": " + std::string(text));
  }
  void deliver_notice(std::string_view text) override { heard.push_back("*** " + std::string(text)); }
  std::vector<std::string> heard;

 private:
  std::string name_;
};

TEST(Room, AClashingNameGetsTheNextFreeSuffix) {
  Room room;
  FakeMember a("alice"), b("alice-2");
  room.join(a);
  room.join(b);
  EXPECT_EQ(room.unique_name("bob"), "bob");
  EXPECT_EQ(room.unique_name("alice"), "alice-3");
}

TEST(Room, AUniqueNameForALongNameStaysWithinTheSenderFieldAndDiffersFromTheTakenOne) {
  Room room;
  std::string longest(intact::v1::kMaxNameSize, 'a');
  FakeMember first(longest);
  room.join(first);
  std::string second = room.unique_name(longest);
  EXPECT_LE(second.size(), intact::v1::kMaxNameSize);
  EXPECT_TRUE(intact::chat::is_valid_name(second)) << second;
  // What a recipient sees: the sender field keeps the first 64 bytes.
  EXPECT_NE(second.substr(0, intact::v1::kMaxNameSize), longest);
  FakeMember member2(second);
  room.join(member2);
  std::string third = room.unique_name(longest);
  EXPECT_LE(third.size(), intact::v1::kMaxNameSize);
  EXPECT_NE(third, second);
  EXPECT_NE(third, longest);
}

TEST(Room, ShorteningALongNameNeverSplitsAUtf8Character) {
  Room room;
  std::string wanted;
  while (wanted.size() + 2 <= intact::v1::kMaxNameSize) wanted += "\xC3\xA9";  // é
  ASSERT_TRUE(intact::chat::is_valid_name(wanted));
  FakeMember first(wanted);
  room.join(first);
  std::string name = room.unique_name(wanted);
  EXPECT_LE(name.size(), intact::v1::kMaxNameSize);
  EXPECT_TRUE(intact::chat::is_valid_name(name)) << name;
}

TEST(Room, BroadcastReachesEveryoneButTheSenderAndRenameKeepsLookupsRight) {
  Room room;
  FakeMember a("a"), b("b"), c("c");
  room.join(a);
  room.join(b);
  room.join(c);
  room.broadcast(a, "hi");
  EXPECT_TRUE(a.heard.empty());
  EXPECT_EQ(b.heard, std::vector<std::string>{"a: hi"});
  EXPECT_EQ(c.heard, std::vector<std::string>{"a: hi"});
  room.leave(b);
  EXPECT_EQ(room.find("b"), nullptr);
  EXPECT_EQ(room.size(), 2u);
}

}  // namespace
