// `intact attack-matrix`: every attack against both formats, and the randomized campaign.
#include <iostream>
#include <limits>

#include "attack/attack_matrix.hpp"
#include "attack/mutation_campaign.hpp"
#include "cli/command.hpp"
#include "cli/options.hpp"
#include "intact/failure.hpp"

namespace intact::cli {
namespace {

struct MatrixArgs {
  bool json = false;
  std::string only;
  std::optional<std::uint64_t> campaign;
  std::uint64_t seed = 1;
  std::chrono::milliseconds timeout = std::chrono::seconds(15);
};

const CommandRegistration registration{
    "attack-matrix",
    "run every attack against protocol v1 and the lab's format on loopback; show what each catches",
    45, [](CLI::App& sub) -> Runner {
      auto a = std::make_shared<MatrixArgs>();
      sub.add_flag("--json", a->json, "print one JSON document instead of the table");
      sub.add_option("--only", a->only, "v1 or legacy: run the cells of one format only")
          ->type_name("FORMAT");
      // The bound: 10^8 mutations take hours even in a release build; the campaign must end.
      add_number(sub, "--campaign", a->campaign, {1, 100'000'000},
                 "instead of the matrix: N random mutations against protocol v1 sessions "
                 "(in memory), counting forgeries accepted, duplicates and unreported mutations");
      add_number(sub, "--seed", a->seed, {0, std::numeric_limits<std::uint64_t>::max()},
                 "seed of the campaign's random choices");
      add_duration(sub, "--timeout", a->timeout, {std::chrono::milliseconds(1), std::chrono::hours(1)},
                   "deadline for each matrix cell");
      sub.footer(
          "The matrix starts a server endpoint, a client endpoint and the tamper proxy on "
          "127.0.0.1 "
          "(ports picked by the OS), with a fresh random key; the client sends A1 A2 A3 and its "
          "close; the proxy runs one attack per cell; the receiver's reports decide 'caught'.\n"
          "Exit codes: 0 when every cell is as expected (the lab's format catches only modified "
          "or forged messages, v1 catches every attack) or the campaign is clean; 1 when a matrix "
          "cell differs; 3 when the campaign found a forgery accepted, a duplicate delivered or a "
          "mutation not reported; 2 usage.\n"
          "Examples: intact attack-matrix\n"
          "          intact attack-matrix --campaign 100000 --seed 42");
      return [a]() {
        if (a->campaign) {
          attack::CampaignOptions o;
          o.mutations = *a->campaign;
          o.seed = a->seed;
          auto r = attack::run_campaign(o);
          std::cout << (a->json ? attack::format_campaign_json(r, a->seed)
                                : attack::format_campaign(r, a->seed))
                    << std::flush;
          return r.clean() ? Failure::none : Failure::integrity;
        }
        attack::MatrixOptions o;
        if (!a->only.empty()) {
          if (a->only != "v1" && a->only != "legacy")
            throw Error(Failure::usage, "--only is v1 or legacy, not '" + a->only + "'");
          o.v1 = a->only == "v1";
          o.legacy = a->only == "legacy";
        }
        o.cell_timeout = a->timeout;
        auto cells = attack::run_attack_matrix(o);
        std::cout << (a->json ? attack::format_matrix_json(cells)
                              : attack::format_matrix_table(cells))
                  << std::flush;
        for (const auto& c : cells)
          if (!c.as_expected()) return Failure::internal;
        return Failure::none;
      };
    }};

}  // namespace
}  // namespace intact::cli
