#include "intact/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <utility>

#include "intact/failure.hpp"

namespace intact {

namespace {
[[noreturn]] void openssl_failure(const char* what) {
  throw Error(Failure::io, std::string("OpenSSL failed: ") + what);
}

EVP_MAC* hmac_algorithm() {
  // Fetched once per process; OpenSSL's fetch is thread-safe and the result is immutable.
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) openssl_failure("EVP_MAC_fetch(HMAC)");
  return mac;
}
}  // namespace

struct HmacSha256::Impl {
  EVP_MAC_CTX* ctx = nullptr;
};

HmacSha256::HmacSha256(std::span<const std::uint8_t> key) : impl_(new Impl) {
  impl_->ctx = EVP_MAC_CTX_new(hmac_algorithm());
  if (impl_->ctx == nullptr) {
    delete impl_;
    openssl_failure("EVP_MAC_CTX_new");
  }
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* k = key.empty() ? &kEmpty : key.data();
  if (EVP_MAC_init(impl_->ctx, k, key.size(), params) != 1) {
    EVP_MAC_CTX_free(impl_->ctx);
    delete impl_;
    openssl_failure("EVP_MAC_init");
  }
}

HmacSha256::~HmacSha256() {
  if (impl_ != nullptr) {
    EVP_MAC_CTX_free(impl_->ctx);  // OpenSSL cleanses the key material it holds
    delete impl_;
  }
}

HmacSha256::HmacSha256(HmacSha256&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)) {}

HmacSha256& HmacSha256::operator=(HmacSha256&& other) noexcept {
  if (this != &other) {
    if (impl_ != nullptr) {
      EVP_MAC_CTX_free(impl_->ctx);
      delete impl_;
    }
    impl_ = std::exchange(other.impl_, nullptr);
  }
  return *this;
}

void HmacSha256::begin() {
  // A null key re-initialises from the stored padded-key states: no key schedule here.
  if (EVP_MAC_init(impl_->ctx, nullptr, 0, nullptr) != 1) openssl_failure("EVP_MAC_init");
}

void HmacSha256::update(std::span<const std::uint8_t> data) {
  if (!data.empty() && EVP_MAC_update(impl_->ctx, data.data(), data.size()) != 1)
    openssl_failure("EVP_MAC_update");
}

Tag HmacSha256::finish() {
  Tag tag{};
  std::size_t len = 0;
  if (EVP_MAC_final(impl_->ctx, tag.data(), &len, tag.size()) != 1 || len != tag.size())
    openssl_failure("EVP_MAC_final");
  return tag;
}

Tag HmacSha256::compute(std::span<const std::uint8_t> data) {
  begin();
  update(data);
  return finish();
}

Tag HmacSha256::compute(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  begin();
  update(a);
  update(b);
  return finish();
}

bool HmacSha256::verify(std::span<const std::uint8_t> data, std::span<const std::uint8_t> tag) {
  Tag expected = compute(data);
  return equal_constant_time(expected, tag);
}

bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<std::uint8_t> hkdf_sha256(std::span<const std::uint8_t> ikm,
                                      std::span<const std::uint8_t> salt,
                                      std::string_view info, std::size_t length) {
  std::vector<std::uint8_t> out(length);
  hkdf_sha256(ikm, salt, info, std::span<std::uint8_t>(out));
  return out;
}

void hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                 std::string_view info, std::span<std::uint8_t> out) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) openssl_failure("EVP_KDF_fetch(HKDF)");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) openssl_failure("EVP_KDF_CTX_new");

  char digest[] = "SHA256";
  static const std::uint8_t kEmpty = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ikm.empty() ? &kEmpty : ikm.data()),
          ikm.size()),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.empty() ? &kEmpty : salt.data()),
          salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                        const_cast<char*>(info.empty() ? "" : info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end(),
  };
  int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) openssl_failure("EVP_KDF_derive(HKDF)");
}

Digest sha256(std::span<const std::uint8_t> data) {
  Digest d{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr) != 1)
    openssl_failure("EVP_Digest(SHA256)");
  return d;
}

void random_bytes(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    throw Error(Failure::io, "the system random number generator failed; cannot make a nonce or key");
}

}  // namespace intact
