#include "cli/exit_status.hpp"

namespace intact::cli {

ExitStatus exit_status(Failure failure) noexcept {
  switch (failure) {
    case Failure::none: return ExitStatus::ok;
    case Failure::usage:
    case Failure::bad_key: return ExitStatus::usage;
    case Failure::key_mismatch:
    case Failure::integrity:
    case Failure::replay:
    case Failure::gap: return ExitStatus::integrity;
    case Failure::truncated: return ExitStatus::truncated;
    case Failure::protocol:
    case Failure::format_mismatch:
    case Failure::over_limit:
    case Failure::not_sent:
    case Failure::refused:
    case Failure::timeout:
    case Failure::io:
    case Failure::internal: return ExitStatus::failure;
  }
  return ExitStatus::failure;
}

std::string_view hint(Failure failure, const std::function<bool(std::string_view)>& has_option) {
  switch (failure) {
    case Failure::key_mismatch:
      return "both sides must use the same key (--key, --key-file or INTACT_KEY)";
    case Failure::format_mismatch:
      if (has_option("--legacy"))
        return "if the peer uses the lab's format, add --legacy; if it speaks intact v1, drop --legacy";
      return "this command speaks intact v1 only; for a peer in the lab's format use intact client "
             "or intact server with --legacy";
    case Failure::timeout:
      if (has_option("--wait"))
        return "is the host up, the port right and the peer an intact program of the same format? "
               "raise -w for a slow network, --handshake-timeout for a slow handshake";
      if (has_option("--handshake-timeout"))
        return "is the peer an intact program of the same format? raise --handshake-timeout for slow links";
      return "is the peer an intact program of the same format?";
    case Failure::refused:
      // Before the handshake: a server that refuses says why on its console; a
      // lab-format server has no handshake to answer a v1 hello with.
      if (has_option("--legacy")) return "if the server speaks the lab's format, add --legacy";
      return {};
    default: return {};
  }
}

}  // namespace intact::cli
