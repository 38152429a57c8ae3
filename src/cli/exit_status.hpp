// src/cli/exit_status.hpp: the one table from a Failure to the process exit status
// and to the hint a user acts on.
//
// Every subcommand ends through here (main.cpp), so `intact client`, `server`,
// `connect` and `listen` give the same status for the same failure, and the
// README's table is this table. Later failures get their row here, nowhere else.
#pragma once

#include <functional>
#include <string_view>

#include "intact/failure.hpp"

namespace intact::cli {

// The documented exit statuses (README "Exit codes", the man page, --help).
enum class ExitStatus : int {
  ok = 0,         // success
  failure = 1,    // other errors: network, refused, format mismatch, a line not sent
  usage = 2,      // bad command line, or a key that cannot be used
  integrity = 3,  // an integrity failure: a wrong key at connect, or any failure under --strict
  truncated = 4,  // the peer's stream ended without an authenticated close
};

ExitStatus exit_status(Failure failure) noexcept;

// What to do about it, naming the command line's options; empty when the
// message says enough. `has_option("--legacy")` says whether the command that
// failed has that option: a hint names only options the user can give there.
std::string_view hint(Failure failure, const std::function<bool(std::string_view)>& has_option);

}  // namespace intact::cli
