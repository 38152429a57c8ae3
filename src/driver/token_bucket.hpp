// driver/token_bucket.hpp: a rate with a burst, told the time by its caller.
//
// `rate` tokens a second accrue, at most `burst` of them saved; each take() spends one. It
// never reads a clock (the caller passes `now`, so a test moves a fake one) and never
// allocates. A room uses one per member for --max-rate.
#pragma once

#include <chrono>
#include <cstdint>

#include "driver/session_driver.hpp"

namespace intact::driver {

class TokenBucket {
 public:
  // Starts full. `rate` and `burst` are at least 1.
  TokenBucket(std::uint32_t rate, std::uint32_t burst, TimePoint now);
  // Spends a token if one is there: false when over the rate (nothing is spent then).
  bool take(TimePoint now);

 private:
  std::chrono::nanoseconds cost_;      // the time one token takes to accrue
  std::chrono::nanoseconds capacity_;  // burst tokens' worth
  std::chrono::nanoseconds credit_;    // saved, at most capacity_
  TimePoint last_;
};

}  // namespace intact::driver
