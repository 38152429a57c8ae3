// Specification of SecretBytes (intact/secret.hpp): it owns its bytes, cannot
// be copied, and a moved-from or cleared one is empty.
#include "intact/secret.hpp"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

namespace intact {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes copy_of(const SecretBytes& s) { return Bytes(s.bytes().begin(), s.bytes().end()); }

static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(std::is_nothrow_move_assignable_v<SecretBytes>);

TEST(SecretBytes, HoldsACopyOfTheBytesItWasGiven) {
  Bytes b = {1, 2, 3, 0, 255};
  SecretBytes s(b);
  b[0] = 9;
  EXPECT_EQ(copy_of(s), (Bytes{1, 2, 3, 0, 255}));
  EXPECT_EQ(s.size(), 5u);
  EXPECT_FALSE(s.empty());
}

TEST(SecretBytes, ASizedOneStartsAsZerosAndCanBeFilled) {
  SecretBytes s(std::size_t{4});
  EXPECT_EQ(copy_of(s), Bytes(4, 0));
  s.writable()[2] = 7;
  EXPECT_EQ(copy_of(s), (Bytes{0, 0, 7, 0}));
}

TEST(SecretBytes, AMovedFromOneIsEmpty) {
  SecretBytes a(Bytes{1, 2, 3});
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the emptiness is the behaviour
  EXPECT_EQ(a.bytes().size(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(copy_of(b), (Bytes{1, 2, 3}));

  SecretBytes c(Bytes{9, 9});
  c = std::move(b);  // the old bytes of c are wiped and freed, b's taken
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(copy_of(c), (Bytes{1, 2, 3}));
}

TEST(SecretBytes, ClearEmptiesAndACloneIsIndependent) {
  SecretBytes a(Bytes{4, 5});
  SecretBytes b = a.clone();
  a.clear();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(copy_of(b), (Bytes{4, 5}));
}

TEST(SecureWipe, ZeroesAStringAndAVectorInPlace) {
  std::string text = "secret";
  secure_wipe(text);
  EXPECT_EQ(text, std::string(6, '\0'));
  Bytes v = {1, 2, 3};
  secure_wipe(v);
  EXPECT_EQ(v, Bytes(3, 0));
}

}  // namespace
}  // namespace intact
