// --allow / --deny address lists (src/net/address_filter): CIDR matching for IPv4 and IPv6,
// IPv4-mapped peers judged as IPv4, and usage errors for anything that is not a block.
#include <gtest/gtest.h>

#include "intact/failure.hpp"
#include "net/address_filter.hpp"

namespace {

using intact::net::AddressFilter;

asio::ip::address ip(const char* text) { return asio::ip::make_address(text); }

TEST(AddressFilter, AnEmptyFilterPermitsEveryone) {
  AddressFilter f;
  EXPECT_TRUE(f.empty());
  EXPECT_TRUE(f.permits(ip("10.1.2.3")));
  EXPECT_TRUE(f.permits(ip("::1")));
}

TEST(AddressFilter, AllowListsAdmitOnlyTheirBlocksOfEitherFamily) {
  AddressFilter f;
  f.allow("10.0.0.0/8");
  f.allow("fd00::/8");
  EXPECT_TRUE(f.permits(ip("10.255.0.1")));
  EXPECT_FALSE(f.permits(ip("11.0.0.1")));
  EXPECT_TRUE(f.permits(ip("fd12::5")));
  EXPECT_FALSE(f.permits(ip("fe80::1")));
  EXPECT_FALSE(f.permits(ip("::1")));
}

TEST(AddressFilter, DenyWinsOverAllowAndPrefixBoundariesAreExact) {
  AddressFilter f;
  f.allow("192.168.0.0/16");
  f.deny("192.168.1.0/25");
  EXPECT_TRUE(f.permits(ip("192.168.0.200")));
  EXPECT_FALSE(f.permits(ip("192.168.1.127")));
  EXPECT_TRUE(f.permits(ip("192.168.1.128")));
}

TEST(AddressFilter, AZeroPrefixCoversItsWholeFamilyOnly) {
  AddressFilter f;
  f.deny("0.0.0.0/0");
  EXPECT_FALSE(f.permits(ip("203.0.113.9")));
  EXPECT_TRUE(f.permits(ip("2001:db8::1")));
}

TEST(AddressFilter, IPv4MappedPeersAreJudgedAsIPv4) {
  AddressFilter f;
  f.deny("127.0.0.0/8");
  EXPECT_FALSE(f.permits(ip("::ffff:127.0.0.1")));
  EXPECT_TRUE(f.permits(ip("::ffff:10.0.0.1")));
}

TEST(AddressFilter, AnIPv4MappedBlockIsTheIPv4BlockItMaps) {
  AddressFilter f;
  f.allow("::ffff:10.0.0.0/104");  // = 10.0.0.0/8
  EXPECT_TRUE(f.permits(ip("10.9.8.7")));
  EXPECT_TRUE(f.permits(ip("::ffff:10.9.8.7")));
  EXPECT_FALSE(f.permits(ip("11.0.0.1")));
  AddressFilter all;
  all.deny("::ffff:0.0.0.0/96");  // every IPv4 peer
  EXPECT_FALSE(all.permits(ip("198.51.100.1")));
  EXPECT_TRUE(all.permits(ip("::1")));
}

TEST(AddressFilter, AnythingThatIsNotABlockIsAUsageError) {
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/8/8", "10.0.0.0/-1",
                          "10.0.0.0/ 8", "::1/129", "::ffff:10.0.0.0/95", "example.org",
                          "10.0.0.0/8,192.168.0.0/16", "10.0.0.0/0008"}) {
    AddressFilter f;
    try {
      f.allow(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const intact::Error& e) {
      EXPECT_EQ(e.failure(), intact::Failure::usage) << bad;
    }
  }
}

}  // namespace
