// Fuzz target capture_verifier: a whole capture file's bytes (pcap or pcapng)
// through verify_capture (src/capture/capture_verifier): PcapFile, the packet
// decoder, per-connection reassembly, format detection and the protocol core's
// judgement, under the key of docs/protocol.md section 4 (fuzz/fuzz_inputs.hpp),
// which the seeds (fuzz/make_corpus.py) are sealed under.
//
// Checks, beyond memory safety: a damaged capture is an intact::Error of
// Failure::io; every verdict belongs to a connection announced before it, and
// each connection is announced once; only the verdicts that say nothing was
// wrong carry verified text; `missing` verdicts, and only they, count missing
// messages; nothing is judged in a direction after it was found incomplete,
// and after a direction's last verdict (closed, ended, truncated, malformed)
// only its being incomplete may follow; the counts in the stats add up; the
// same capture gives the same verdicts twice.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "capture/capture_verifier.hpp"
#include "capture/pcap_file.hpp"
#include "fuzz_inputs.hpp"
#include "fuzz_target.hpp"
#include "intact/failure.hpp"

using namespace intact;
using namespace intact::capture;

namespace {

class CheckingSink final : public VerdictSink {
 public:
  void connection(const ConnectionInfo& info) override {
    FUZZ_CHECK(info.id > 0);
    FUZZ_CHECK(announced_.insert(info.id).second);
    log_ += "C" + std::to_string(info.id) + info.client.to_string() + info.server.to_string() + ";";
  }
  void verdict(const VerdictRecord& r) override {
    FUZZ_CHECK(announced_.count(r.connection) == 1);
    if (r.text_verified) FUZZ_CHECK(is_good(r.verdict));
    FUZZ_CHECK((r.verdict == Verdict::missing) == (r.missing > 0));
    auto& state = state_[{r.connection, static_cast<int>(r.direction)}];
    FUZZ_CHECK(state != State::incomplete);
    // After its end, a direction may still be given up (incomplete, or over a bound).
    if (state == State::ended)
      FUZZ_CHECK(r.verdict == Verdict::incomplete || r.verdict == Verdict::over_limit);
    switch (r.verdict) {
      case Verdict::incomplete:
      case Verdict::over_limit:
        state = State::incomplete;
        break;
      case Verdict::closed:
      case Verdict::ended:
      case Verdict::truncated:
      case Verdict::malformed:
        state = State::ended;
        break;
      default:
        break;
    }
    log_ += "V" + std::to_string(r.connection) + std::string(verdict_name(r.verdict)) +
            std::to_string(static_cast<int>(r.direction)) + std::to_string(r.packet) +
            std::string(r.text.begin(), r.text.end()) + r.detail + r.sender + ";";
  }
  const std::string& log() const { return log_; }

 private:
  enum class State { open, ended, incomplete };
  std::set<std::uint64_t> announced_;
  std::map<std::pair<std::uint64_t, int>, State> state_;
  std::string log_;
};

std::string verify(std::span<const std::uint8_t> bytes) {
  CheckingSink sink;
  VerifyOptions options;
  options.max_out_of_order = 4096;  // small, so that inputs of a few KiB reach it
  std::string result;
  try {
    PcapFile file(bytes, "fuzz input");
    CaptureStats s = verify_capture(file, fuzz::vector_psk(), options, sink);
    FUZZ_CHECK(s.tcp_segments + s.fragments + s.malformed_packets <= s.packets);
    FUZZ_CHECK(s.connections_with_data <= s.connections);
    FUZZ_CHECK(s.connections <= s.tcp_segments);
    // The verifier's own accounting never passes the bounds it states.
    FUZZ_CHECK(s.peak_held_bytes <= s.max_held_bytes);
    FUZZ_CHECK(s.held_bytes <= s.peak_held_bytes);
    FUZZ_CHECK(s.peak_open_connections <= s.max_connections);
    result = "ok " + std::to_string(s.packets) + " " + std::to_string(s.connections);
  } catch (const Error& e) {
    FUZZ_CHECK(e.failure() == Failure::io);
    result = std::string("error ") + e.what();
  }
  return result + "|" + sink.log();
}

}  // namespace

INTACT_FUZZ_TARGET(capture_verifier) {
  std::span<const std::uint8_t> bytes(data, size);
  FUZZ_CHECK(verify(bytes) == verify(bytes));
}
