// SequenceTracker as a table, in the style of wireguard-go's replay tests: each
// row is a walk of checks (and tag failures) with the verdict every step must get.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "intact/frame.hpp"

namespace intact {
namespace {

using Verdict = SequenceTracker::Verdict;
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// One step: either a frame that failed its tag check here, or check(seq).
struct Step {
  bool failed_frame;
  std::uint64_t seq;
  Verdict verdict;
  std::uint64_t missing;
};
Step check(std::uint64_t seq, Verdict v, std::uint64_t missing = 0) {
  return {false, seq, v, missing};
}
Step failed() { return {true, 0, Verdict::accept, 0}; }

struct Walk {
  const char* name;
  std::uint64_t first;
  std::vector<Step> steps;
};

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::accept:
      return "accept";
    case Verdict::replay:
      return "replay";
    case Verdict::gap:
      return "gap";
  }
  return "?";
}

TEST(SequenceTracker, WalksEveryEdgeOfTheTable) {
  const std::vector<Walk> walks = {
      {"first frame is the expected one", 1, {check(1, Verdict::accept)}},
      {"first frame at zero when zero is expected", 0, {check(0, Verdict::accept)}},
      {"in order",
       1,
       {check(1, Verdict::accept), check(2, Verdict::accept), check(3, Verdict::accept),
        check(4, Verdict::accept)}},
      {"a frame below the first expected is a replay", 1, {check(0, Verdict::replay)}},
      {"duplicate of the last accepted",
       1,
       {check(1, Verdict::accept), check(1, Verdict::replay), check(2, Verdict::accept)}},
      {"older than the last accepted",
       1,
       {check(1, Verdict::accept), check(2, Verdict::accept), check(3, Verdict::accept),
        check(1, Verdict::replay), check(2, Verdict::replay), check(4, Verdict::accept)}},
      {"a replay does not move the window",
       1,
       {check(1, Verdict::accept), check(1, Verdict::replay), check(1, Verdict::replay),
        check(2, Verdict::accept)}},
      {"jump of one",
       1,
       {check(1, Verdict::accept), check(3, Verdict::gap, 1), check(4, Verdict::accept)}},
      {"jump right at the start", 1, {check(5, Verdict::gap, 4), check(6, Verdict::accept)}},
      {"frames skipped by a jump are replays afterwards",
       1,
       {check(1, Verdict::accept), check(10, Verdict::gap, 8), check(5, Verdict::replay),
        check(9, Verdict::replay), check(10, Verdict::replay), check(11, Verdict::accept)}},
      {"a gap over one failed frame counts nothing twice",
       1,
       {check(1, Verdict::accept), failed(), check(3, Verdict::accept)}},
      {"a gap over failed and deleted frames counts only the deleted",
       1,
       {check(1, Verdict::accept), failed(), failed(), check(6, Verdict::gap, 2)}},
      {"more failures than skipped numbers: no gap, and no underflow",
       1,
       {failed(), failed(), failed(), check(2, Verdict::accept), check(4, Verdict::gap, 1)}},
      {"failures are forgotten once a frame is accepted",
       1,
       {failed(), check(1, Verdict::accept), check(3, Verdict::gap, 1)}},
      {"failures are forgotten after a gap too",
       1,
       {failed(), check(4, Verdict::gap, 2), check(6, Verdict::gap, 1)}},
      {"a replay keeps the failures counted",
       1,
       {check(1, Verdict::accept), failed(), check(1, Verdict::replay), check(3, Verdict::accept)}},
      {"jump to the last number",
       1,
       {check(1, Verdict::accept), check(kMax, Verdict::gap, kMax - 2)}},
      {"after the last number every frame is a replay",
       1,
       {check(kMax, Verdict::gap, kMax - 1), check(kMax, Verdict::replay),
        check(0, Verdict::replay), check(2, Verdict::replay)}},
      {"the last number is accepted when it is the next expected",
       kMax - 1,
       {check(kMax - 1, Verdict::accept), check(kMax, Verdict::accept),
        check(kMax, Verdict::replay)}},
      {"a tracker that starts at the last number",
       kMax,
       {check(kMax, Verdict::accept), check(kMax, Verdict::replay)}},
      {"jump from zero to the last number counts every number below it",
       0,
       {check(kMax, Verdict::gap, kMax)}},
  };

  for (const auto& walk : walks) {
    SequenceTracker t(walk.first);
    for (std::size_t i = 0; i < walk.steps.size(); ++i) {
      const Step& s = walk.steps[i];
      if (s.failed_frame) {
        t.note_failed_frame();
        continue;
      }
      auto r = t.check(s.seq);
      EXPECT_EQ(verdict_name(r.verdict), std::string(verdict_name(s.verdict)))
          << walk.name << ", step " << i << " (seq " << s.seq << ")";
      if (s.verdict == Verdict::gap) {
        EXPECT_EQ(r.missing, s.missing) << walk.name << ", step " << i;
      } else {
        EXPECT_EQ(r.missing, 0u) << walk.name << ", step " << i;
      }
    }
  }
}

TEST(SequenceTracker, ExpectedIsOneAboveTheLastAcceptedNumber) {
  SequenceTracker t(1);
  EXPECT_EQ(t.expected(), 1u);
  t.check(1);
  EXPECT_EQ(t.expected(), 2u);
  t.check(7);
  EXPECT_EQ(t.expected(), 8u);
  t.check(3);  // a replay moves nothing
  EXPECT_EQ(t.expected(), 8u);
}

}  // namespace
}  // namespace intact
