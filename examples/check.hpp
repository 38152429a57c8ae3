// examples/check.hpp: one line per check, and the exit code the examples end with.
#pragma once

#include <cstdio>

namespace example {

inline int failures = 0;

inline void check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) ++failures;
}

inline int exit_code() { return failures == 0 ? 0 : 1; }

}  // namespace example
