// fuzz/fuzz_target.hpp: how a fuzz target is declared, once, for two drivers.
//
// INTACT_FUZZ_TARGET(name) { ... uses data, size ... } becomes libFuzzer's
// LLVMFuzzerTestOneInput when built with clang and INTACT_LIBFUZZER (one
// executable per target), and otherwise registers the body with the replay
// driver (replay_main.cpp), which runs every target over its seed corpus and
// deterministic mutations under the project's own compiler and sanitizers.
// A target checks invariants with FUZZ_CHECK, which aborts: a violated
// invariant is a finding, exactly like a crash. Targets never do I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace intact::fuzz {

using TargetBody = void (*)(const std::uint8_t* data, std::size_t size);

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant violated at %s:%d: %s\n", file, line, what);
  std::abort();
}

#ifndef INTACT_LIBFUZZER
// Defined by the replay driver. Returns true so it can initialise a static.
bool register_target(const char* name, TargetBody body);
#endif

}  // namespace intact::fuzz

#define FUZZ_CHECK(cond)                                          \
  do {                                                            \
    if (!(cond)) ::intact::fuzz::fail(#cond, __FILE__, __LINE__); \
  } while (0)

#ifdef INTACT_LIBFUZZER
#define INTACT_FUZZ_TARGET(name)                                                      \
  static void name##_fuzz_body(const std::uint8_t* data, std::size_t size);           \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    name##_fuzz_body(data, size);                                                     \
    return 0;                                                                         \
  }                                                                                   \
  static void name##_fuzz_body(const std::uint8_t* data, std::size_t size)
#else
#define INTACT_FUZZ_TARGET(name)                                            \
  static void name##_fuzz_body(const std::uint8_t* data, std::size_t size); \
  [[maybe_unused]] static const bool name##_fuzz_registered =               \
      ::intact::fuzz::register_target(#name, name##_fuzz_body);             \
  static void name##_fuzz_body(const std::uint8_t* data, std::size_t size)
#endif
