// Fuzz target v1_server: a V1Session server fed arbitrary bytes from a "client".
//
// Checks, beyond memory safety: the same events whether the bytes arrive
// whole or in pieces; nothing is delivered, and no frame is judged, before
// the handshake is confirmed; nothing follows a terminal event; the server
// sends only its hello and CONFIRM, and only after a well-formed ClientHello.
#include "fuzz_inputs.hpp"
#include "fuzz_target.hpp"
#include "session_recorder.hpp"
#include "intact/wire_sniff.hpp"

using namespace intact;

INTACT_FUZZ_TARGET(v1_server) {
  std::span<const std::uint8_t> input(data, size);

  V1Session whole = fuzz::vector_session(v1::Role::server);
  auto events = fuzz::run_session(whole, input, false);
  fuzz::check_common_invariants(whole, events, whole.max_payload());

  V1Session pieces = fuzz::vector_session(v1::Role::server);
  FUZZ_CHECK(fuzz::same_events(events, fuzz::run_session(pieces, input, true)));

  bool established = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    switch (events[i].kind) {
      case EventKind::established:
        FUZZ_CHECK(i == 0);
        established = true;
        break;
      case EventKind::protocol_error:
        break;  // possible in any state
      default:
        FUZZ_CHECK(established);  // frames are judged only after the handshake
    }
  }
  if (established) FUZZ_CHECK(whole.peer_name().size() <= v1::kMaxNameSize);
  // ServerHello (40) + CONFIRM (45 + 32-byte transcript + "server"), or nothing; or,
  // for a first byte sequence that is no v1 hello, the hello's opening alone (magic, version).
  const std::size_t flight = v1::kHelloSize + v1::kFrameOverhead + 32 + 6;
  const std::size_t opening = v1::kMagic.size() + 1;
  const bool mismatch = !events.empty() && events[0].kind == EventKind::protocol_error &&
                        events[0].failure == Failure::format_mismatch;
  if (whole.pending_output_size() == opening) {
    FUZZ_CHECK(mismatch);
    FUZZ_CHECK(sniff_wire_format(whole.pending_output()) == WireSniff::v1);
  } else {
    FUZZ_CHECK(!mismatch);
    FUZZ_CHECK(whole.pending_output_size() == 0 || whole.pending_output_size() == flight);
  }
  FUZZ_CHECK(whole.pending_output_size() == pieces.pending_output_size());
}
