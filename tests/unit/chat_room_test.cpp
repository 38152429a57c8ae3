// The chat room's membership and names (src/chat/room): unique names that stay within the
// 64 bytes a CHAT frame carries for its sender, so two members are never shown alike; and the
// RepeatWindow that keeps a lab-format member's replayed (or repeated) line from being relayed
// as new, walked edge by edge: first line, exact repeat, a byte's difference, the 64-line and
// 10-minute edges, and per-member windows that end when the member leaves.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "chat/names.hpp"
#include "chat/room.hpp"
#include "intact/frame.hpp"
#include "intact/text.hpp"

namespace {

using intact::chat::Participant;
using intact::chat::Room;

using intact::chat::RepeatWindow;
using Verdict = RepeatWindow::Verdict;
using namespace std::chrono_literals;

class FakeMember final : public Participant {
 public:
  explicit FakeMember(std::string name, bool lab_format = false)
      : name_(std::move(name)), lab_format_(lab_format) {}
  const std::string& name() const override { return name_; }
  bool speaks_lab_format() const override { return lab_format_; }
  void deliver_message(const Participant& from, std::string_view text, bool) override {
    heard.push_back(from.name() + ": " + std::string(text));
  }
  void deliver_notice(std::string_view text) override { heard.push_back("*** " + std::string(text)); }
  std::vector<std::string> heard;

 private:
  std::string name_;
  bool lab_format_;
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

const RepeatWindow::Clock::time_point t0{std::chrono::hours(1000)};

TEST(RepeatWindow, TheFirstLineIsRelayedAndTheSameBytesAgainAreARepeat) {
  RepeatWindow w;
  EXPECT_EQ(w.check("hi bob", t0), Verdict::relay);
  EXPECT_EQ(w.check("hi bob", t0), Verdict::repeat);
  EXPECT_EQ(w.check("hi bob", t0 + 1s), Verdict::repeat) << "a repeat stays a repeat";
}

TEST(RepeatWindow, ALineDifferingInOneByteIsNew) {
  RepeatWindow w;
  EXPECT_EQ(w.check("hi bob", t0), Verdict::relay);
  const std::string_view others[] = {"hi bob ", "Hi bob", "hi bo", "", std::string_view("hi bob\0", 7)};
  for (std::string_view other : others) EXPECT_EQ(w.check(other, t0), Verdict::relay) << other;
  EXPECT_EQ(w.check("", t0), Verdict::repeat) << "the empty line is a line like any other";
}

TEST(RepeatWindow, ALineIsRememberedForItsMembersLast64Lines) {
  RepeatWindow w;
  EXPECT_EQ(w.check("first", t0), Verdict::relay);
  for (std::size_t i = 1; i < RepeatWindow::kLines; ++i)  // 63 others: "first" is still in
    ASSERT_EQ(w.check("other " + std::to_string(i), t0), Verdict::relay);
  EXPECT_EQ(w.check("first", t0), Verdict::repeat) << "the oldest of the last 64 lines";
  EXPECT_EQ(w.check("other 64", t0), Verdict::relay);  // the 64th other pushes "first" out
  EXPECT_EQ(w.check("first", t0), Verdict::relay);
  EXPECT_EQ(w.check("first", t0), Verdict::repeat) << "and it is remembered anew";
  EXPECT_EQ(w.check("other 2", t0), Verdict::repeat) << "the window slides, it is not cleared";
}

TEST(RepeatWindow, ALineIsRememberedForUnderTenMinutesFromWhenItWasRelayed) {
  RepeatWindow w;
  EXPECT_EQ(w.check("ok", t0), Verdict::relay);
  EXPECT_EQ(w.check("ok", t0 + RepeatWindow::kMaxAge - 1ns), Verdict::repeat);
  // A repeat is not remembered again: the age counts from the relayed line.
  EXPECT_EQ(w.check("ok", t0 + RepeatWindow::kMaxAge), Verdict::relay);
  EXPECT_EQ(w.check("ok", t0 + RepeatWindow::kMaxAge + 1s), Verdict::repeat);
}

TEST(RoomCheckLine, OnlyALabFormatMembersLinesAreCheckedEachInItsOwnWindow) {
  Room room;
  FakeMember v1("alice"), lab("127.0.0.1:4000", true), lab2("127.0.0.1:4001", true);
  room.join(v1);
  room.join(lab);
  room.join(lab2);
  EXPECT_EQ(room.check_line(v1, "same", t0), Verdict::relay);
  EXPECT_EQ(room.check_line(v1, "same", t0), Verdict::relay) << "v1 frames rule out replay themselves";
  EXPECT_EQ(room.check_line(lab, "same", t0), Verdict::relay);
  EXPECT_EQ(room.check_line(lab, "same", t0), Verdict::repeat);
  EXPECT_EQ(room.check_line(lab2, "same", t0), Verdict::relay) << "another member's window";
  room.leave(lab);
  room.join(lab);
  EXPECT_EQ(room.check_line(lab, "same", t0), Verdict::relay) << "a window ends with its member's stay";
}

TEST(RoomCheckLine, TheNoticesNameTheMemberTheFormatAndTheWindow) {
  EXPECT_EQ(intact::chat::repeat_notice("bob"),
            "bob (lab format) sent the same line again: not relayed (the lab format cannot tell a "
            "replay from a repeat)");
  std::string to_sender = intact::chat::repeat_notice_to_sender();
  EXPECT_NE(to_sender.find("last 64 lines (10 minutes)"), std::string::npos) << to_sender;
}

}  // namespace
