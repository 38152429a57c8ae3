// TokenBucket (driver/token_bucket.hpp), with the time moved by hand: the burst, the
// refill at the rate, the cap on what is saved, and a clock that goes back.
#include <gtest/gtest.h>

#include <chrono>

#include "driver/token_bucket.hpp"

namespace intact::driver {
namespace {

using std::chrono::milliseconds;
const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

int takes(TokenBucket& b, TimePoint now, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += b.take(now) ? 1 : 0;
  return n;
}

TEST(TokenBucket, AFullBucketGivesItsBurstAtOnceAndNotOneMore) {
  TokenBucket b(10, 20, t0);
  EXPECT_EQ(takes(b, t0, 25), 20);
  EXPECT_FALSE(b.take(t0));
}

TEST(TokenBucket, TokensComeBackAtTheRate) {
  TokenBucket b(10, 20, t0);  // one token every 100 ms
  takes(b, t0, 20);
  EXPECT_FALSE(b.take(t0 + milliseconds(99)));
  EXPECT_TRUE(b.take(t0 + milliseconds(100)));
  EXPECT_FALSE(b.take(t0 + milliseconds(150)));
  EXPECT_TRUE(b.take(t0 + milliseconds(200)));
  EXPECT_EQ(takes(b, t0 + milliseconds(1200), 20), 10);  // a second: ten more
}

TEST(TokenBucket, ARefusedTakeSpendsNothing) {
  TokenBucket b(10, 1, t0);
  EXPECT_TRUE(b.take(t0));
  for (int ms = 10; ms < 100; ms += 10) EXPECT_FALSE(b.take(t0 + milliseconds(ms)));
  EXPECT_TRUE(b.take(t0 + milliseconds(100)));  // the refused tries did not push it back
}

TEST(TokenBucket, ALongSilenceSavesNoMoreThanTheBurst) {
  TokenBucket b(10, 20, t0);
  takes(b, t0, 20);
  EXPECT_EQ(takes(b, t0 + std::chrono::hours(10), 100), 20);
}

TEST(TokenBucket, AClockThatGoesBackGivesNothingAndTakesNothing) {
  TokenBucket b(10, 2, t0 + milliseconds(500));
  EXPECT_TRUE(b.take(t0));  // earlier than the start: the saved burst still counts
  EXPECT_TRUE(b.take(t0));
  EXPECT_FALSE(b.take(t0 + milliseconds(400)));
  EXPECT_FALSE(b.take(t0 + milliseconds(500)));  // time is counted from the latest seen
  EXPECT_TRUE(b.take(t0 + milliseconds(600)));
}

TEST(TokenBucket, TheExtremeRatesOfTheOptionsHold) {
  TokenBucket fast(1'000'000, 1'000'000, t0);
  EXPECT_EQ(takes(fast, t0, 1'000'001), 1'000'000);
  EXPECT_EQ(takes(fast, t0 + milliseconds(1), 2000), 1000);
  TokenBucket slow(1, 1, t0);
  EXPECT_TRUE(slow.take(t0));
  EXPECT_FALSE(slow.take(t0 + milliseconds(999)));
  EXPECT_TRUE(slow.take(t0 + milliseconds(1000)));
}

}  // namespace
}  // namespace intact::driver
