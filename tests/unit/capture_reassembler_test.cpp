// Specification of TcpReassembler: one direction of a captured TCP connection put
// back into the bytes the application read, whatever order the capture holds them in.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "capture/tcp_reassembler.hpp"
#include "intact/crypto.hpp"

namespace intact::capture {
namespace {

constexpr std::uint32_t kIsn = 1000;

// Feeds segments to one direction and collects what it delivers, as text.
struct Direction {
  explicit Direction(std::size_t bound = kDefaultMaxOutOfOrder) : r(bound) {}
  TcpReassembler r;
  std::string got;
  void syn(std::uint32_t isn = kIsn) { add(isn, "", true); }
  void add(std::uint32_t seq, std::string_view data, bool syn = false, bool fin = false,
           bool rst = false, std::uint32_t cut = 0) {
    std::vector<std::uint8_t> out;
    r.add(seq, syn, fin, rst, text_bytes(data), out, cut);
    got.append(reinterpret_cast<const char*>(out.data()), out.size());
  }
  // Stream offset `at` (0 = the first byte after the SYN).
  void at(std::uint64_t offset, std::string_view data, bool fin = false) {
    add(static_cast<std::uint32_t>(kIsn + 1 + offset), data, false, fin);
  }
};

TEST(TcpReassembler, InOrderSegmentsAreDeliveredAsTheyArrive) {
  Direction d;
  d.syn();
  d.at(0, "hello ");
  EXPECT_EQ(d.got, "hello ");
  d.at(6, "world");
  EXPECT_EQ(d.got, "hello world");
  EXPECT_EQ(d.r.delivered(), 11u);
  EXPECT_FALSE(d.r.hole());
  EXPECT_FALSE(d.r.started_mid_stream());
}

TEST(TcpReassembler, AnOutOfOrderSegmentWaitsForTheBytesBeforeIt) {
  Direction d;
  d.syn();
  d.at(6, "world");
  EXPECT_EQ(d.got, "");
  auto hole = d.r.hole();
  ASSERT_TRUE(hole);
  EXPECT_EQ(hole->offset, 0u);
  EXPECT_EQ(hole->missing, 6u);
  EXPECT_EQ(hole->waiting, 5u);
  d.at(0, "hello ");
  EXPECT_EQ(d.got, "hello world");
  EXPECT_FALSE(d.r.hole());
}

TEST(TcpReassembler, SegmentsInReverseOrderComeOutInOrder) {
  Direction d;
  d.syn();
  const std::string text = "abcdefghij";
  for (std::size_t i = text.size(); i-- > 0;) d.at(i, text.substr(i, 1));
  EXPECT_EQ(d.got, text);
}

TEST(TcpReassembler, ARetransmittedSegmentIsDeliveredOnce) {
  Direction d;
  d.syn();
  d.at(0, "abc");
  d.at(0, "abc");
  d.at(3, "def");
  d.at(3, "def");
  EXPECT_EQ(d.got, "abcdef");
  EXPECT_EQ(d.r.duplicate_bytes(), 6u);
}

TEST(TcpReassembler, AnOverlappingSegmentAddsOnlyItsNewBytes) {
  Direction d;
  d.syn();
  d.at(0, "abcd");
  d.at(2, "cdefg");
  EXPECT_EQ(d.got, "abcdefg");
}

TEST(TcpReassembler, OverlappingWaitingSegmentsAreMergedWithoutRepeats) {
  Direction d;
  d.syn();
  d.at(4, "efgh");
  d.at(2, "cdef");
  d.at(6, "ghij");
  d.at(0, "ab");
  EXPECT_EQ(d.got, "abcdefghij");
}

TEST(TcpReassembler, SequenceNumbersWrapAroundAt2To32) {
  Direction d;
  d.syn(0xFFFFFFFDu);  // stream offset 0 is 0xFFFFFFFE
  d.add(0xFFFFFFFEu, "ab");
  d.add(0x00000000u, "cd");  // offset 2, after the wrap
  d.add(0x00000004u, "gh");  // out of order across the wrap
  d.add(0x00000002u, "ef");
  EXPECT_EQ(d.got, "abcdefgh");
}

TEST(TcpReassembler, TheFinIsReachedOnlyOnceEveryByteBeforeItArrived) {
  Direction d;
  d.syn();
  d.at(3, "def", /*fin=*/true);
  EXPECT_FALSE(d.r.ended());
  d.at(0, "abc");
  EXPECT_TRUE(d.r.ended());
  EXPECT_TRUE(d.r.fin_reached());
  EXPECT_EQ(d.got, "abcdef");
}

TEST(TcpReassembler, AFinWithBytesMissingBeforeItLeavesAHole) {
  Direction d;
  d.syn();
  d.at(0, "abc");
  d.at(10, "", /*fin=*/true);
  EXPECT_FALSE(d.r.ended());
  auto hole = d.r.hole();
  ASSERT_TRUE(hole);
  EXPECT_EQ(hole->offset, 3u);
  EXPECT_EQ(hole->missing, 7u);
}

TEST(TcpReassembler, AResetEndsTheDirectionAndNothingAfterItIsDelivered) {
  Direction d;
  d.syn();
  d.at(0, "abc");
  d.add(kIsn + 4, "", false, false, /*rst=*/true);
  EXPECT_TRUE(d.r.ended());
  EXPECT_TRUE(d.r.reset());
  d.at(3, "def");
  EXPECT_EQ(d.got, "abc");
}

TEST(TcpReassembler, BytesBeforeTheCurrentPositionAreOldRetransmissions) {
  Direction d;
  d.syn();
  d.at(0, "abcdef");
  d.add(kIsn - 100, "zzz");  // far before the stream start: never delivered
  EXPECT_EQ(d.got, "abcdef");
}

TEST(TcpReassembler, ACaptureThatBeganMidStreamStartsAtItsFirstSegment) {
  Direction d;
  d.add(5000, "middle");
  d.add(5006, " end");
  EXPECT_EQ(d.got, "middle end");
  EXPECT_TRUE(d.r.started_mid_stream());
}

TEST(TcpReassembler, ARetransmittedSynChangesNothing) {
  Direction d;
  d.syn();
  d.at(0, "ab");
  d.syn();
  d.at(2, "cd");
  EXPECT_EQ(d.got, "abcd");
  EXPECT_EQ(d.r.syn_seq(), kIsn);
}

TEST(TcpReassembler, DataOnTheSynFollowsIt) {
  Direction d;
  d.add(kIsn, "fast", /*syn=*/true);
  d.at(4, " open");
  EXPECT_EQ(d.got, "fast open");
}

TEST(TcpReassembler, BytesCutByTheSnapLengthBecomeAHoleUnlessRetransmitted) {
  Direction d;
  d.syn();
  d.add(kIsn + 1, "abc", false, false, false, /*cut=*/3);  // 6 bytes sent, 3 recorded
  EXPECT_EQ(d.got, "abc");
  auto hole = d.r.hole();
  ASSERT_TRUE(hole);
  EXPECT_EQ(hole->offset, 3u);
  EXPECT_EQ(hole->missing, 3u);
  d.at(3, "def");  // the retransmission fills it
  EXPECT_EQ(d.got, "abcdef");
  EXPECT_FALSE(d.r.hole());
}

TEST(TcpReassembler, WaitingBytesOverTheBoundAbandonTheDirectionAndFreeThem) {
  // The bound counts memory: each waiting segment costs its payload plus kSegmentOverhead.
  Direction d(/*bound=*/10 + kSegmentOverhead);
  d.syn();
  d.at(5, "0123456789");
  EXPECT_EQ(d.r.held_bytes(), 10 + kSegmentOverhead);
  EXPECT_FALSE(d.r.overflowed());
  d.at(15, "x");
  EXPECT_TRUE(d.r.overflowed());
  auto hole = d.r.hole();
  ASSERT_TRUE(hole);
  EXPECT_EQ(hole->offset, 0u);
  EXPECT_EQ(hole->missing, 5u);
  EXPECT_EQ(hole->waiting, 11u);
  d.at(0, "abcde");  // too late: the direction was given up
  EXPECT_EQ(d.got, "");
  EXPECT_EQ(d.r.held_bytes(), 0u);
}

TEST(TcpReassembler, OneByteSegmentsMeetTheBoundByTheirCountNotTheirBytes) {
  constexpr std::size_t kBound = 64 * 1024;
  Direction d(kBound);
  d.syn();
  std::size_t kept = 0;
  for (std::size_t i = 1; i < 100000 && !d.r.overflowed(); ++i) {
    d.at(2 * i, "x");  // byte 0 never comes: every segment waits
    EXPECT_LE(d.r.held_bytes(), kBound);
    if (!d.r.overflowed()) kept = i;
  }
  ASSERT_TRUE(d.r.overflowed());
  EXPECT_EQ(kept, kBound / (1 + kSegmentOverhead));  // 508 segments, not 65,536
  EXPECT_EQ(d.r.held_bytes(), 0u);
  EXPECT_EQ(d.r.waiting_segments(), 0u);
  auto hole = d.r.hole();
  ASSERT_TRUE(hole);
  EXPECT_EQ(hole->offset, 0u);
  EXPECT_EQ(hole->waiting, kept + 1);
}

TEST(TcpReassembler, DeliveredSegmentsGiveTheirMemoryBack) {
  Direction d;
  d.syn();
  d.at(3, "def");
  d.at(6, "ghi");
  EXPECT_EQ(d.r.held_bytes(), 6 + 2 * kSegmentOverhead);
  EXPECT_EQ(d.r.waiting_segments(), 2u);
  d.at(0, "abc");
  EXPECT_EQ(d.got, "abcdefghi");
  EXPECT_EQ(d.r.held_bytes(), 0u);
}

}  // namespace
}  // namespace intact::capture
