// src/net/address_filter.hpp: --allow / --deny lists of addresses and CIDR blocks.
//
// A peer is refused when it matches any --deny entry, or when --allow entries
// exist and it matches none. IPv4-mapped IPv6 addresses are judged as IPv4.
#pragma once

#include <asio/ip/address.hpp>

#include <string>
#include <vector>

namespace intact::net {

// An IPv4-mapped IPv6 address (::ffff:10.0.0.1) as the IPv4 address it maps; others as they are.
asio::ip::address unmapped(const asio::ip::address& address);

class AddressFilter {
 public:
  // "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8". Throws intact::Error (usage).
  void allow(const std::string& spec);
  void deny(const std::string& spec);
  bool permits(const asio::ip::address& address) const;
  bool empty() const noexcept { return allow_.empty() && deny_.empty(); }

 private:
  struct Block {
    asio::ip::address base;
    unsigned prefix;
  };
  static Block parse(const std::string& spec);
  static bool matches(const Block& b, const asio::ip::address& a);
  std::vector<Block> allow_;
  std::vector<Block> deny_;
};

}  // namespace intact::net
