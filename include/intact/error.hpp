// intact/error.hpp: the one way intact reports errors that end an operation.
//
// An intact::Error carries a message that says what was wrong and what to do
// about it, and the process exit code it maps to. Protocol violations seen on
// the wire are not errors of this kind: the session core reports them as
// events, because bad input from a peer is expected and must close only that
// peer's connection.
#pragma once

#include <stdexcept>
#include <string>

namespace intact {

// Documented process exit codes (README, --help).
enum ExitCode : int {
  kExitOk = 0,         // success
  kExitFailure = 1,    // any other error (network, file, peer refused)
  kExitUsage = 2,      // bad command line
  kExitIntegrity = 3,  // an integrity failure (with --strict, or always for byte streams)
  kExitTruncated = 4,  // the stream ended without an authenticated close
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitFailure)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace intact
