// intact/crypto.hpp: the cryptographic primitives intact uses, all from OpenSSL 3.
//
// Nothing here is hand-rolled: HMAC-SHA256 and HKDF-SHA256 are OpenSSL's
// EVP_MAC and EVP_KDF, randomness is RAND_bytes (the OS CSPRNG behind it),
// tag comparison is CRYPTO_memcmp. This unit never prints, logs or exposes key
// bytes, and never compares secrets with a data-dependent early return.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace intact {

inline constexpr std::size_t kTagSize = 32;  // HMAC-SHA256 output, never truncated
using Tag = std::array<std::uint8_t, kTagSize>;
using Digest = std::array<std::uint8_t, 32>;

// HMAC-SHA256 under one key. The key schedule (inner and outer padded key
// states) is computed once, in the constructor; each tag afterwards costs only
// the hashing of its message. Not thread-safe: use one instance per thread.
class HmacSha256 {
 public:
  explicit HmacSha256(std::span<const std::uint8_t> key);
  ~HmacSha256();
  HmacSha256(HmacSha256&&) noexcept;
  HmacSha256& operator=(HmacSha256&&) noexcept;
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // Incremental use: begin(), update() any number of times, finish().
  void begin();
  void update(std::span<const std::uint8_t> data);
  Tag finish();

  // One-shot over the concatenation of `parts`.
  Tag compute(std::span<const std::uint8_t> data);
  Tag compute(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

  // Constant-time comparison of compute(data) against `tag`.
  bool verify(std::span<const std::uint8_t> data, std::span<const std::uint8_t> tag);

 private:
  struct Impl;
  Impl* impl_;
};

// True when a and b have equal length and contents; time depends on length only.
bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

// HKDF-SHA256 (RFC 5869), extract then expand, `length` bytes of output.
std::vector<std::uint8_t> hkdf_sha256(std::span<const std::uint8_t> ikm,
                                      std::span<const std::uint8_t> salt,
                                      std::string_view info, std::size_t length);
// The same, written into `out` (out.size() bytes): for keys, into a SecretBytes.
void hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                 std::string_view info, std::span<std::uint8_t> out);

Digest sha256(std::span<const std::uint8_t> data);

// Fills `out` from OpenSSL's CSPRNG; throws intact::Error if it cannot.
void random_bytes(std::span<std::uint8_t> out);

// A text's bytes, viewed (not copied). Named apart from std::as_bytes, which
// views any span as std::byte: the two would otherwise meet in overload sets.
inline std::span<const std::uint8_t> text_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_text(std::span<const std::uint8_t> b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace intact
