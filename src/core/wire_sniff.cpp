#include "intact/wire_sniff.hpp"

#include <algorithm>
#include <array>

#include "intact/frame.hpp"

namespace intact {

namespace {
// A v1 hello's first bytes: the magic and this version.
constexpr std::array<std::uint8_t, 7> kV1Opening = {'I', 'N', 'T', 'A', 'C', 'T', v1::kVersion};
static_assert(v1::kMagic.size() + 1 == kV1Opening.size());
}  // namespace

WireSniff sniff_wire_format(std::span<const std::uint8_t> first_bytes) noexcept {
  // 'I' (0x49) is no frame type, so the two v1 cases cannot overlap.
  if (!first_bytes.empty() && v1::is_known_frame_type(first_bytes[0])) return WireSniff::v1_mid_stream;
  std::size_t n = std::min(first_bytes.size(), kV1Opening.size());
  if (!std::equal(first_bytes.begin(), first_bytes.begin() + static_cast<std::ptrdiff_t>(n),
                  kV1Opening.begin()))
    return WireSniff::other;
  return n == kV1Opening.size() ? WireSniff::v1 : WireSniff::need_more;
}

std::optional<WireFormat> sniffed_format(WireSniff sniff) noexcept {
  switch (sniff) {
    case WireSniff::need_more: return std::nullopt;
    case WireSniff::v1:
    case WireSniff::v1_mid_stream: return WireFormat::v1;
    case WireSniff::other: return WireFormat::legacy;
  }
  return std::nullopt;
}

std::string_view wire_sniff_name(WireSniff sniff) noexcept {
  switch (sniff) {
    case WireSniff::need_more: return "need_more";
    case WireSniff::v1: return "v1";
    case WireSniff::v1_mid_stream: return "v1_mid_stream";
    case WireSniff::other: return "other";
  }
  return "unknown";
}

}  // namespace intact
