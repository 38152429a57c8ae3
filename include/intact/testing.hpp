// intact/testing.hpp: ways to build sessions that no program may use.
//
// For test vectors (docs/protocol.md, section 4), unit tests that must know the
// direction keys, and fuzzers that replay a recorded stream: a V1Session whose
// hello carries a nonce chosen by the caller instead of a fresh one from the
// CSPRNG. Never use it in a program: a nonce repeated on both sides repeats the
// direction keys, and a frame recorded earlier would verify again. Nothing
// under src/ includes this header.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "intact/key.hpp"
#include "intact/v1_session.hpp"

namespace intact::testing {

using Nonce = std::array<std::uint8_t, v1::kNonceSize>;

struct V1SessionAccess {
  static V1Session make(const Key& psk, V1Session::Options options, std::optional<Nonce> nonce) {
    return V1Session(psk, std::move(options), nonce);
  }
};

// A V1Session whose hello nonce is `nonce`. Test vectors and fuzzers only.
inline V1Session v1_session_with_fixed_nonce(const Key& psk, V1Session::Options options,
                                             const Nonce& nonce) {
  return V1SessionAccess::make(psk, std::move(options), nonce);
}

// The same with the nonce optional: without one, an ordinary session (fresh nonce).
inline V1Session v1_session_with_fixed_nonce(const Key& psk, V1Session::Options options,
                                             const std::optional<Nonce>& nonce) {
  return V1SessionAccess::make(psk, std::move(options), nonce);
}

}  // namespace intact::testing
