// src/net/handshake_quota.hpp: connections still in their handshake, per source address and by age.
//
// A connection that has not proved the key yet costs a slot and a descriptor, and anyone can
// open thousands of them. This table bounds how many one address may have in progress (a
// member past its handshake is not counted: a classroom behind one NAT joins freely) and
// names the oldest handshake in progress, so a full server can drop it to make room for a
// newcomer instead of refusing everyone. Sans-I/O: it keeps opaque ids and never touches a
// socket; it holds at most one entry per connection the caller holds (its --max-clients).
#pragma once

#include <asio/ip/address.hpp>

#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <unordered_map>

namespace intact::net {

class HandshakeQuota {
 public:
  using Id = const void*;
  explicit HandshakeQuota(std::size_t per_address) : per_address_(per_address) {}

  std::size_t per_address() const noexcept { return per_address_; }
  // Whether one more handshake from `address` stays within per_address (IPv4-mapped IPv6
  // addresses count as their IPv4 address).
  bool may_start(const asio::ip::address& address) const;
  // A handshake from `address` began. An id already in progress is left as it was.
  void start(Id id, const asio::ip::address& address);
  // Its handshake finished, or the connection is gone; an id not in progress is ignored.
  void finish(Id id);

  std::size_t in_progress() const noexcept { return by_id_.size(); }
  std::size_t in_progress(const asio::ip::address& address) const;
  // The handshake in progress that began first: the one a full server drops for a newcomer.
  std::optional<Id> oldest() const;

 private:
  struct Entry {
    Id id;
    asio::ip::address address;
  };
  std::size_t per_address_;
  std::list<Entry> by_age_;  // oldest first
  std::unordered_map<Id, std::list<Entry>::iterator> by_id_;
  std::map<asio::ip::address, std::size_t> per_address_count_;
};

}  // namespace intact::net
