// fuzz/fuzz_inputs.hpp: the fixed key, nonces and names the v1 targets run with.
//
// They are the inputs of docs/protocol.md section 4, so the documented client
// stream is a seed that completes the handshake, and seeds sealed under the
// documented direction keys (fuzz/make_corpus.py) reach every receiver path.
// Fixed nonces are for fuzzing only; real sessions take fresh ones.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "intact/frame.hpp"
#include "intact/key.hpp"
#include "intact/testing.hpp"
#include "intact/v1_session.hpp"

namespace intact::fuzz {

inline const Key& vector_psk() {
  static const Key key =
      Key::from_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  return key;
}

// C0 C1 ... CF twice (client), 50 51 ... 5F twice (server).
inline std::array<std::uint8_t, v1::kNonceSize> vector_nonce(std::uint8_t first) {
  std::array<std::uint8_t, v1::kNonceSize> n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(first + i % 16);
  return n;
}

inline V1Session::Options vector_options(v1::Role role, bool strict = false) {
  V1Session::Options o;
  o.role = role;
  o.name = role == v1::Role::client ? "alice" : "server";
  o.strict = strict;
  return o;
}

// A session of the documented handshake: the vector key, options and nonce (intact/testing.hpp).
inline V1Session vector_session(v1::Role role, bool strict = false) {
  return testing::v1_session_with_fixed_nonce(vector_psk(), vector_options(role, strict),
                                              vector_nonce(role == v1::Role::client ? 0xC0 : 0x50));
}

}  // namespace intact::fuzz
