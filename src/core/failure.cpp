#include "intact/failure.hpp"

namespace intact {

std::string_view failure_name(Failure failure) noexcept {
  switch (failure) {
    case Failure::none: return "none";
    case Failure::usage: return "usage";
    case Failure::bad_key: return "bad_key";
    case Failure::key_mismatch: return "key_mismatch";
    case Failure::integrity: return "integrity";
    case Failure::replay: return "replay";
    case Failure::gap: return "gap";
    case Failure::truncated: return "truncated";
    case Failure::protocol: return "protocol";
    case Failure::format_mismatch: return "format_mismatch";
    case Failure::over_limit: return "over_limit";
    case Failure::not_sent: return "not_sent";
    case Failure::refused: return "refused";
    case Failure::timeout: return "timeout";
    case Failure::io: return "io";
    case Failure::internal: return "internal";
  }
  return "internal";
}

}  // namespace intact
