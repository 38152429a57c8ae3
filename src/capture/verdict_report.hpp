// src/capture/verdict_report.hpp: the verdicts of `intact verify`, written as
// one line per connection and per message, in text or as JSON lines.
//
// Every captured byte it prints goes through intact/text.hpp (printable() on a
// terminal, intact::JsonLine in JSON): no control character reaches the terminal.
// It prints no key material: there is none in what it is given. It counts the
// verdicts so the command can choose its exit code: 0 only when every one is good.
#pragma once

#include <array>
#include <cstdint>
#include <ostream>

#include "capture/capture_verifier.hpp"

namespace intact::capture {

class VerdictReport final : public VerdictSink {
 public:
  VerdictReport(std::ostream& out, bool json) : out_(out), json_(json) {}

  void connection(const ConnectionInfo& info) override;
  void verdict(const VerdictRecord& record) override;
  // The closing line: counts per verdict, and whether all were good.
  void summary(const CaptureStats& stats);

  std::uint64_t count(Verdict v) const noexcept { return counts_[static_cast<std::size_t>(v)]; }
  std::uint64_t bad() const noexcept { return bad_; }
  std::uint64_t total() const noexcept { return total_; }

 private:
  std::ostream& out_;
  bool json_;
  std::array<std::uint64_t, 11> counts_{};
  std::uint64_t bad_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace intact::capture
