// Fuzz target legacy: a LegacySession (the lab's format) fed arbitrary bytes.
//
// Checks, beyond memory safety: whole and piecewise delivery give the same
// events; no message over the maximum is delivered; every delivered message
// appears in the input followed by '|' and its own tag (either hex case),
// recomputed here; the session always ends at EOF.
#include <algorithm>
#include <cctype>

#include "fuzz_target.hpp"
#include "intact/hex.hpp"
#include "intact/legacy.hpp"
#include "session_recorder.hpp"

using namespace intact;

namespace {

// Small, so that inputs of a few KiB reach the "no tag" bound.
constexpr std::size_t kFuzzMaxMessage = 256;

const Key& lab_key() {
  static const Key key = Key::from_hex("5D2E44719232EA78CD2B32");
  return key;
}

bool tagged_in(std::span<const std::uint8_t> input, const std::string& message,
               const std::string& tag) {
  const std::size_t need = message.size() + 1 + tag.size();
  for (std::size_t at = 0; at + need <= input.size(); ++at) {
    if (!std::equal(message.begin(), message.end(),
                    input.begin() + static_cast<std::ptrdiff_t>(at)))
      continue;
    if (input[at + message.size()] != '|') continue;
    bool same = true;
    for (std::size_t i = 0; i < tag.size() && same; ++i)
      same = std::toupper(input[at + message.size() + 1 + i]) == tag[i];
    if (same) return true;
  }
  return false;
}

}  // namespace

INTACT_FUZZ_TARGET(legacy) {
  std::span<const std::uint8_t> input(data, size);

  LegacySession whole(lab_key(), kFuzzMaxMessage);
  auto events = fuzz::run_session(whole, input, false);
  fuzz::check_common_invariants(whole, events, kFuzzMaxMessage);

  LegacySession pieces(lab_key(), kFuzzMaxMessage);
  FUZZ_CHECK(fuzz::same_events(events, fuzz::run_session(pieces, input, true)));

  HmacSha256 mac(lab_key().bytes());
  for (const auto& e : events) {
    if (e.kind != EventKind::message) continue;
    FUZZ_CHECK(tagged_in(input, e.payload, legacy::tag_hex(mac, text_bytes(e.payload))));
  }
}
