#include "driver/token_bucket.hpp"

#include <algorithm>

namespace intact::driver {

TokenBucket::TokenBucket(std::uint32_t rate, std::uint32_t burst, TimePoint now)
    : cost_(std::chrono::nanoseconds(std::chrono::seconds(1)) / std::max<std::uint32_t>(rate, 1)),
      capacity_(cost_ * std::max<std::uint32_t>(burst, 1)),
      credit_(capacity_),
      last_(now) {}

bool TokenBucket::take(TimePoint now) {
  if (now > last_) {  // a clock that went back gives nothing, and takes nothing away
    credit_ = std::min(capacity_, credit_ + std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_));
    last_ = now;
  }
  if (credit_ < cost_) return false;
  credit_ -= cost_;
  return true;
}

}  // namespace intact::driver
