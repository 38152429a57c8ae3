// HandshakeQuota (net/handshake_quota.hpp): per address, by age, and what finishing does.
#include <gtest/gtest.h>

#include "net/handshake_quota.hpp"

namespace intact::net {
namespace {

const auto a1 = asio::ip::make_address("127.0.0.1");
const auto a2 = asio::ip::make_address("127.0.0.2");
const auto a1_mapped = asio::ip::make_address("::ffff:127.0.0.1");
int c[8];  // ids: any distinct addresses

TEST(HandshakeQuota, OneAddressHasAtMostItsQuotaInProgressOthersAreNotTouched) {
  HandshakeQuota q(2);
  EXPECT_TRUE(q.may_start(a1));
  q.start(&c[0], a1);
  q.start(&c[1], a1);
  EXPECT_FALSE(q.may_start(a1));
  EXPECT_FALSE(q.may_start(a1_mapped));  // the same address, written as IPv4-mapped IPv6
  EXPECT_TRUE(q.may_start(a2));
  EXPECT_EQ(q.in_progress(a1), 2u);
  EXPECT_EQ(q.in_progress(), 2u);
}

TEST(HandshakeQuota, AFinishedHandshakeFreesItsPlaceSoMembersFromOneAddressAreUnlimited) {
  HandshakeQuota q(1);
  for (auto& id : c) {
    ASSERT_TRUE(q.may_start(a1));
    q.start(&id, a1);
    q.finish(&id);  // became a member: no longer counted
  }
  EXPECT_EQ(q.in_progress(), 0u);
  EXPECT_EQ(q.in_progress(a1), 0u);
}

TEST(HandshakeQuota, TheOldestHandshakeInProgressIsNamedInOrderOfArrival) {
  HandshakeQuota q(10);
  EXPECT_FALSE(q.oldest().has_value());
  q.start(&c[0], a1);
  q.start(&c[1], a2);
  q.start(&c[2], a1);
  EXPECT_EQ(q.oldest(), &c[0]);
  q.finish(&c[1]);  // one in the middle
  EXPECT_EQ(q.oldest(), &c[0]);
  q.finish(&c[0]);
  EXPECT_EQ(q.oldest(), &c[2]);
  q.finish(&c[2]);
  EXPECT_FALSE(q.oldest().has_value());
}

TEST(HandshakeQuota, FinishingTwiceOrAnUnknownIdAndStartingTwiceChangeNothing) {
  HandshakeQuota q(3);
  q.start(&c[0], a1);
  q.start(&c[0], a1);
  EXPECT_EQ(q.in_progress(a1), 1u);
  q.finish(&c[5]);
  q.finish(&c[0]);
  q.finish(&c[0]);
  EXPECT_EQ(q.in_progress(), 0u);
  EXPECT_TRUE(q.may_start(a1));
}

}  // namespace
}  // namespace intact::net
