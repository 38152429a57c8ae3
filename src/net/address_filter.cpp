#include "net/address_filter.hpp"

#include "intact/failure.hpp"

namespace intact::net {

asio::ip::address unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

AddressFilter::Block AddressFilter::parse(const std::string& spec) {
  auto slash = spec.find('/');
  std::string addr = spec.substr(0, slash);
  std::error_code ec;
  auto raw = asio::ip::make_address(addr, ec);
  // An IPv4-mapped block (::ffff:10.0.0.0/104) is the IPv4 block it maps (10.0.0.0/8):
  // peers are judged as IPv4, so its prefix counts the IPv4 bits only.
  bool mapped = !ec && raw.is_v6() && raw.to_v6().is_v4_mapped();
  auto base = unmapped(raw);
  unsigned max = raw.is_v4() ? 32 : 128;
  unsigned prefix = max;
  bool ok = !ec;
  if (ok && slash != std::string::npos) {
    std::string p = spec.substr(slash + 1);
    ok = !p.empty() && p.size() <= 3 && p.find_first_not_of("0123456789") == std::string::npos &&
         std::stoul(p) <= max;
    if (ok) prefix = static_cast<unsigned>(std::stoul(p));
  }
  if (ok && mapped) {
    ok = prefix >= 96;  // a shorter prefix would mix IPv4 with other IPv6 addresses
    prefix = ok ? prefix - 96 : 0;
  }
  if (!ok) {
    throw Error(Failure::usage, "'" + spec + "' is not an address or CIDR block (e.g. 10.0.0.0/8, ::1, fd00::/8)");
  }
  return {base, prefix};
}

bool AddressFilter::matches(const Block& b, const asio::ip::address& a) {
  if (b.base.is_v4() != a.is_v4()) return false;
  auto bytes_of = [](const asio::ip::address& x) {
    std::array<unsigned char, 16> out{};
    if (x.is_v4()) {
      auto v = x.to_v4().to_bytes();
      std::copy(v.begin(), v.end(), out.begin());
    } else {
      out = x.to_v6().to_bytes();
    }
    return out;
  };
  auto x = bytes_of(b.base), y = bytes_of(a);
  unsigned bits = b.prefix;
  for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
    unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
    if ((x[i] & mask) != (y[i] & mask)) return false;
  }
  return true;
}

void AddressFilter::allow(const std::string& spec) { allow_.push_back(parse(spec)); }
void AddressFilter::deny(const std::string& spec) { deny_.push_back(parse(spec)); }

bool AddressFilter::permits(const asio::ip::address& address) const {
  auto a = unmapped(address);
  for (const auto& b : deny_)
    if (matches(b, a)) return false;
  if (allow_.empty()) return true;
  for (const auto& b : allow_)
    if (matches(b, a)) return true;
  return false;
}

}  // namespace intact::net
