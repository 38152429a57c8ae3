// TcpReassembler delivers nothing past the FIN (found by the tcp_reassembler
// fuzz target; its reproducer is fuzz/corpus/tcp_reassembler/syn_fin_then_data):
// the receiving application reads nothing after it, so a verifier must not judge it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "capture/tcp_reassembler.hpp"
#include "intact/crypto.hpp"

namespace intact::capture {
namespace {

struct Lane {
  TcpReassembler r;
  std::string got;
  void add(std::uint32_t seq, std::string_view data, bool syn = false, bool fin = false) {
    std::vector<std::uint8_t> out;
    r.add(seq, syn, fin, false, text_bytes(data), out);
    got.append(reinterpret_cast<const char*>(out.data()), out.size());
  }
};

TEST(TcpReassemblerFin, DataAfterASynFinIsNotDelivered) {
  Lane d;
  d.add(1, "", true, true);  // SYN+FIN: an empty stream
  EXPECT_TRUE(d.r.ended());
  d.add(2, "bogus bytes");
  EXPECT_EQ(d.got, "");
  EXPECT_EQ(d.r.delivered(), 0u);
}

TEST(TcpReassemblerFin, ASegmentAcrossAnEarlierFinIsCutAtTheFin) {
  Lane d;
  d.add(100, "", true);
  d.add(106, "", false, true);  // FIN after 5 bytes, captured before them
  d.add(101, "hello and more");
  EXPECT_EQ(d.got, "hello");
  EXPECT_TRUE(d.r.fin_reached());
  d.add(106, "x");
  EXPECT_EQ(d.got, "hello");
}

TEST(TcpReassemblerFin, WaitingBytesPastALaterFinAreNotDelivered) {
  Lane d;
  d.add(100, "", true);
  d.add(104, "lo world");       // waits for offsets 0..2
  d.add(106, "", false, true);  // then the FIN says the stream ends after 5 bytes
  d.add(101, "hel");
  EXPECT_EQ(d.got, "hello");
  EXPECT_TRUE(d.r.ended());
  EXPECT_FALSE(d.r.hole());
}

TEST(TcpReassemblerFin, BytesForgottenPastAFinAreNoLongerHeld) {
  Lane d;
  d.add(100, "", true);
  d.add(110, "past the end");  // waits: offsets 0..8 are missing
  d.add(120, "and more");
  EXPECT_GT(d.r.held_bytes(), 0u);
  d.add(106, "", false, true);  // the stream ends after 5 bytes: both waiting segments are past it
  EXPECT_EQ(d.r.held_bytes(), 0u);
  d.add(101, "hello");
  EXPECT_EQ(d.got, "hello");
  EXPECT_TRUE(d.r.ended());
  EXPECT_FALSE(d.r.hole());
}

}  // namespace
}  // namespace intact::capture
