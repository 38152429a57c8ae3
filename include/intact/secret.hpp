// intact/secret.hpp: bytes that are secret (a pre-shared key, a derived key).
//
// SecretBytes owns a fixed-size buffer and wipes it with OPENSSL_cleanse when
// it is destroyed, cleared, reassigned or moved from; a moved-from SecretBytes
// is empty. It cannot be copied (clone() makes a deliberate copy) and has no
// way to be printed: no operator<<, no to_string, no comparison operators.
// secure_wipe() is the same wipe for buffers a caller owns (a file read into a
// string, a decoded vector) before they are freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace intact {

// Overwrites `bytes` with zeros in a way the compiler may not optimise away.
void secure_wipe(std::span<std::uint8_t> bytes) noexcept;
void secure_wipe(std::string& text) noexcept;
void secure_wipe(std::vector<std::uint8_t>& bytes) noexcept;

class SecretBytes {
 public:
  SecretBytes() noexcept = default;
  // `size` zero bytes, to be filled through writable().
  explicit SecretBytes(std::size_t size);
  // A copy of `bytes`; the caller wipes its own buffer.
  explicit SecretBytes(std::span<const std::uint8_t> bytes);

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  // A second owner of the same bytes, on purpose (never implicitly).
  SecretBytes clone() const { return SecretBytes(bytes()); }

  std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }
  std::span<std::uint8_t> writable() noexcept { return {data_, size_}; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  // Wipes and frees the bytes; afterwards empty().
  void clear() noexcept;

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace intact
