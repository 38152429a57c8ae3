// intact/failure.hpp: what can go wrong, as a value.
//
// Every failure intact reports, whether an event from a session or an Error
// thrown by a call, carries one Failure. Whoever must decide something (the
// command line's process status, a room's disconnect notice, a test) decides on
// this value and never on the words of a message: the message is for people.
// The core only names what went wrong; turning it into a process status or a
// hint that names a command-line flag is the front end's business.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace intact {

enum class Failure : std::uint8_t {
  none,             // not a failure
  usage,            // a request that cannot be carried out as asked (a bad option value, a bad name)
  bad_key,          // a key that cannot be used: missing, empty, malformed, unreadable
  key_mismatch,     // the peer holds a different key: its CONFIRM did not verify
  integrity,        // a message's tag did not verify
  replay,           // a message seen before, or out of order
  gap,              // messages were deleted on the way
  truncated,        // the stream ended without the peer's authenticated close
  protocol,         // the peer broke the protocol (malformed frame, bad CONFIRM, bad hello)
  format_mismatch,  // the peer speaks another wire format (the lab's, or another version)
  over_limit,       // something is over a stated bound (a frame, a queue, a count)
  not_sent,         // a message that could not be sent (over the maximum, not representable)
  refused,          // the peer or the server refused us (admission, an unknown command)
  timeout,          // a deadline passed (handshake, flush, idle)
  io,               // the network, a file or the system failed
  internal,         // a bug: an invariant did not hold
};

// A stable lower-case name ("key_mismatch"), for JSON and logs.
std::string_view failure_name(Failure failure) noexcept;

// The exception form of a Failure: thrown by calls that cannot go on. The
// message says what was wrong (never a key's bytes).
class Error : public std::runtime_error {
 public:
  Error(Failure failure, const std::string& message) : std::runtime_error(message), failure_(failure) {}
  Failure failure() const noexcept { return failure_; }

 private:
  Failure failure_;
};

}  // namespace intact
