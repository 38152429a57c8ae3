#include "net/handshake_quota.hpp"

#include "net/address_filter.hpp"

namespace intact::net {

std::size_t HandshakeQuota::in_progress(const asio::ip::address& address) const {
  auto it = per_address_count_.find(unmapped(address));
  return it == per_address_count_.end() ? 0 : it->second;
}

bool HandshakeQuota::may_start(const asio::ip::address& address) const {
  return in_progress(address) < per_address_;
}

void HandshakeQuota::start(Id id, const asio::ip::address& address) {
  if (by_id_.count(id) != 0) return;
  auto a = unmapped(address);
  by_age_.push_back(Entry{id, a});
  by_id_.emplace(id, std::prev(by_age_.end()));
  ++per_address_count_[a];
}

void HandshakeQuota::finish(Id id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  auto count = per_address_count_.find(it->second->address);
  if (count != per_address_count_.end() && --count->second == 0) per_address_count_.erase(count);
  by_age_.erase(it->second);
  by_id_.erase(it);
}

std::optional<HandshakeQuota::Id> HandshakeQuota::oldest() const {
  if (by_age_.empty()) return std::nullopt;
  return by_age_.front().id;
}

}  // namespace intact::net
