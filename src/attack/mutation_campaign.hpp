// src/attack/mutation_campaign.hpp: many random attacks on protocol v1
// sessions, and a count of every way the receiver could have been fooled.
//
// Each mutation gets a fresh pair of V1Sessions wired together in memory (no
// sockets, for speed): the client sends a few messages and its close, one
// random mutation is applied to the bytes on the way (the same keyless edits
// the tamper proxy makes), and the server is fed the result in random-sized
// pieces. Counted: forged messages accepted (a payload the client never sent
// under that sequence number), messages delivered twice, and mutations the
// receiver did not report at all. All three must be 0. Reproducible from the
// seed; the key is generated per campaign and never shown.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace intact::attack {

struct CampaignOptions {
  std::uint64_t mutations = 1000;
  std::uint64_t seed = 1;
  // Check the checker: deliver every session untouched. Each one must then
  // count as "not reported", which shows the counters can see a miss.
  bool control_no_mutation = false;
};

struct CampaignResult {
  std::uint64_t mutations = 0;
  std::uint64_t forged_accepted = 0;     // a delivered payload the client did not send as that seq
  std::uint64_t delivered_twice = 0;     // a message delivered more than once
  std::uint64_t unreported = 0;          // mutations after which the receiver reported nothing
  std::uint64_t messages_delivered = 0;  // genuine messages accepted (the unharmed ones)
  std::map<std::string, std::uint64_t> by_kind;  // mutations made, per kind
  std::string first_problem;  // a description of the first failure, for debugging

  bool clean() const noexcept {
    return forged_accepted == 0 && delivered_twice == 0 && unreported == 0;
  }
};

CampaignResult run_campaign(const CampaignOptions& options);

std::string format_campaign(const CampaignResult& r, std::uint64_t seed);
std::string format_campaign_json(const CampaignResult& r, std::uint64_t seed);

}  // namespace intact::attack
