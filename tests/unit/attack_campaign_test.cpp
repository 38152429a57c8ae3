// The randomized campaign against protocol v1: nothing forged or duplicated is
// accepted and every mutation is reported; and the counters do see a miss.
#include <gtest/gtest.h>

#include "attack/mutation_campaign.hpp"

namespace intact::attack {
namespace {

TEST(MutationCampaign, EveryMutationOfAV1SessionIsReportedAndNothingForgedIsAccepted) {
  CampaignOptions o;
  o.mutations = 600;
  o.seed = 2026;
  auto r = run_campaign(o);
  EXPECT_EQ(r.mutations, 600u);
  EXPECT_EQ(r.forged_accepted, 0u) << r.first_problem;
  EXPECT_EQ(r.delivered_twice, 0u) << r.first_problem;
  EXPECT_EQ(r.unreported, 0u) << r.first_problem;
  EXPECT_GT(r.messages_delivered, 0u);  // untouched messages still get through
  EXPECT_GE(r.by_kind.size(), 15u);     // the mix covers (nearly) every kind
}

TEST(MutationCampaign, UntouchedSessionsCountAsUnreportedSoTheCounterCanFail) {
  CampaignOptions o;
  o.mutations = 50;
  o.control_no_mutation = true;
  auto r = run_campaign(o);
  EXPECT_EQ(r.unreported, 50u);
  EXPECT_FALSE(r.clean());
  EXPECT_EQ(r.forged_accepted, 0u);
}

}  // namespace
}  // namespace intact::attack
